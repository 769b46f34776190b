#!/usr/bin/env bash
# An alert the service center answers with a 4xx is retried, beyond the ladder, until taken. One
# it refuses for good (5xx) is kept as `failed`, raises an open SWD_Alert_Failed event (MINOR,
# naming the request, its dist and target) and is not tried again by itself; `alerts retry`
# (ids as arguments, on stdin as JSONL records, or --all) sends it once the server is fixed:
# delivered once, a second retry refused.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

port=$(free_port)
queue_config
cat >>"$SWD_CONFIG" <<EOF
push_retries = 0
pull_retries = 0
alert_retry = ["0s", "1s"]
[alerts]
to = ["service-center@example.com"]
[smtp]
url = "smtp://127.0.0.1:$port"
from = "swd@relay-a.east.example.com"
timeout = "5s"
EOF
$PY "$SRC/tests/cli/ticket/smtpd.py" "$port" "$T/smtpd" "$T/smtpd.answer" 2>>"$T/smtpd.log" &
_swd_pids+=("$!")
wait_port "$port"
swd-queue packages add "$SRC/examples/packages/pkg-a-1.2" >/dev/null
swd-queue targets add pos-1 pos-2 pos-3 pos-4 --transport "local:$T/ep/{target}" >/dev/null  # all off
submit() { swd-queue submit --dist "$1" --package pkg-a-1.2 --target "$2" | json_get /dev/stdin 'r[0]["id"]'; }
mails() { ls "$T/smtpd" | grep -c '\.eml$' || true; }

# 451 on every attempt: still pending after the two rungs, taken at the fourth attempt.
echo 451 >smtpd.answer
r1=$(submit D-TEMP pos-1)
expect_status 6 swd-queue run --once >run1.jsonl 2>run1.err
for _ in 1 2; do
    sleep 1.1
    expect_status 5 swd-queue send 2>send.err
done
swd-queue alerts >alerts.jsonl
assert_eq "1 pending 3" "$(json_get alerts.jsonl 'str(r[0]["id"]) + " " + r[0]["status"] + " " + str(r[0]["attempts"])')" \
    "a 4xx after the last rung: pending"
assert_contains <(json_get alerts.jsonl 'r[0]["last_error"]') "451 4.3.0 try later"
echo 250 >smtpd.answer
sleep 1.1
swd-queue send
assert_eq "sent 4" "$(swd-queue alerts | json_get /dev/stdin 'r[0]["status"] + " " + str(r[0]["attempts"])')" "taken"
assert_eq 1 "$(mails)" "messages"

# 550: failed at the first attempt, with an open MINOR event.
echo 550 >smtpd.answer
r2=$(submit D-REFUSED pos-2)
expect_status 6 swd-queue run --once >run2.jsonl 2>run2.err
assert_contains run2.err "alert $r2: not sent, giving up after 1 attempt"
assert_eq "SWD_Alert_Failed" "$(json_get run2.jsonl 'r[-1]["class"]')" "run printed the event"
swd-queue events --open >open.jsonl
$PY - open.jsonl "$r2" "$port" <<'PYEOF' || fail "SWD_Alert_Failed event"
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
af = [e for e in events if e["class"] == "SWD_Alert_Failed"]
assert len(af) == 1, af
e = af[0]
want = {"severity": "MINOR", "open": True, "request": sys.argv[2], "dist": "D-REFUSED",
        "target": "pos-2", "package": "pkg-a-1.2"}
for k, v in want.items():
    assert e.get(k) == v, (k, e.get(k))
assert e["message"] == ("alert 2 ([SWD] connection failure: pos-2 (pkg-a-1.2) dist D-REFUSED) "
                        f"refused by smtp://127.0.0.1:{sys.argv[3]}: smtp://127.0.0.1:{sys.argv[3]}: "
                        "550 5.7.1 no; resend it with: swd-queue alerts retry 2"), e["message"]
PYEOF
swd-queue alerts --status failed >failed.jsonl
assert_eq "2 $r2 failed 1" "$(json_get failed.jsonl '" ".join(str(r[0][k]) for k in ("id", "request", "status", "attempts"))')" "failed alert"
assert_contains <(json_get failed.jsonl 'r[0]["last_error"]') "550 5.7.1 no"
assert_eq "False" "$(json_get failed.jsonl 'str("next_at" in r[0])')" "a failed alert has no next attempt"

# Not tried again by itself, even once the server is fixed.
echo 250 >smtpd.answer
sleep 1.1
swd-queue send
swd-queue run --once >/dev/null
assert_eq 1 "$(mails)" "a refused alert is not resent by itself"
assert_eq failed "$(swd-queue alerts --status failed | json_get /dev/stdin 'r[0]["status"]')" "still failed"

# Retried by the operator (ids as JSONL records on stdin): delivered once.
swd-queue alerts --status failed | swd-queue alerts retry >retried.jsonl
assert_eq "2 sent 1" "$(json_get retried.jsonl 'str(r[0]["id"]) + " " + r[0]["status"] + " " + str(r[0]["attempts"])')" \
    "retried and sent"
assert_eq 2 "$(mails)" "messages after the retry"
assert_contains "$(ls "$T"/smtpd/*.eml | tail -1)" "Distribution-ID: D-REFUSED"
expect_status 6 swd-queue alerts retry 2 2>again.err
assert_contains again.err "alerts retry: 2: not waiting (sent)"
expect_status 6 swd-queue alerts retry 99 x 2>bad.err
assert_contains bad.err "alerts retry: x: not an alert id (a number)"
assert_contains bad.err "alerts retry: 99: no such alert"
swd-queue send
assert_eq 2 "$(mails)" "delivered once"
# The event stays open until acknowledged.
ev=$(swd-queue events --open | json_get /dev/stdin '[e["id"] for e in r if e["class"] == "SWD_Alert_Failed"][0]')
swd-queue ack "$ev" >/dev/null
assert_eq 0 "$(swd-queue events --open | json_get /dev/stdin 'sum(1 for e in r if e["class"] == "SWD_Alert_Failed")')" "acked"

# --all: two more refused alerts, both sent by one retry; ids as arguments work as well.
echo 550 >smtpd.answer
submit D-ALL pos-3 >/dev/null
submit D-ALL pos-4 >/dev/null
expect_status 6 swd-queue run --once >/dev/null 2>&1
assert_eq "3 4" "$(swd-queue alerts --status failed | json_get /dev/stdin '" ".join(str(a["id"]) for a in r)')" "two refused"
assert_eq "3 failed" "$(swd-queue --dry-run alerts retry 3 | json_get /dev/stdin 'str(r[0]["id"]) + " " + r[0]["status"]')" \
    "--dry-run changes nothing"
echo 250 >smtpd.answer
swd-queue alerts retry --all >all.jsonl
assert_eq "3 sent|4 sent" "$(json_get all.jsonl '"|".join(str(a["id"]) + " " + a["status"] for a in r)')" "--all"
assert_eq 4 "$(mails)" "every alert delivered once"
assert_eq "sent sent sent sent" "$(swd-queue alerts | json_get /dev/stdin '" ".join(a["status"] for a in r)')" "none left"
expect_status 2 swd-queue alerts retry --all 3 2>/dev/null
expect_status 2 swd-queue alerts --status nonsense 2>/dev/null

# Every record printed above is described in swd-records(5).
check_documented alerts.jsonl all.jsonl
