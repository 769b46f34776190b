#!/usr/bin/env bash
# A 4xx answer is retried on the ladder and the ticket arrives once the server takes it; a
# 4xx on every rung, or a 5xx at once, makes the ticket failed: logged, listed by
# `list --status failed`, and never tried again.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"
. "$SRC/tests/cli/ticket/setup.sh"
start_answering_smtp

# Three tickets: pos-e2 (timeout 1 for it), pos-x9 and pos-n1.
grep -E '"device":"(pos-e2|pos-x9|pos-n1)"' alerts.jsonl >three.jsonl
swd-ticket --now 2026-11-22T00:00:00Z process three.jsonl >tickets.jsonl
assert_eq 3 "$(wc -l <tickets.jsonl)" "tickets"
field() { swd-ticket show "$1" | json_get /dev/stdin "r[0][\"$2\"]"; }

# 451 on the first attempt, then accepted at the second rung.
echo 451 >smtpd.answer
expect_status 5 swd-ticket --now 2026-11-22T00:00:00Z send 2>send1.err
assert_eq "queued 1" "$(field T-20261122-0001 status) $(field T-20261122-0001 attempts)"
assert_contains <(field T-20261122-0001 last_error) "451 4.3.0 try later"
echo 250 >smtpd.answer
swd-ticket --now 2026-11-22T00:00:30Z send
assert_eq "sent 2" "$(field T-20261122-0001 status) $(field T-20261122-0001 attempts)"
assert_eq 3 "$(ls smtpd/*.eml | wc -l)" "messages"

# 451 on every rung: failed after the fourth attempt, at first attempt + 1 h.
printf '%s\n' '{"type":"alert","v":1,"id":"A-X-1","time":"2026-11-22T01:00:00Z","failure":"disk","device":"pos-w2"}' |
    swd-ticket --now 2026-11-22T01:00:00Z process >/dev/null
echo 451 >smtpd.answer
for at in 01:00:00 01:00:30 01:05:00; do
    expect_status 5 swd-ticket --now "2026-11-22T${at}Z" send
done
assert_eq "queued 3" "$(field T-20261122-0004 status) $(field T-20261122-0004 attempts)"
swd-ticket --now 2026-11-22T01:59:59Z send
assert_eq 3 "$(field T-20261122-0004 attempts)" "no attempt before the last rung"
expect_status 6 swd-ticket --now 2026-11-22T02:00:00Z send 2>last.err
assert_contains last.err "ticket T-20261122-0004: not sent, giving up after 4 attempts"
assert_contains last.err "451 4.3.0 try later"
assert_eq "failed 4" "$(field T-20261122-0004 status) $(field T-20261122-0004 attempts)"
swd-ticket --now 2026-11-23T00:00:00Z send
assert_eq 4 "$(field T-20261122-0004 attempts)" "a failed ticket is not tried again"

# 550: failed at the first attempt.
printf '%s\n' '{"type":"alert","v":1,"id":"A-X-2","time":"2026-11-22T03:00:00Z","failure":"disk","device":"pos-w3"}' |
    swd-ticket --now 2026-11-22T03:00:00Z process >/dev/null
echo 550 >smtpd.answer
expect_status 6 swd-ticket --now 2026-11-22T03:00:00Z send 2>refused.err
assert_contains refused.err "ticket T-20261122-0005: not sent, giving up after 1 attempt: smtp://127.0.0.1:$SMTP_PORT: 550 5.7.1 no"
echo 250 >smtpd.answer
swd-ticket --now 2026-11-22T05:00:00Z send
assert_eq "failed 1" "$(field T-20261122-0005 status) $(field T-20261122-0005 attempts)"
swd-ticket list --status failed >failed.jsonl
assert_eq "['T-20261122-0004', 'T-20261122-0005']" "$(json_get failed.jsonl '[t["id"] for t in r]')"
assert_eq "['T-20261122-0001', 'T-20261122-0002', 'T-20261122-0003']" \
    "$(swd-ticket list --status sent | json_get /dev/stdin '[t["id"] for t in r]')"
assert_eq 3 "$(ls smtpd/*.eml | wc -l)" "messages after the refusals"
