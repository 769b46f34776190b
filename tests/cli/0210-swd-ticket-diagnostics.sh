#!/usr/bin/env bash
# Diagnostics: the real ping and traceroute to the device's address (127.0.0.1), output
# attached to the ticket; a command that hangs is stopped at the timeout; long output is
# trimmed; a command that is not there says so; --no-diagnostics and diagnostics = false run
# nothing.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"
command -v ping >/dev/null && command -v traceroute >/dev/null || { echo "no ping/traceroute"; exit 77; }
cat >>"$SWD_CONFIG" <<'TOML'
[ticket]
default_center = "desk"
ping = "ping -c 2 -i 0.2 -W 2 {address}"
traceroute = "traceroute -n -w 2 -q 1 -m 3 {address}"
diagnostics_timeout = "20s"
TOML
swd-ticket centers add desk --email desk@example.com
printf 'name,address,building,room\npos-1,127.0.0.1,B1,R1\npos-2,localhost,B1,R2\n' >devices.csv
swd-ticket devices import devices.csv
alert() { printf '{"type":"alert","v":1,"id":"%s","time":"2026-11-22T07:00:00Z","failure":"disk","device":"%s"}\n' "$1" "$2"; }

alert A-1 pos-1 | swd-ticket --now 2026-11-22T07:00:00Z process >t1.jsonl
ping_out=$(json_get t1.jsonl 'r[0]["diagnostics"]["ping"]')
grep -q "^PING 127.0.0.1 (127.0.0.1)" <<<"$ping_out" || fail "ping output: $ping_out"
grep -q "2 packets transmitted, 2 received, 0% packet loss" <<<"$ping_out" || fail "ping: $ping_out"
trace_out=$(json_get t1.jsonl 'r[0]["diagnostics"]["traceroute"]')
grep -q "^traceroute to 127.0.0.1 (127.0.0.1), 3 hops max" <<<"$trace_out" || fail "traceroute: $trace_out"
assert_eq 127.0.0.1 "$(json_get t1.jsonl 'r[0]["address"]')"

# A hanging command is stopped; long output is trimmed; a missing one says so.
sed -i 's/^ping = .*/ping = "sleep 30"/; s/^traceroute = .*/traceroute = "seq 1 100000"/; s/^diagnostics_timeout = .*/diagnostics_timeout = "1s"\ndiagnostics_limit = 20/' "$SWD_CONFIG"
start=$(date +%s)
alert A-2 pos-2 | swd-ticket --now 2026-11-22T07:00:00Z process >t2.jsonl
(( $(date +%s) - start < 15 )) || fail "the timeout did not stop the command"
assert_eq "[sleep 30: timed out after 1s]" "$(json_get t2.jsonl 'r[0]["diagnostics"]["ping"]')"
assert_eq "$(printf '1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n[trimmed]')" "$(json_get t2.jsonl 'r[0]["diagnostics"]["traceroute"]')"
sed -i 's/^ping = .*/ping = "no-such-ping {address}"/; s/^traceroute = .*/traceroute = ""/' "$SWD_CONFIG"
alert A-3 pos-3 | swd-ticket --now 2026-11-22T07:00:00Z process >t3.jsonl
assert_eq "cannot run 'no-such-ping': No such file or directory" "$(json_get t3.jsonl 'r[0]["diagnostics"]["ping"]')"
assert_eq "['ping']" "$(json_get t3.jsonl 'list(r[0]["diagnostics"])')"

# Off.
alert A-4 pos-4 | swd-ticket --no-diagnostics --now 2026-11-22T07:00:00Z process >t4.jsonl
assert_eq False "$(json_get t4.jsonl '"diagnostics" in r[0]')"
printf '[ticket]\ndiagnostics = false\n' >off.toml
alert A-5 pos-5 | swd-ticket --config off.toml --now 2026-11-22T07:00:00Z process >t5.jsonl
assert_eq False "$(json_get t5.jsonl '"diagnostics" in r[0]')"
