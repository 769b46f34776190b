#!/usr/bin/env bash
# Delivery to a real SMTP server (aiosmtpd) on loopback: with the server stopped the tickets
# wait in the outbox and are retried at the ladder's times (0s, 30s, 5m, 1h); once it is back
# every ticket arrives exactly once, as a proper RFC 5322 message that parses back with the
# right headers and body; a later alert makes one update mail that refers to the ticket's.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"
. "$SRC/tests/cli/ticket/setup.sh"

T0=2026-11-22T00:00:00Z
swd-ticket --now $T0 process alerts.jsonl >tickets.jsonl
assert_eq 8 "$(wc -l <tickets.jsonl)" "tickets"

attempts() { swd-ticket list | json_get /dev/stdin 'sorted(set(t["attempts"] for t in r))'; }
statuses() { swd-ticket list | json_get /dev/stdin 'sorted(set(t["status"] for t in r))'; }

# Server down: the first attempt fails, the next is due 30 s after it; without -v, one line
# says so (cron mails it).
expect_status 5 swd-ticket --now $T0 send 2>down.err
assert_eq 1 "$(wc -l <down.err)" "lines on stderr with the server down: $(cat down.err)"
assert_contains down.err "swd-ticket: 8 mails not delivered: smtp://127.0.0.1:$SMTP_PORT"
assert_contains down.err "; next attempt at 2026-11-22T00:00:30Z (swd-ticket send)"
assert_eq "[1]" "$(attempts)" "attempts after the first send"
assert_eq "['queued']" "$(statuses)"
assert_contains <(swd-ticket list) '"last_error":"smtp://127.0.0.1:'
swd-ticket --now 2026-11-22T00:00:29Z send
assert_eq "[1]" "$(attempts)" "attempts before the second rung"
expect_status 5 swd-ticket --now 2026-11-22T00:00:30Z send
assert_eq "[2]" "$(attempts)" "attempts at the second rung"

# Back up: nothing before the third rung (5 min after the first attempt), then all of them.
mkdir -p "$T/maildir"/{cur,new,tmp}  # aiosmtpd's Mailbox does not make them in an existing dir
start_smtp "$SMTP_PORT" "$T/maildir"
swd-ticket --now 2026-11-22T00:04:59Z send
assert_eq 0 "$(ls "$T/maildir/new" | wc -l)" "mail before the third rung"
swd-ticket --now 2026-11-22T00:05:00Z send
assert_eq "[3]" "$(attempts)" "attempts at the third rung"
assert_eq "['sent']" "$(statuses)"
swd-ticket --now 2026-11-22T02:00:00Z send
assert_eq 8 "$(ls "$T/maildir/new" | wc -l)" "messages"

swd-ticket list >sent.jsonl
$PY - "$T/maildir" sent.jsonl <<'PY' || fail "messages do not match the tickets"
import email, email.policy, json, mailbox, sys
tickets = {t["id"]: t for t in map(json.loads, open(sys.argv[2]))}
seen = []
for msg in mailbox.Maildir(sys.argv[1], factory=None):
    raw = msg.as_bytes()
    m = email.message_from_bytes(raw, policy=email.policy.default)
    subject = str(m["subject"])
    tid = subject[1:subject.index("]")]
    t = tickets[tid]
    seen.append(tid)
    checks = {
        "from": str(m["from"]) == "swd-ticket <swd@service.example.com>",
        "to": [a.addr_spec for a in m["to"].addresses] == t["to"],
        "rcpt": m["X-RcptTo"] == ", ".join(t["to"]),
        "subject": subject == "[%s] %s failure: %s at %s" % (tid, t["failure"], t["device"], t["location"]),
        "message-id": m["message-id"] == t["message_id"],
        "date": m["date"].datetime.isoformat() == "2026-11-22T00:00:00+00:00",
        "auto-submitted": m["auto-submitted"] == "auto-generated",
        "x-swd-ticket": m["x-swd-ticket"] == tid,
        "mime": m.get_content_type() == "text/plain",
    }
    body = m.get_content()
    checks["body"] = all(s in body for s in (
        "Job ticket %s\n" % tid, "Device:        %s\n" % t["device"],
        "Alerts:        %d (threshold %d within 1d)\n" % (t["count"], t["threshold"]),
        "Location:      %s" % t["location"], "  %s  " % t["alerts"][-1]))
    if t.get("location_corrected_from"):
        checks["corrected"] = 'the alert said "%s"' % t["location_corrected_from"] in body
    if "ä" in t["location"]:
        checks["qp"] = m["content-transfer-encoding"] == "quoted-printable" and b"=C3=A4" in raw
    bad = [k for k, ok in checks.items() if not ok]
    if bad:
        print(tid, "bad:", bad, subject)
        sys.exit(1)
if sorted(seen) != sorted(tickets):
    print("each ticket exactly once: got", sorted(seen))
    sys.exit(1)
PY

# A new alert for an open ticket: one update mail that refers to the ticket's mail.
printf '%s\n' '{"type":"alert","v":1,"id":"A-20261122-000001","time":"2026-11-22T00:30:00Z","failure":"connection","device":"pos-e1","location":"Building 12/Room 1","region":"east"}' |
    swd-ticket --now 2026-11-22T00:31:00Z process >new.jsonl
assert_eq 0 "$(wc -l <new.jsonl)" "no new ticket for an update"
swd-ticket --now 2026-11-22T00:31:00Z send
swd-ticket --now 2026-11-22T00:32:00Z send
assert_eq 9 "$(ls "$T/maildir/new" | wc -l)" "messages with the update"
mid=$(swd-ticket show T-20261122-0001 | json_get /dev/stdin 'r[0]["message_id"]')
$PY - "$T/maildir" "$mid" <<'PY' || fail "update mail"
import email, email.policy, mailbox, sys
updates = [email.message_from_bytes(m.as_bytes(), policy=email.policy.default)
           for m in mailbox.Maildir(sys.argv[1], factory=None)]
updates = [m for m in updates if m["in-reply-to"]]
assert len(updates) == 1, len(updates)
m = updates[0]
assert m["in-reply-to"] == sys.argv[2] and m["references"] == sys.argv[2], (m["references"], sys.argv[2])
assert m["message-id"] != sys.argv[2]
assert str(m["subject"]) == "[T-20261122-0001] connection failure: pos-e1 at Building 12/Room 1 (update: 101 alerts)", m["subject"]
body = m.get_content()
assert "Job ticket T-20261122-0001 (update)" in body and "A-20261122-000001" in body, body
PY
assert_eq 101 "$(swd-ticket show T-20261122-0001 | json_get /dev/stdin 'r[0]["count"]')" "count"
