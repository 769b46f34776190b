#!/usr/bin/env bash
# Hostile and broken input never crashes swd-validate: binary junk, NUL bytes, invalid UTF-8,
# huge and deeply nested lines become `malformed` rejects; unreadable or truncated inputs are
# reported and the other inputs still go through (exit 6); shell metacharacters in data and
# in file names are only data; a closed stdout is a normal stop; a signal ends the run (exit 7).
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

printf '%s\n' example.com >domains
printf '%s\n' relay-a >nodes
ok='{"type":"alert","v":1,"id":"A-6","device":"pos-0006","from":"swd@relay-a.east.example.com","subject":"[SWD] connection failure: pos-0042"}'
v() { swd-validate --domains domains --nodes nodes "$@"; }

# Every kind of junk, each on its own line, between two valid alerts.
$PY - "$ok" >junk.jsonl <<'PYEOF'
import sys
ok = sys.argv[1].encode()
lines = [
    ok,
    b"\x00\x01\x02\xff\xfe binary junk \x1b[31m",
    b'{"type":"alert","id":"A-7","device":"pos-0007","subject":"bad \xff\xfe utf-8","from":"swd@relay-a.east.example.com"}',
    b'{"type":"alert","id":"A-8","device":"pos-0008","subject":"nul \\u0000 and ctl \\u001b[2J","from":"swd@relay-a.x.example.com"}',
    b'{"type":"alert","id":"A-9","device":"pos-0009","from":"swd@relay-a.east.example.com"',          # truncated object
    b"[" * 5000 + b"]" * 5000,                                          # too deep
    b'{"type":"alert","id":"A-10","device":"pos-0010","subject":"' + b"x" * 1000000 + b'","from":"swd@relay-a.east.example.com"}',
    b'{"type":"alert","id":"A-11","device":"pos-0011","subject":"Re: ' + b"y" * 300000 + b'","from":"swd@relay-a.east.example.com"}',
    b"z" * 2000000,                                                     # a huge non-JSON line
    b'{"type":"alert","id":"A-12","device":"pos-0012","from":"swd@' + b"a." * 100000 + b'example.org","subject":"x"}',
    b'"just a string"',
    b"null",
    b'{"type":"alert","id":"A-13","device":"pos-0013","from":"swd@relay-a.east.example.com","subject":"$(touch pwned) `touch pwned`; rm -rf / | tee x"}',
    b'{"type":null,"from":"swd@relay-a.east.example.com"}',
    b'{"type":"alert","id":"A-14","device":"pos-0014","from":["swd@relay-a.east.example.com"],"subject":"x"}',
    b'{"type":"alert","id":"A-15","device":"pos-0015","from":"@","subject":"x"}',
    b'{"type":"alert","id":"A-16","device":"pos-0016","from":"swd@relay-a.east.example.com","subject":"x"} trailing',
    ok,
]
sys.stdout.buffer.write(b"\n".join(lines) + b"\n")
PYEOF
v --rejects rejects.jsonl junk.jsonl >out 2>err || fail "junk: exit $?"
[[ ! -s err ]] || fail "stderr: $(head -c 500 err)"
[[ ! -e pwned ]] || fail "data was executed"
# Lines 1, 4, 7, 13 and 18 are valid alerts (4: control characters are data; 7: a 1 MB
# subject; 13: shell metacharacters are data).
$PY - junk.jsonl out rejects.jsonl <<'PYEOF' || fail "junk gave wrong records"
import json, sys
src = open(sys.argv[1], "rb").read().split(b"\n")[:-1]
out = open(sys.argv[2], "rb").read().split(b"\n")[:-1]
assert out == [src[0], src[3], src[6], src[12], src[17]], [len(l) for l in out]
rejects = [json.loads(l) for l in open(sys.argv[3], encoding="utf-8")]
reasons = [r["reason"] for r in rejects]
assert reasons == ["malformed", "malformed", "malformed", "malformed", "subject", "malformed",
                   "domain", "malformed", "malformed", "malformed", "domain", "domain",
                   "malformed"], reasons
junk = rejects[0]
assert junk["source"] == "junk.jsonl:2" and junk["line"].startswith("\x00\x01\x02\ufffd"), junk
assert len(rejects[5]["line"]) == 2000000
assert len(rejects[6]["detail"]) < 150, rejects[6]["detail"]       # a hostile domain, shortened
assert rejects[4]["record"]["subject"].startswith("Re: yyy")
assert rejects[8]["detail"] == "expected a JSON object" and rejects[8]["line"] == "null"
assert rejects[9]["detail"] == "not an alert record (no \"type\")"
assert rejects[10]["detail"] == rejects[11]["detail"] == "no sender domain"
PYEOF

# Hostile file names are just names; "--" ends the options.
name='-x $(touch pwned) `id`; a|b & c.jsonl'
printf '%s\n' "$ok" >"./$name"
v --rejects r2 -- "$name" >out || fail "hostile name: exit $?"
assert_eq "$ok" "$(cat out)" "from a file with a hostile name"
[[ ! -e pwned ]] || fail "a file name was executed"

# A missing input and a truncated gzip input are reported; the others still go through.
printf '%s\n' "$ok" "$ok" "$ok" | gzip >good.gz
head -c 30 good.gz >truncated.gz
printf '%s\n' "$ok" >plain.jsonl
expect_status 6 v --rejects r3 good.gz missing.jsonl truncated.gz plain.jsonl >out 2>err
assert_eq 4 "$(wc -l <out)" "alerts from the readable inputs"
assert_contains err "swd-validate: missing.jsonl: No such file or directory"
assert_contains err "swd-validate: truncated.gz:"
assert_eq 2 "$(wc -l <err)" "one stderr line per bad input"

# A rejects file that cannot be written is a configuration error, before any output.
mkdir rejects-dir
expect_status 3 v --rejects rejects-dir junk.jsonl >out 2>err
[[ ! -s out ]] || fail "output although the rejects file cannot be opened"
assert_contains err "swd-validate: rejects file rejects-dir: Is a directory"

# A reader that goes away is a normal stop.
for _ in $(seq 20000); do printf '%s\n' "$ok"; done >many.jsonl
status=0
v many.jsonl | head -n 1 >first || status=$?
assert_eq 0 "$status" "pipeline status with head"
assert_eq "$ok" "$(cat first)"

# SIGTERM while it waits on a silent pipe: the run stops at once, with exit 7, and what it
# read is out.
mkfifo fifo
swd-validate --domains domains --nodes nodes --rejects r4 fifo >out 2>err &
pid=$!
exec 3>fifo
printf '%s\n' "$ok" >&3
sleep 0.5
kill -TERM "$pid"
status=0
for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
kill -0 "$pid" 2>/dev/null && fail "still waiting on the pipe 5 s after SIGTERM"
wait "$pid" || status=$?
exec 3>&-
assert_eq 7 "$status" "exit status after SIGTERM"
assert_eq 1 "$(wc -l <out)" "alerts passed before the stop"
