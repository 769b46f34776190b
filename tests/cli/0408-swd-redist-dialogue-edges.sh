#!/usr/bin/env bash
# Point 6, the edges of the dialogue on a real pseudo-terminal: $VISUAL is used before $EDITOR;
# an answer that is none of y n e a q (and an empty one) is asked again; end of input on the
# terminal (Ctrl-D) counts as quit: that job and every following one are declined, nothing
# more is issued.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

. "$SRC/tests/cli/redist/setup.sh"
ago() { date -u -d "$1 ago" +%Y-%m-%dT%H:%M:%SZ; }
mkdir -p log
for n in 1 2 3; do
    printf 'ts=%s dist=D-%s event=received cmd="swd-queue submit --dist D-%s --package pkg-a-1.2 --target pos-1:replace --retry-interval 1s"\n' \
        "$(ago '1 hour')" "$n" "$n"
    printf '{"type":"failed","v":1,"dist":"D-%s","server":"relay-a","device":"pos-1","package":"pkg-a-1.2","failed_at":"%s"}\n' \
        "$n" "$(ago "$((40 - n)) minutes")" >>failed.jsonl
done >log/distribution.log
cat >mgr.py <<'PYEOF'
import json, sys
open(sys.argv[1], "a").write(json.dumps(sys.argv[2:]) + "\n")
PYEOF

# Two editors: VISUAL changes the retry interval; EDITOR only leaves a mark that it ran.
cat >visual.py <<'PYEOF'
import sys
path = sys.argv[1]
text = open(path).read().replace("--retry-interval 1s", "--retry-interval 9m")
open(path, "w").write(text)
PYEOF
cat >editor.py <<'PYEOF'
import os, sys
open(os.environ["T"] + "/editor-ran", "w").write("EDITOR ran\n")
PYEOF
export T VISUAL="$PY $T/visual.py" EDITOR="$PY $T/editor.py"


# D-1: "x" and "" are asked again, e (VISUAL), y. D-2: Ctrl-D. D-3: not asked.
$PY "$SRC/tests/cli/redist/pty_drive.py" failed.jsonl out.jsonl tty.txt x "" e y EOF -- \
    swd-redist --since 2h --manager "$PY $T/mgr.py $T/issued.jsonl {argv}" - ||
    { cat tty.txt >&2; fail "swd-redist exited $?"; }
assert_eq 4 "$(grep -c 'Redistribute D-1? \[y\]es \[n\]o \[e\]dit \[a\]ll \[q\]uit' tty.txt)" "questions about D-1"
assert_eq 1 "$(grep -c 'Redistribute D-2?' tty.txt)" "questions about D-2"
assert_eq 0 "$(grep -c 'Redistribute D-3?' tty.txt)" "questions about D-3 after end of input"
assert_eq 1 "$(grep -c 'please answer y, n, e, a or q' tty.txt)" "the invalid answer is answered"
assert_contains tty.txt "new:        swd-queue submit --dist D-1-R1 --redist-of D-1 --package pkg-a-1.2 --target pos-1:replace --retry-interval 9m"
[[ ! -e editor-ran ]] || fail "\$EDITOR ran although \$VISUAL is set"
assert_eq "D-1 issued|D-2 declined|D-3 declined" \
    "$(json_get out.jsonl '"|".join(x["dist"] + " " + x["status"] for x in r if x["type"] == "redist")')" "records"
assert_eq '["swd-queue", "submit", "--dist", "D-1-R1", "--redist-of", "D-1", "--package", "pkg-a-1.2", "--target", "pos-1:replace", "--retry-interval", "9m"]' \
    "$(cat issued.jsonl)" "the one command issued"
assert_eq "D-1 pos-1" "$(json_get out.jsonl '" ".join(x["dist"] + " " + x["device"] for x in r if x["type"] == "resolved")')"

# Without VISUAL, EDITOR is the one (it changes nothing: the command is shown and asked again);
# then n for D-1 and q for D-2.
unset VISUAL
rm -f issued.jsonl
$PY "$SRC/tests/cli/redist/pty_drive.py" failed.jsonl out2.jsonl tty2.txt e n q -- \
    swd-redist --since 2h --manager "$PY $T/mgr.py $T/issued.jsonl {argv}" - ||
    { cat tty2.txt >&2; fail "session 2 exited $?"; }
assert_eq "EDITOR ran" "$(cat editor-ran)" "\$EDITOR without \$VISUAL"
assert_eq 2 "$(grep -c 'Redistribute D-1?' tty2.txt)" "questions about D-1 in session 2"
assert_eq "D-1 declined|D-2 declined|D-3 declined" \
    "$(json_get out2.jsonl '"|".join(x["dist"] + " " + x["status"] for x in r if x["type"] == "redist")')" "session 2"
[[ ! -e issued.jsonl ]] || fail "session 2 issued something"
