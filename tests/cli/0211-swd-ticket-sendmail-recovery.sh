#!/usr/bin/env bash
# Delivery through a local MTA (sendmail:PATH, argv, never a shell; exit 75 retried, other
# failures permanent), and nothing lost when swd-ticket dies: a ticket left half-finished by
# a killed process is taken up by the next run, a mail left half-sent ten minutes later.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"
. "$SRC/tests/cli/ticket/setup.sh"

# A stand-in MTA that keeps its argv and the message, and exits with what mta.code says.
mkdir -p "mta dir"
cat >"mta dir/sendmail" <<'SH'
#!/bin/sh
n=$(ls "$(dirname "$0")"/*.msg 2>/dev/null | wc -l)
code=$(cat "$(dirname "$0")/../mta.code" 2>/dev/null || echo 0)
if [ "$code" = 0 ]; then
    printf '%s\n' "$@" >"$(dirname "$0")/$n.args"
    cat >"$(dirname "$0")/$n.msg"
else
    cat >/dev/null
    echo "mta: try again" >&2
fi
exit "$code"
SH
chmod +x "mta dir/sendmail"
sed -i "s|^url = .*|url = \"sendmail:$T/mta dir/sendmail\"|" "$SWD_CONFIG"

grep '"device":"pos-x9"' alerts.jsonl | swd-ticket --now 2026-11-22T00:00:00Z process >t.jsonl
echo 75 >mta.code
expect_status 5 swd-ticket -v --now 2026-11-22T00:00:00Z send 2>tempfail.err
assert_contains tempfail.err "exit 75: mta: try again"
echo 0 >mta.code
swd-ticket --now 2026-11-22T00:00:30Z send
assert_eq "$(printf -- '-i\n-f\nswd@service.example.com\n--\ndesk@example.com')" "$(cat "mta dir/0.args")"
assert_contains "mta dir/0.msg" "Subject: [T-20261122-0001] disk failure: pos-x9 at Partner site 3"
assert_eq "sent 2" "$(swd-ticket show T-20261122-0001 | json_get /dev/stdin 'r[0]["status"] + " " + str(r[0]["attempts"])')"
echo 1 >mta.code
grep '"device":"pos-n1"' alerts.jsonl | swd-ticket --now 2026-11-22T00:01:00Z process >/dev/null
expect_status 6 swd-ticket --now 2026-11-22T00:01:00Z send 2>/dev/null
assert_eq failed "$(swd-ticket show T-20261122-0002 | json_get /dev/stdin 'r[0]["status"]')"
echo 0 >mta.code

# A process killed while it runs the diagnostics leaves its ticket half-finished.
sed -i "s|^diagnostics = false\$|diagnostics = true\nping = \"$(slow_command)\"\ntraceroute = \"\"\ndiagnostics_timeout = \"2m\"|" "$SWD_CONFIG"
grep '"device":"pos-e2"' alerts.jsonl >e2.jsonl
swd-ticket --now 2026-11-22T01:00:00Z process e2.jsonl >killed.jsonl &
victim=$!
trap 'kill -9 "$victim" 2>/dev/null || true; _swd_cleanup' EXIT
for _ in $(seq 100); do
    [[ $(sqlite3 "$SWD_STATE" "SELECT stage FROM tickets WHERE device = 'pos-e2'" 2>/dev/null) == diagnosing ]] && break
    sleep 0.1
done
kill -9 "$victim"
wait $victim 2>/dev/null || true
assert_eq 0 "$(wc -l <killed.jsonl)" "records from the killed process"
assert_eq new "$(swd-ticket list --device pos-e2 | json_get /dev/stdin 'r[0]["status"]')"
sed -i 's/^diagnostics = true$/diagnostics = false/' "$SWD_CONFIG"
# A claim of a process that is gone is taken up at once (0220 shows it); one that names no
# process (written by an older swd) only after ten minutes.
sqlite3 "$SWD_STATE" "UPDATE tickets SET claimer = NULL WHERE device = 'pos-e2'"
swd-ticket --now 2026-11-22T01:05:00Z send
assert_eq new "$(swd-ticket list --device pos-e2 | json_get /dev/stdin 'r[0]["status"]')" "taken up too early"
# Ten minutes later (by the wall clock, which the claim uses) it is finished and sent.
sqlite3 "$SWD_STATE" "UPDATE tickets SET claimed = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-11 minutes') WHERE device = 'pos-e2'"
swd-ticket --now 2026-11-22T01:15:00Z send
assert_eq "sent mc-east" "$(swd-ticket list --device pos-e2 | json_get /dev/stdin 'r[0]["status"] + " " + r[0]["center"]')"
assert_eq 2 "$(ls "mta dir"/*.msg | wc -l)" "messages"

# A mail whose sender died after claiming it is sent again ten minutes later, not lost.
grep '"device":"relay-a"' alerts.jsonl | swd-ticket --now 2026-11-22T02:00:00Z process >/dev/null
swd-ticket --now 2026-11-22T02:00:00Z send
sqlite3 "$SWD_STATE" "UPDATE outbox SET status = 'sending', claimed_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-2 minutes'), attempts = 1, first_at = '2026-11-22T02:00:00Z', sent_at = NULL WHERE ref = 'T-20261122-0004'"
swd-ticket --now 2026-11-22T02:01:00Z send
assert_eq 3 "$(ls "mta dir"/*.msg | wc -l)" "not sent again while its sender may still be at it"
sqlite3 "$SWD_STATE" "UPDATE outbox SET claimed_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-11 minutes') WHERE ref = 'T-20261122-0004'"
swd-ticket --now 2026-11-22T02:12:00Z send
assert_eq 4 "$(ls "mta dir"/*.msg | wc -l)" "sent again after ten minutes"
assert_eq "sent 2" "$(swd-ticket show T-20261122-0004 | json_get /dev/stdin 'r[0]["status"] + " " + str(r[0]["attempts"])')"
