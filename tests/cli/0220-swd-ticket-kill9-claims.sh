#!/usr/bin/env bash
# swd-ticket process killed (-9) after a batch committed, before its new tickets were finished
# (issue 12, item 5): the claim dies with the process, so the very next run finishes and prints
# them at once instead of after the 10-minute stale-claim time. Every ticket is printed once.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

$PY - >alerts.jsonl <<'PYEOF'
import json
for d in range(200):
    for k in range(3):
        print(json.dumps({"type": "alert", "v": 1, "id": f"A-20261121-{d * 3 + k + 1:06d}",
                          "device": f"pos-{d:04d}", "failure": "disk",
                          "time": f"2026-11-21T10:{k:02d}:00Z"}))
PYEOF
swd-ticket centers add desk --email desk@example.com
# Diagnostics that take long: the run is killed while it diagnoses its first ticket.
cat >>"$SWD_CONFIG" <<TOML
[ticket]
default_center = "desk"
ping = "$(slow_command)"
traceroute = "true"
diagnostics_timeout = "2m"
TOML
swd-ticket process alerts.jsonl >first.jsonl 2>first.err &
pid=$!
trap 'kill -9 "$pid" 2>/dev/null || true; _swd_cleanup' EXIT
assert_eq 200 "$(wait_state "SELECT count(*) FROM tickets" 200)" "tickets committed before the kill"
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
assert_eq 200 "$(sqlite3 "$SWD_STATE" "SELECT count(*) FROM tickets WHERE stage IN ('new', 'diagnosing')")" \
    "unfinished tickets after the kill"

# The cron job's next minute: the same input again (every alert a duplicate), quick diagnostics.
sed -i 's/^ping = .*/ping = "true"/' "$SWD_CONFIG"
start=$(date +%s)
swd-ticket -v process alerts.jsonl >second.jsonl 2>second.err || fail "second run: exit $?"
[[ $(($(date +%s) - start)) -lt 60 ]] || fail "the second run took a minute or more"
assert_eq 0 "$(sqlite3 "$SWD_STATE" "SELECT count(*) FROM tickets WHERE stage IN ('new', 'diagnosing')")" \
    "unfinished tickets after the next run"
cat first.jsonl second.jsonl >all.jsonl
assert_eq 200 "$(wc -l <all.jsonl)" "ticket records printed"
assert_eq 200 "$(json_get all.jsonl 'len({x["id"] for x in r})')" "distinct tickets printed"
assert_eq desk "$(json_get second.jsonl '",".join(sorted({x["center"] for x in r}))')" "routed"
assert_contains second.err "200 tickets a stopped run left unfinished, finished now"
assert_contains second.err "600 alerts: 200 tickets"

# A live run's claims are not taken: a run that is diagnosing keeps its tickets.
sed -i "s|^ping = .*|ping = \"$T/slow-command\"|" "$SWD_CONFIG"
sed 's/pos-/dev-/; s/A-20261121-/A-20261122-/' alerts.jsonl >more.jsonl
swd-ticket process more.jsonl >third.jsonl 2>third.err &
pid=$!
assert_eq 200 "$(wait_state "SELECT count(*) FROM tickets WHERE device LIKE 'dev-%'" 200)" \
    "tickets of the live run"
sed -i 's/^ping = .*/ping = "true"/' "$SWD_CONFIG"
swd-ticket process </dev/null >fourth.jsonl 2>fourth.err || fail "fourth run: exit $?"
assert_eq 0 "$(wc -l <fourth.jsonl)" "tickets taken from a live run"

# Once it is killed, `send` (the cron line's second half) finishes its tickets at once too.
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
swd-ticket -v send 2>send.err || true
assert_contains send.err "200 recovered"
assert_eq 0 "$(sqlite3 "$SWD_STATE" "SELECT count(*) FROM tickets WHERE stage IN ('new', 'diagnosing')")" \
    "unfinished tickets after send"
