#!/usr/bin/env bash
# Paging: when a device's paging switch is on (for every failure type, or only some), a short
# page goes to its center's pager address at once, even while the ticket itself is held.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"
. "$SRC/tests/cli/ticket/setup.sh"
sed -i 's/^\[ticket\]$/[ticket]\nhold = "shift"/' "$SWD_CONFIG"
start_answering_smtp

swd-ticket paging on pos-e2
swd-ticket paging on pos-w1 --failure disk
expect_status 2 swd-ticket paging on pos-nowhere 2>unknown.err
assert_contains unknown.err "paging: no device 'pos-nowhere' in the inventory"
assert_eq "True False" "$(swd-ticket devices list | json_get /dev/stdin \
    '" ".join(str(d["paging"]) for d in r if d["name"] in ("pos-e2", "pos-e1"))' | awk '{print $2, $1}')"

swd-ticket --now 2026-11-22T10:00:00Z process alerts.jsonl >tickets.jsonl 2>process.err
assert_eq "['pos-e2']" "$(json_get tickets.jsonl '[t["device"] for t in r if t.get("paged")]')"
swd-ticket --now 2026-11-22T10:00:00Z send
assert_eq 1 "$(ls smtpd/*.eml | wc -l)" "only the page, tickets are held"
$PY - smtpd/000000.eml <<'PY' || fail "page"
import email, email.policy, sys
m = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)
assert [a.addr_spec for a in m["to"].addresses] == ["page-east@example.com"], m["to"]
assert str(m["subject"]) == "[T-20261122-0003] PAGE timeout pos-e2", m["subject"]
body = m.get_content().strip()
assert body == "pos-e2 timeout x5 at Building 12/Room 2 since 2026-11-21T02:00:00Z (T-20261122-0003)", body
PY

# pos-w1 pages only for disk; its center has no pager: the ticket says so on stderr.
printf '%s\n' '{"type":"alert","v":1,"id":"A-X-1","time":"2026-11-22T11:00:00Z","failure":"disk","device":"pos-w1"}' |
    swd-ticket --now 2026-11-22T11:00:00Z process >w1.jsonl 2>w1.err
assert_contains w1.err "paging is on for pos-w1 but center mc-west has no pager address"
swd-ticket centers add mc-west --email mc-west@example.com --pager page-west@example.com
printf '%s\n' '{"type":"alert","v":1,"id":"A-X-2","time":"2026-11-22T11:00:00Z","failure":"disk","device":"pos-w3"}' \
              '{"type":"alert","v":1,"id":"A-X-3","time":"2026-11-22T11:00:00Z","failure":"access","device":"pos-w1"}' \
              '{"type":"alert","v":1,"id":"A-X-4","time":"2026-11-22T11:01:00Z","failure":"access","device":"pos-w1"}' |
    swd-ticket --now 2026-11-22T11:05:00Z process >more.jsonl
assert_eq "[]" "$(json_get more.jsonl '[t["id"] for t in r if t.get("paged")]')" "no page for access"
swd-ticket paging off pos-w1 --failure disk
swd-ticket paging on pos-w3 --failure package
printf '%s\n' '{"type":"alert","v":1,"id":"A-X-5","time":"2026-11-22T12:00:00Z","failure":"package","device":"pos-w3"}' |
    swd-ticket --now 2026-11-22T12:00:00Z process >w3.jsonl
assert_eq True "$(json_get w3.jsonl 'r[0]["paged"]')"
swd-ticket paging off pos-e2
printf '%s\n' '{"type":"alert","v":1,"id":"A-X-6","time":"2026-11-22T12:00:00Z","failure":"disk","device":"pos-e2"}' |
    swd-ticket --now 2026-11-22T12:00:00Z process >e2.jsonl
assert_eq "False" "$(json_get e2.jsonl 'r[0].get("paged", False)')"
swd-ticket --now 2026-11-22T12:00:00Z send
assert_eq 2 "$(ls smtpd/*.eml | wc -l)" "two pages"
assert_contains smtpd/000001.eml "To: page-west@example.com"
assert_contains smtpd/000001.eml "PAGE package pos-w3"
