#!/usr/bin/env bash
# An unknown device gets a ticket marked location_unverified, with the alert's location, sent
# to the default center; with no default center it waits, unrouted, until `send` finds one.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"
. "$SRC/tests/cli/ticket/setup.sh"
start_answering_smtp
sed -i '/^default_center = /d' "$SWD_CONFIG"

printf '%s\n' '{"type":"alert","v":1,"id":"A-1","time":"2026-11-22T07:00:00Z","failure":"install","device":"kiosk-17","location":"Mall 3, level 2","region":"south"}' |
    swd-ticket --now 2026-11-22T07:00:00Z process >t.jsonl 2>t.err
assert_eq "unrouted True Mall 3, level 2 south" \
    "$(json_get t.jsonl '" ".join(str(x) for x in (r[0]["status"], r[0]["location_unverified"], r[0]["location"], r[0]["region"]))')"
assert_contains t.err "ticket T-20261122-0001: no maintenance center for device kiosk-17"
assert_eq 1 "$(swd-ticket list --status unrouted | wc -l)"
swd-ticket --now 2026-11-22T07:01:00Z send 2>/dev/null
assert_eq 0 "$(ls smtpd 2>/dev/null | wc -l)" "nothing to send without a center"

sed -i 's/^\[ticket\]$/[ticket]\ndefault_center = "desk"/' "$SWD_CONFIG"
swd-ticket --now 2026-11-22T07:02:00Z send
assert_eq 1 "$(ls smtpd/*.eml | wc -l)"
assert_contains smtpd/000000.eml "To: desk@example.com"
assert_contains smtpd/000000.eml "Location:      Mall 3, level 2 (unverified: the device is not in the inventory)"
assert_eq "sent desk" "$(swd-ticket show T-20261122-0001 | json_get /dev/stdin 'r[0]["status"] + " " + r[0]["center"]')"
