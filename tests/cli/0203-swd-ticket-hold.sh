#!/usr/bin/env bash
# Shift hold and merge: with hold = "shift" tickets wait until the end of the shift and go out
# as one message per center listing all of them; `send --flush` sends held tickets at once.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"
. "$SRC/tests/cli/ticket/setup.sh"
sed -i 's/^\[ticket\]$/[ticket]\nhold = "shift"\nshifts = ["06:00", "14:00", "22:00"]/' "$SWD_CONFIG"
start_answering_smtp

swd-ticket --now 2026-11-22T10:00:00Z process alerts.jsonl >tickets.jsonl
assert_eq "['held']" "$(json_get tickets.jsonl 'sorted(set(t["status"] for t in r))')"
assert_eq "['2026-11-22T14:00:00Z']" "$(json_get tickets.jsonl 'sorted(set(t["held_until"] for t in r))')"

swd-ticket --now 2026-11-22T13:59:59Z send
assert_eq 0 "$(ls smtpd 2>/dev/null | wc -l)" "messages during the shift"
assert_eq 8 "$(swd-ticket list --status held | wc -l)" "held tickets"

swd-ticket --now 2026-11-22T14:00:00Z send
assert_eq 3 "$(ls smtpd/*.eml | wc -l)" "one message per center"
swd-ticket list >after.jsonl
assert_eq "['sent']" "$(json_get after.jsonl 'sorted(set(t["status"] for t in r))')"
$PY - smtpd after.jsonl <<'PY' || fail "merged messages"
import email, email.policy, glob, json, sys
tickets = [json.loads(l) for l in open(sys.argv[2])]
by_center = {}
for t in tickets:
    by_center.setdefault(t["center"], []).append(t)
seen = set()
for path in sorted(glob.glob(sys.argv[1] + "/*.eml")):
    m = email.message_from_bytes(open(path, "rb").read(), policy=email.policy.default)
    subject = str(m["subject"])
    center = subject.split(" for ")[1].split(":")[0]
    ts = by_center[center]
    ids = [t["id"] for t in ts]
    n = len(ids)
    want = "[swd] %d job ticket%s for %s: %s" % (n, "" if n == 1 else "s", center,
                                                 " ".join("[%s]" % i for i in ids))
    assert subject == want, (subject, want)
    assert [a.addr_spec for a in m["to"].addresses] == ts[0]["to"]
    assert m.get_all("x-swd-ticket") == ids, m.get_all("x-swd-ticket")
    body = m.get_content().replace("\r\n", "\n")
    assert body.startswith("%d job ticket" % n), body[:80]
    for t in ts:
        assert "Job ticket %s\n" % t["id"] in body, t["id"]
        assert t["message_id"] == m["message-id"], (t["message_id"], m["message-id"])
    seen.add(center)
assert seen == set(by_center), (seen, set(by_center))
PY

# A ticket in the next shift, sent at once with --flush.
printf '%s\n' '{"type":"alert","v":1,"id":"A-X-1","time":"2026-11-22T15:00:00Z","failure":"disk","device":"pos-w2"}' |
    swd-ticket --now 2026-11-22T15:00:00Z process >late.jsonl
assert_eq "held 2026-11-22T22:00:00Z" "$(json_get late.jsonl 'r[0]["status"] + " " + r[0]["held_until"]')"
swd-ticket --now 2026-11-22T15:01:00Z send
assert_eq 3 "$(ls smtpd/*.eml | wc -l)" "held until 22:00"
swd-ticket --now 2026-11-22T15:02:00Z send --flush
assert_eq 4 "$(ls smtpd/*.eml | wc -l)" "flushed"
assert_contains smtpd/000003.eml "Subject: [swd] 1 job ticket for mc-west: [T-20261122-0009]"
assert_eq sent "$(swd-ticket show T-20261122-0009 | json_get /dev/stdin 'r[0]["status"]')"
