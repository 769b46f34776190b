#!/usr/bin/env bash
# An unknown device gets a ticket marked location_unverified, with the alert's location, sent
# to the default center; with no default center it waits, unrouted, until `send` finds one; why
# is said once per run, with a count (issue 14, item 10).
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"
. "$SRC/tests/cli/ticket/setup.sh"
start_answering_smtp
sed -i '/^default_center = /d' "$SWD_CONFIG"

printf '%s\n' '{"type":"alert","v":1,"id":"A-1","time":"2026-11-22T07:00:00Z","failure":"install","device":"kiosk-17","location":"Mall 3, level 2","region":"south"}' |
    swd-ticket --now 2026-11-22T07:00:00Z process >t.jsonl 2>t.err
assert_eq "unrouted True Mall 3, level 2 south" \
    "$(json_get t.jsonl '" ".join(str(x) for x in (r[0]["status"], r[0]["location_unverified"], r[0]["location"], r[0]["region"]))')"
assert_eq "swd-ticket: 1 ticket unrouted: [ticket] default_center is not set and no building rule routes them (set it, and add the center: swd-ticket centers add NAME --email ADDRESS)" \
    "$(cat t.err)"
assert_eq 1 "$(swd-ticket list --status unrouted | wc -l)"
swd-ticket --now 2026-11-22T07:01:00Z send 2>/dev/null
assert_eq 0 "$(ls smtpd 2>/dev/null | wc -l)" "nothing to send without a center"


sed -i 's/^\[ticket\]$/[ticket]\ndefault_center = "desk"/' "$SWD_CONFIG"
swd-ticket --now 2026-11-22T07:02:00Z send
assert_eq 1 "$(ls smtpd/*.eml | wc -l)"
assert_contains smtpd/000000.eml "To: desk@example.com"
assert_contains smtpd/000000.eml "Location:      Mall 3, level 2 (unverified: the device is not in the inventory)"
assert_eq "sent desk" "$(swd-ticket show T-20261122-0001 | json_get /dev/stdin 'r[0]["status"] + " " + r[0]["center"]')"

# Said once per run with a count, and a default center that is no known center is named so.
sed -i 's/^default_center = "desk"$/default_center = "mc-nowhere"/' "$SWD_CONFIG"
for n in 2 3 4 5 6; do
    printf '{"type":"alert","v":1,"id":"A-%s","time":"2026-11-22T07:00:00Z","failure":"install","device":"kiosk-%s"}\n' $n $n
done | swd-ticket --now 2026-11-22T07:00:00Z process >t2.jsonl 2>t2.err
assert_eq 5 "$(wc -l <t2.jsonl)" "tickets"
assert_eq "swd-ticket: 5 tickets unrouted: [ticket] default_center 'mc-nowhere' is not a known center (swd-ticket centers add mc-nowhere --email ADDRESS)" \
    "$(cat t2.err)"
expect_status 0 swd-ticket --now 2026-11-22T07:01:00Z send 2>s2.err
assert_eq "swd-ticket: 5 tickets unrouted: [ticket] default_center 'mc-nowhere' is not a known center (swd-ticket centers add mc-nowhere --email ADDRESS)" \
    "$(cat s2.err)"
