#!/usr/bin/env bash
# Alerts are never dropped: with the service center down for longer than the whole
# [queue] alert_retry ladder, the alert stays pending and is tried again at the ladder's last
# interval (an alert given up after the last rung would be `failed` here); when the server comes
# back, the running daemon delivers it, exactly once.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

port=$(free_port)
queue_config
cat >>"$SWD_CONFIG" <<EOF
poll_interval = "1s"
push_retries = 0
pull_retries = 0
alert_retry = ["0s", "1s", "2s"]
[alerts]
to = ["service-center@example.com"]
[smtp]
url = "smtp://127.0.0.1:$port"
from = "swd@relay-a.east.example.com"
timeout = "5s"
EOF
swd-queue packages add "$SRC/examples/packages/pkg-a-1.2" >/dev/null
swd-queue targets add pos-9 --transport "local:$T/ep/pos-9" >/dev/null  # switched off
swd-queue submit --dist D-FOREVER --package pkg-a-1.2 --target pos-9 >sub.jsonl
r=$(json_get sub.jsonl 'r[0]["id"]')

swd-queue run --daemon >daemon.jsonl 2>daemon.err &
daemon=$!
_swd_pids+=("$daemon")

# The ladder has three rungs (0 s, 1 s, 2 s from the first attempt); wait for the sixth attempt.
attempts=0
for _ in $(seq 300); do
    attempts=$(swd-queue alerts | json_get /dev/stdin 'r[0]["attempts"] if r else 0')
    ((attempts >= 6)) && break
    sleep 0.1
done
((attempts >= 6)) || fail "only $attempts attempts in 30 s"
swd-queue alerts >alerts.jsonl
assert_eq 1 "$(wc -l <alerts.jsonl)" "one alert"
assert_eq "pending $r ['service-center@example.com']" \
    "$(json_get alerts.jsonl 'r[0]["status"] + " " + r[0]["request"] + " " + str(r[0]["to"])')" \
    "still pending after the ladder"
assert_eq "[SWD] connection failure: pos-9 (pkg-a-1.2) dist D-FOREVER" "$(json_get alerts.jsonl 'r[0]["subject"]')" "subject"
assert_contains <(json_get alerts.jsonl 'r[0]["last_error"]') "127.0.0.1:$port"
assert_eq 0 "$(swd-queue alerts --status failed | wc -l)" "nothing failed"
assert_eq abort "$(swd-queue show "$r" | json_get /dev/stdin 'r[0]["queue"]')" "the request itself gave up"

# The service center comes back: the next attempt (at most 1 s later) delivers it.
mkdir -p "$T/mail/cur" "$T/mail/new" "$T/mail/tmp"
start_smtp "$port" "$T/mail"
for _ in $(seq 100); do
    [[ $(swd-queue alerts --status sent | wc -l) == 1 ]] && break
    sleep 0.1
done
swd-queue alerts >alerts.jsonl
assert_eq sent "$(json_get alerts.jsonl 'r[0]["status"]')" "delivered when the server is back"
sleep 2.5  # two more poll intervals: nothing is sent again
assert_eq 1 "$(ls "$T/mail/new" | wc -l)" "delivered exactly once"
m=$(ls "$T"/mail/new/*)
assert_contains "$m" "Subject: [SWD] connection failure: pos-9 (pkg-a-1.2) dist D-FOREVER"
assert_contains "$m" "Device: pos-9"
assert_contains "$m" "Distribution-ID: D-FOREVER"

kill -TERM "$daemon"
status=0
wait "$daemon" || status=$?
assert_eq 6 "$status" "daemon exit status after SIGTERM (6: it had a failed attempt)"
assert_eq 0 "$(grep -c 'giving up' daemon.err || true)" "never given up"
assert_eq 0 "$(swd-queue events | json_get /dev/stdin 'sum(1 for e in r if e["class"] == "SWD_Alert_Failed")')" \
    "no alert-failed event for a server that was only down"
