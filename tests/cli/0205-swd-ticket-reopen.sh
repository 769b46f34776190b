#!/usr/bin/env bash
# The reopen window: an alert less than `reopen` (4 h) after its ticket was closed reopens and
# updates that ticket; later, a new ticket is made. `resolve` applies swd-redist's resolved
# records: the failed distribution is marked and the device's open tickets are closed.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"
. "$SRC/tests/cli/ticket/setup.sh"
start_answering_smtp
alert() { printf '{"type":"alert","v":1,"id":"%s","time":"%s","failure":"disk","device":"pos-x9","dist":"D-77","server":"relay-x","package":"pkg-b"}\n' "$1" "$2"; }
field() { swd-ticket show "$1" | json_get /dev/stdin "r[0]$2"; }

alert A-1 2026-11-22T07:00:00Z | swd-ticket --now 2026-11-22T07:00:00Z process >t1.jsonl
id=$(json_get t1.jsonl 'r[0]["id"]')
swd-ticket --now 2026-11-22T07:00:00Z send
swd-ticket --now 2026-11-22T08:00:00Z close "$id"
assert_eq "False 2026-11-22T08:00:00Z" "$(field "$id" '["open"]') $(field "$id" '["closed"]')"
expect_status 1 swd-ticket --now 2026-11-22T08:00:00Z close "$id" 2>again.err
assert_contains again.err "close: no open ticket '$id'"
assert_eq 1 "$(swd-ticket list --status closed | wc -l)"

# 3 h 59 min after closing: the same ticket, reopened, and an update mail.
alert A-2 2026-11-22T11:59:00Z | swd-ticket --now 2026-11-22T12:00:00Z process >t2.jsonl
assert_eq 0 "$(wc -l <t2.jsonl)" "no new ticket within the reopen window"
assert_eq "True 1 2" "$(field "$id" '["open"]') $(field "$id" '["reopened"]') $(field "$id" '["count"]')"
assert_eq "reopened $id" "$(swd-ticket show A-2 | json_get /dev/stdin 'r[0]["action"]')"
swd-ticket --now 2026-11-22T12:00:00Z send
assert_eq 2 "$(ls smtpd/*.eml | wc -l)" "ticket and update"
assert_contains smtpd/000001.eml "Reopened: an alert came within the reopen window"
assert_contains smtpd/000001.eml "In-Reply-To: $(field "$id" '["message_id"]')"

# Resolved by a redistribution: the failed distribution is marked, the ticket closed; other
# record types in swd-redist's output are ignored.
printf '%s\n' '{"type":"redist","v":1,"id":"X-1","server":"relay-x","dist":"D-77"}' \
    '{"type":"resolved","v":1,"dist":"D-77","server":"relay-x","device":"pos-x9","by":"X-1","new_dist":"D-77-R1"}' |
    swd-ticket --now 2026-11-22T13:00:00Z resolve >resolved.jsonl
assert_eq '{"type":"failed","v":1,"dist":"D-77","server":"relay-x","device":"pos-x9","package":"pkg-b","failed_at":"2026-11-22T11:59:00Z","alert":"A-2","status":"resolved","by":"X-1","new_dist":"D-77-R1","resolved_at":"2026-11-22T13:00:00Z"}' \
    "$(cat resolved.jsonl)" "resolved failed record"
assert_eq 0 "$(swd-ticket failed | wc -l)" "open failed distributions"
assert_eq 1 "$(swd-ticket failed --status all | wc -l)"
assert_eq "2026-11-22T13:00:00Z" "$(field "$id" '["closed"]')"
printf '%s\n' '{"type":"resolved","v":1,"server":"relay-x"}' 'not json' |
    expect_status 6 swd-ticket resolve 2>bad.err
assert_contains bad.err "stdin:1: a resolved record needs dist and device"
assert_contains bad.err "stdin:2:"

# More than 4 h after closing: a new ticket.
alert A-3 2026-11-22T17:00:01Z | swd-ticket --now 2026-11-22T17:01:00Z process >t3.jsonl
assert_eq 1 "$(wc -l <t3.jsonl)" "a new ticket after the reopen window"
assert_eq "['A-3']" "$(json_get t3.jsonl 'r[0]["alerts"]')"
[[ $(json_get t3.jsonl 'r[0]["id"]') != "$id" ]] || fail "the closed ticket was reused"
