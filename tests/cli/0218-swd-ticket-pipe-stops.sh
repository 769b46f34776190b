#!/usr/bin/env bash
# swd-ticket process fed by a pipe that goes silent: SIGINT stops it at once (exit 7), and every
# alert read before the signal is stored, the part batch too (a pipe cannot be read again). When
# storing fails (the state file lost its alert table to another process), it stops and says
# why in one line, exit 4.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"
. "$SRC/tests/cli/ticket/setup.sh"
sed -i 's/^\[ticket\]$/[ticket]\nbatch = 50/' "$SWD_CONFIG"
cp "$SWD_STATE" empty.db
stored() { sqlite3 "$SWD_STATE" "SELECT count(*) FROM ticket_alerts"; }
stored_at_least() { [[ $(stored) -ge $1 ]]; }
# wait_for WHAT COMMAND... — up to 10 s for COMMAND to succeed.
wait_for() {
    local what=$1
    shift
    for _ in $(seq 100); do
        "$@" && return 0
        sleep 0.1
    done
    fail "waited 10 s for $what"
}
# ends_within SECONDS PID — PID must end within SECONDS; its exit status goes to $rc.
ends_within() {
    local pid=$2
    for _ in $(seq $(($1 * 10))); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && fail "still running after $1 s"
    rc=0
    wait "$pid" || rc=$?
}

# 120 alerts, then silence: two whole batches and 20 alerts of a third are read.
mkfifo feed
{ head -n 120 alerts.jsonl; exec sleep 60; } >feed &
_swd_pids+=("$!")
swd-ticket --now 2026-11-22T00:00:00Z process <feed >int.jsonl 2>int.err &
ticket=$!
wait_for "two batches stored" stored_at_least 100
sleep 0.5
kill -INT "$ticket"
ends_within 5 "$ticket"
assert_eq 7 "$rc" "exit after SIGINT"
assert_eq 120 "$(stored)" "alerts stored: all that were read"
assert_eq "$(head -n 120 alerts.jsonl | $PY -c 'import json, sys; print(len({json.loads(l)["id"] for l in sys.stdin}))')" \
    "$(sqlite3 "$SWD_STATE" "SELECT count(DISTINCT id) FROM ticket_alerts")" "distinct alerts"
# The rest on the next run: nothing stored twice, the tickets as from one run of all of it.
expect_status 0 swd-ticket --now 2026-11-22T00:00:00Z process alerts.jsonl >/dev/null
assert_eq "$(wc -l <alerts.jsonl)" "$(stored)" "alerts stored after the second run"
SWD_STATE=one.db
cp empty.db one.db
swd-ticket --now 2026-11-22T00:00:00Z process alerts.jsonl >/dev/null
shape='SELECT device, failure, count, first_at, last_at FROM tickets ORDER BY 1, 2, 4'
assert_eq "$(sqlite3 one.db "$shape")" "$(sqlite3 "$T/state.db" "$shape")" "tickets"
SWD_STATE=$T/state.db

# Storing fails in the middle: it stops there, and one line says why.
cp empty.db "$SWD_STATE"
rm -f "$SWD_STATE-wal" "$SWD_STATE-shm"
mkfifo feed2
{
    head -n 60 alerts.jsonl
    while [[ ! -e dropped ]]; do sleep 0.1; done
    sed -n 61,120p alerts.jsonl
    sleep 2
    sed -n 121,130p alerts.jsonl
    exec sleep 60
} >feed2 &
_swd_pids+=("$!")
swd-ticket --now 2026-11-22T00:00:00Z process <feed2 >fail.jsonl 2>fail.err &
ticket=$!
wait_for "one batch stored" stored_at_least 50
sqlite3 "$SWD_STATE" "DROP TABLE ticket_alerts"
touch dropped
ends_within 10 "$ticket"
assert_eq 4 "$rc" "exit when storing fails"
assert_eq 1 "$(wc -l <fail.err)" "error lines"
assert_contains fail.err "swd-ticket: state file $SWD_STATE: "
assert_contains fail.err "no such table: ticket_alerts"
