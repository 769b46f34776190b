#!/usr/bin/env bash
# Done when 4 (points 4, 7): parameters with quotes, blanks and shell metacharacters round-trip
# exactly from the log to the new command, to another manager's argv (--manager, as words and as
# one shell-quoted word), to the copy-paste text shown, and through swd-queue to the installer's
# environment; nothing is ever run through a shell. Hostile input: malformed failed records,
# garbage log lines, an unreadable logged command, a hostile log directory name.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

. "$SRC/tests/cli/redist/setup.sh"

# A: through swd-queue in-process, into the installer's environment (SWD_PARAMS). swd-queue
# takes per-target parameters of any character but ',' and control characters, and a blank in
# other values (--not-before).
mkdir -p pkgenv/scripts
cat >pkgenv/scripts/env.sh <<'EOF'
#!/bin/sh
printf '%s|%s' "$SWD_TARGET" "$SWD_PARAMS" >"$SWD_ROOT/env.txt"
EOF
chmod +x pkgenv/scripts/env.sh
cat >pkgenv/swd-package.xml <<'EOF'
<SOFTPKG NAME="pkg-env" VERSION="1"><IMPLEMENTATION>
<SCRIPT TYPE="command" TIMEOUT="10s">scripts/env.sh</SCRIPT>
</IMPLEMENTATION></SOFTPKG>
EOF
swd-queue packages add pkgenv "$SRC/examples/packages/pkg-a-1.2" >/dev/null
swd-queue targets add pos-1 pos-2 --transport "local:$T/ep/{target}" >/dev/null
params='opt=a%20b%3B%24%28id%29,path=/srv/x:y,@at+plus=1,mode=replace'
argv_p=(swd-queue submit --dist D-P --package pkg-env-1 --target "pos-1:$params" --target pos-2
        --not-before "2026-01-01 00:00:00Z" --push-retries 0 --pull-retries 0)
mkdir -p ep/pos-2
"${argv_p[@]}" >/dev/null
swd-queue run --once >/dev/null 2>&1 || true
mkdir -p ep/pos-1
swd-redist --yes --dist D-P >p.jsonl 2>p.err || fail "D-P: $(cat p.err)"
$PY - p.jsonl "${argv_p[@]}" <<'PYEOF' || fail "D-P command"
import json, sys
r = json.loads(open(sys.argv[1]).readline())
orig = sys.argv[2:]
assert r["argv"] == ["swd-queue", "submit", "--dist", "D-P-R1", "--redist-of", "D-P"] + orig[4:8] + orig[10:], r["argv"]
assert r["recipients"] == ["pos-1"] and r["status"] == "issued"
PYEOF
swd-queue run --once >/dev/null 2>&1
assert_eq "pos-1|$params" "$(cat ep/pos-1/env.txt)" "SWD_PARAMS in the installer's environment"

# A2: a parameter with quotes, blanks and shell metacharacters goes from the submit through the
# log and swd-redist's rebuilt command, through swd-queue again, byte for byte into SWD_PARAMS
# (local: transport, the package's command script) and into the {params} word of an exec:
# install command. Nothing runs it through a shell: no file "pwned" appears.
hp=$(cat <<'EOF'
msg=it's "a b"; $(touch pwned) `touch pwned` | & * ? \ ~ {target} > <; "end'
EOF
)
cat >dumpargs.py <<'PYEOF'
import json, os, sys
json.dump(sys.argv[2:], open(sys.argv[1], "w"))
sys.exit(0 if os.path.exists(os.path.dirname(sys.argv[1]) + "/up") else 1)
PYEOF
swd-queue targets add pos-3 --transport "local:$T/ep/{target}" >/dev/null
swd-queue targets add pos-4 --transport exec \
    --install-cmd "$PY $T/dumpargs.py $T/exec-{target}.json {params}" >/dev/null
argv_q=(swd-queue submit --dist D-Q --package pkg-env-1 --target "pos-3:$hp,mode=replace"
        --target "pos-4:$hp" --push-retries 0 --pull-retries 0)
"${argv_q[@]}" >/dev/null || fail "swd-queue refused the parameter"
# Control characters and empty parameters stay refused, the reason shown without them.
expect_status 2 swd-queue submit --dist D-Q2 --package pkg-env-1 --target $'pos-3:a\nb\e[31m' 2>ctl.err
assert_eq "swd-queue: target 'pos-3': parameter 'a\\x0ab\\x1b[31m': control characters (newline, tab, escape, ...) are not allowed" \
    "$(cat ctl.err)" "a control character in a parameter"
expect_status 2 swd-queue submit --dist D-Q2 --package pkg-env-1 --target 'pos-3:a,,b' 2>empty.err
assert_contains empty.err "target 'pos-3': parameter '': empty"
grep -F 'dist=D-Q event=received' "$T/log/distribution.log" >q-received.txt || fail "D-Q not logged"
swd-queue run --once >/dev/null 2>&1 || true  # pos-3 has no root, pos-4's install fails
$PY - "$hp" exec-pos-4.json <<'PYEOF' || fail "{params} on the first attempt"
import json, sys
assert json.load(open(sys.argv[2])) == [sys.argv[1]], open(sys.argv[2]).read()
PYEOF
mkdir -p ep/pos-3
touch up
rm exec-pos-4.json
swd-redist --yes --dist D-Q >q.jsonl 2>q.err || fail "D-Q: $(cat q.err)"
$PY - q.jsonl "${argv_q[@]}" <<'PYEOF' || fail "D-Q command"
import json, sys
r = json.loads(open(sys.argv[1]).readline())
orig = sys.argv[2:]
assert r["argv"] == orig[:3] + ["D-Q-R1", "--redist-of", "D-Q"] + orig[4:], (r["argv"], orig)
assert r["recipients"] == ["pos-3", "pos-4"] and r["status"] == "issued", r
PYEOF
swd-queue run --once >q-run.jsonl 2>&1 || fail "queue run of D-Q-R1: $(cat q-run.jsonl)"
$PY - "$hp" ep/pos-3/env.txt exec-pos-4.json <<'PYEOF' || fail "the parameter did not arrive byte for byte"
import json, sys
hp, env, exec_args = sys.argv[1:]
got = open(env, "rb").read()
assert got == ("pos-3|" + hp + ",mode=replace").encode(), got
assert json.load(open(exec_args)) == [hp], open(exec_args).read()
PYEOF
[[ -z $(find "$T" -name pwned) ]] || fail "a shell ran the parameter: $(find "$T" -name pwned)"

# B: another manager (--manager) gets the words exactly, whatever they hold. The log is written
# by hand, as a manager that accepts anything would have it (DESIGN §6 quoting).
cat >dump.py <<'PYEOF'
import json, sys
json.dump(sys.argv[2:], open(sys.argv[1], "w"))
PYEOF
hostile_dir="$T/logs dir 'x' \$(touch $T/PWNED3) \`touch $T/PWNED4\`"
mkdir -p "$hostile_dir"
$PY - "$hostile_dir/distribution.log" "$T" <<'PYEOF'
import datetime, gzip, json, shlex, sys
path, T = sys.argv[1:]
t0 = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
def ts(s):
    return (t0 + datetime.timedelta(seconds=s)).strftime("%Y-%m-%dT%H:%M:%SZ")
def q(v):
    out = '"'
    for c in v:
        if c in '"\\': out += "\\" + c
        elif c == "\n": out += "\\n"
        elif c == "\t": out += "\\t"
        elif ord(c) < 32 or ord(c) == 127: out += "\\x%02x" % ord(c)
        else: out += c
    return out + '"'
hostile = ("msg=it's \"quoted\"; rm -rf / $(touch %s/PWNED) `touch %s/PWNED2` | & > < * ? ~ {a,b} \\ end"
           % (T, T))
argv = ["swd-queue", "submit", "--dist", "D-H", "--package", "pkg-a-1.2", "--target", "pos-1:" + hostile,
        "--target", "pos-2", "--origin", "multi\nline\ttab \x1b[31mred", "--note", "ünïcödé 日本 ''"]
json.dump(argv, open(T + "/hostile-argv.json", "w"))
lines = [
    "ts=%s dist=D-H event=received targets=pos-1,pos-2 cmd=%s" % (ts(0), q(shlex.join(argv))),
    "ts=%s dist=D-H event=result target=pos-1 package=pkg-a-1.2 result=failed detail=%s"
    % (ts(1), q("no route; $(x)")),
    "ts=%s dist=D-H event=result target=pos-2 package=pkg-a-1.2 result=success" % ts(1),
    "ts=%s dist=D-BAD event=received cmd=%s" % (ts(2), q("swd-queue submit --dist D-BAD 'oops")),
    'ts=%s dist=D-H event=received cmd="unterminated' % ts(3),
    "\x00\x01\xff garbage dist=D-H \x1b[2J",
    "",
    "dist=D-H",
]
with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
    for l in lines:
        f.write(l + "\n")
with gzip.open(path + ".1.gz", "wt") as f:
    f.write("ts=%s dist=D-X event=received cmd=%s\n" % (ts(-3600), q("swd-queue submit --dist D-X")))
with open(T + "/failed.jsonl", "w") as f:
    f.write("""not json at all
[1, 2]
{"type":"failed"}
{"type":"failed","dist":"D-1; rm -rf /","device":"pos-1"}
{"type":"failed","dist":"D-H","device":"pos-1","failed_at":"yesterday"}
{"type":"ticket","v":1,"id":"T-20261122-0001"}
""")
    for dist, at in (("D-H", ts(1)), ("D-BAD", ts(4))):
        f.write(json.dumps({"type": "failed", "v": 1, "dist": dist, "server": "relay-a", "device": "pos-1",
                            "package": "pkg-a-1.2", "failed_at": at}) + "\n")
PYEOF
expect_status 6 swd-redist --yes --since 1d --log-dir "$hostile_dir" \
    --manager "$PY $T/dump.py $T/argv-{dist}.json {argv}" failed.jsonl >h.jsonl 2>h.err
assert_eq 5 "$(grep -c '^swd-redist: failed.jsonl:[0-9]*: ' h.err)" "one line per bad record"
assert_contains h.err "failed.jsonl:4: distribution id 'D-1; rm -rf /': only letters"
assert_contains h.err "failed.jsonl:5: failed_at 'yesterday' is not an RFC 3339 time"
assert_eq "D-H issued|D-BAD refused" "$(json_get h.jsonl '"|".join(x["dist"] + " " + x["status"] for x in r if x["type"] == "redist")')"
assert_contains h.jsonl "the logged command cannot be read: unterminated ' quote"
$PY - "$T" h.jsonl h.err <<'PYEOF' || fail "hostile words"
import json, shlex, sys
T = sys.argv[1]
orig = json.load(open(T + "/hostile-argv.json"))
want = orig[:3] + ["D-H-R1", "--redist-of", "D-H"] + orig[4:8] + orig[10:]
got = json.load(open(T + "/argv-D-H-R1.json"))
assert got == want, (got, want)
rec = [json.loads(l) for l in open(sys.argv[2])][0]
assert rec["argv"] == want and rec["recipients"] == ["pos-1"] and rec["left_out"] == ["pos-2"]
assert "no route; $(x)" in rec["why"]["pos-1"]
err = open(sys.argv[3], encoding="utf-8", errors="replace").read()
assert "\x1b" not in err, "an escape sequence reached the terminal"
PYEOF
# The command as shown is safe to copy into a shell: bash reads back exactly the words.
sed -n 's/^  new:        //p' h.err >shown.txt
assert_eq 1 "$(wc -l <shown.txt)" "one new command shown"
bash -c 'eval "words=( $(cat shown.txt) )"; printf "%s\0" "${words[@]}"' >shown.bin
$PY - "$T" <<'PYEOF' || fail "shown command"
import json, sys
T = sys.argv[1]
got = open(T + "/shown.bin", "rb").read().split(b"\0")[:-1]
assert [w.decode() for w in got] == json.load(open(T + "/argv-D-H-R1.json"))
PYEOF

# {cmd}: one shell-quoted word, for ssh.
swd-redist --yes --dist D-H --log-dir "$hostile_dir" \
    --manager "$PY $T/dump.py $T/cmd.json {cmd}" >c.jsonl 2>c.err || fail "{cmd}: $(cat c.err)"
$PY - "$T" <<'PYEOF' || fail "{cmd} word"
import json, shlex, sys
T = sys.argv[1]
words = json.load(open(T + "/cmd.json"))
assert len(words) == 1
orig = json.load(open(T + "/hostile-argv.json"))
assert shlex.split(words[0]) == orig[:3] + ["D-H-R2", "--redist-of", "D-H"] + orig[4:8] + orig[10:]
PYEOF

# A manager that refuses: status refused with its reason, exit 6.
expect_status 6 swd-redist --yes --dist D-H --log-dir "$hostile_dir" --manager "$PY -c 'import sys; sys.exit(\"no capacity\")'" \
    >m.jsonl 2>m.err
assert_eq refused "$(json_get m.jsonl 'r[0]["status"]')"
assert_eq "manager exit 1: no capacity" "$(json_get m.jsonl 'r[0]["reason"]')"
expect_status 2 swd-redist --yes --dist D-H --manager 'mgr {nope}'

for f in PWNED PWNED2 PWNED3 PWNED4; do [[ ! -e $T/$f ]] || fail "something ran a shell ($f)"; done
