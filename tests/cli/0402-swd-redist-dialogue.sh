#!/usr/bin/env bash
# Done when 3 (point 6): the dialogue on a real pseudo-terminal, with the failed records on
# stdin at the same time: y, n, e with an EDITOR that changes a parameter, refused edits (one
# drops --redist-of, one names an unknown package, one reuses the old id, one leaves an
# unterminated quote), a; then q in a second session. What was approved is queued exactly as shown; nothing else is.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

. "$SRC/tests/cli/redist/setup.sh"
swd-queue packages add "$SRC/examples/packages/pkg-a-1.2" "$SRC/examples/packages/pkg-b-3.4" >/dev/null
swd-queue targets add pos-1 pos-2 --transport "local:$T/ep/{target}" >/dev/null
for n in 1 2 3 4 5 6; do
    swd-queue submit --dist "D-$n" --package pkg-a-1.2 --package pkg-b-3.4 --target pos-1:replace \
        --target pos-2 --retry-interval 1s --push-retries 0 --pull-retries 0 --origin master-1 >/dev/null
done
swd-queue run --once >/dev/null 2>&1 || true  # pos-1 and pos-2 are down: everything fails
$PY - "$log" >failed.jsonl <<'PYEOF'
import json, shlex, sys
for line in open(sys.argv[1]):
    f = dict(w.split("=", 1) for w in shlex.split(line))
    if f["event"] == "result" and f["result"] == "failed":
        print(json.dumps({"type": "failed", "v": 1, "dist": f["dist"], "server": "relay-a",
                          "device": f["target"], "package": f["package"], "failed_at": f["ts"]}))
PYEOF
grep -E '"D-[1-5]"' failed.jsonl >first.jsonl
grep -E '"D-[26]"' failed.jsonl >second.jsonl

# The editor: what it does to the command depends on $T/edit-mode, set before each "e".
cat >editor.py <<'PYEOF'
import sys
mode = open(sys.argv[1]).read().strip()
path = sys.argv[2]
text = open(path).read()
lines = text.splitlines()
assert lines[0].startswith("# The redistribution of D-"), lines
cmd = lines[1]
if mode == "param":
    cmd = cmd.replace("--retry-interval 1s", "--retry-interval 2m")
elif mode == "drop":
    words = cmd.split(" ")
    i = words.index("--redist-of")
    cmd = " ".join(words[:i] + words[i + 2:])
elif mode == "package":
    cmd = cmd.replace("pkg-b-3.4", "pkg-zzz-9")
elif mode == "samedist":
    cmd = cmd.replace("-R1 ", " ", 1)
elif mode == "quote":
    cmd = cmd + " '--origin"
open(path, "w").write("# edited\n" + cmd + "\n")
PYEOF
export EDITOR="$PY $T/editor.py $T/edit-mode"
unset VISUAL

export T

# Session 1: D-1 y, D-2 n, D-3 e (a changed parameter) then y, D-4 four refused edits then a
# (D-4 with its built command, D-5 without a question).
$PY "$SRC/tests/cli/redist/pty_drive.py" first.jsonl out1.jsonl tty1.txt y n param:e y drop:e package:e \
    samedist:e quote:e a -- swd-redist --since 1h - ||
    { cat tty1.txt >&2; fail "session 1 exited $?"; }
[[ $(grep -c 'Redistribute D-' tty1.txt) == 9 ]] || { cat tty1.txt >&2; fail "questions asked"; }
assert_contains tty1.txt "refused: --redist-of was dropped: a redistribution must name its original (D-4)"
assert_contains tty1.txt "refused: unknown package 'pkg-zzz-9' (not in the package store $T/store)"
assert_contains tty1.txt "refused: --dist must be a new distribution id (not D-4)"
assert_contains tty1.txt "refused: unterminated ' quote"
assert_contains tty1.txt "new:        swd-queue submit --dist D-3-R1 --redist-of D-3 --package pkg-a-1.2 --package pkg-b-3.4 --target pos-1:replace --target pos-2 --retry-interval 2m"
! grep -q 'Redistribute D-5' tty1.txt || fail "a(ll) still asked about D-5"
assert_contains tty1.txt "pos-1:replace  pkg-a-1.2 failed"

$PY - out1.jsonl <<'PYEOF' || fail "session 1 records"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
redist = {r["dist"]: r for r in recs if r["type"] == "redist"}
assert {d: r["status"] for d, r in redist.items()} == {"D-1": "issued", "D-2": "declined",
    "D-3": "issued", "D-4": "issued", "D-5": "issued"}, redist
base = ["--package", "pkg-a-1.2", "--package", "pkg-b-3.4", "--target", "pos-1:replace", "--target",
        "pos-2", "--retry-interval", "1s", "--push-retries", "0", "--pull-retries", "0", "--origin", "master-1"]
for d in ("D-1", "D-4", "D-5"):
    assert redist[d]["argv"] == ["swd-queue", "submit", "--dist", d + "-R1", "--redist-of", d] + base, redist[d]["argv"]
edited = ["swd-queue", "submit", "--dist", "D-3-R1", "--redist-of", "D-3"] + base
edited[edited.index("1s")] = "2m"
assert redist["D-3"]["argv"] == edited, redist["D-3"]["argv"]
assert "new_dist" not in redist["D-2"]
resolved = sorted((r["dist"], r["device"]) for r in recs if r["type"] == "resolved")
assert resolved == sorted((d, t) for d in ("D-1", "D-3", "D-4", "D-5") for t in ("pos-1", "pos-2")), resolved
PYEOF

# The queue holds exactly the approved commands; D-3's with the edited parameter.
swd-queue list --queue incoming >queued.jsonl
assert_eq "D-1-R1 D-1-R1 D-3-R1 D-3-R1 D-4-R1 D-4-R1 D-5-R1 D-5-R1" \
    "$(json_get queued.jsonl '" ".join(sorted(x["dist"] for x in r))')" "queued"
assert_eq "2m" "$(json_get queued.jsonl '[x["retry_interval"] for x in r if x["dist"] == "D-3-R1"][0]')"
assert_eq "1s" "$(json_get queued.jsonl '[x["retry_interval"] for x in r if x["dist"] == "D-1-R1"][0]')"

# Session 2: q at D-2 declines it and D-6 without asking.
$PY "$SRC/tests/cli/redist/pty_drive.py" second.jsonl out2.jsonl tty2.txt q -- swd-redist --since 1h - || { cat tty2.txt >&2; fail "session 2"; }
[[ $(grep -c 'Redistribute D-' tty2.txt) == 1 ]] || fail "questions after q"
assert_eq "D-2 declined|D-6 declined" \
    "$(json_get out2.jsonl '"|".join(x["dist"] + " " + x["status"] for x in r)')" "session 2"
assert_eq 8 "$(swd-queue list --queue incoming | wc -l)" "nothing queued by session 2"
