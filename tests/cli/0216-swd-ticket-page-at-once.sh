#!/usr/bin/env bash
# A page goes to the center's pager at once: `process` delivers the pages of the tickets it
# just made (the tickets themselves wait for `send`). With the mail server down, `process`
# still succeeds and the page stays in the outbox; `send` delivers it on the ladder.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"
. "$SRC/tests/cli/ticket/setup.sh"
mkdir -p maildir/{cur,new,tmp}  # aiosmtpd's Mailbox does not make them in an existing dir
start_smtp "$SMTP_PORT" "$T/maildir"
swd-ticket paging on pos-e2
swd-ticket paging on pos-e1

# --dry-run sends nothing.
grep '"device":"pos-e2"' alerts.jsonl >e2.jsonl
swd-ticket --dry-run --now 2026-11-22T10:00:00Z process e2.jsonl >/dev/null
assert_eq 0 "$(ls maildir/new | wc -l)" "messages after --dry-run"

# Server up: after process alone, the page is in the Maildir; the ticket is not (yet).
swd-ticket --now 2026-11-22T10:00:00Z process e2.jsonl >e2-tickets.jsonl
assert_eq "T-20261122-0001 True" "$(json_get e2-tickets.jsonl '" ".join("%s %s" % (t["id"], t["paged"]) for t in r)')"
assert_eq 1 "$(ls maildir/new | wc -l)" "messages after process"
$PY - maildir <<'PY' || fail "page"
import email, email.policy, mailbox, sys
[m] = [email.message_from_bytes(x.as_bytes(), policy=email.policy.default) for x in mailbox.Maildir(sys.argv[1], factory=None)]
assert [a.addr_spec for a in m["to"].addresses] == ["page-east@example.com"], m["to"]
assert m["X-RcptTo"] == "page-east@example.com", m["X-RcptTo"]
assert str(m["subject"]) == "[T-20261122-0001] PAGE timeout pos-e2", m["subject"]
assert m.get_content().strip() == "pos-e2 timeout x5 at Building 12/Room 2 since 2026-11-21T02:00:00Z (T-20261122-0001)", m.get_content()
PY
assert_eq "sent 1" "$(sqlite3 "$SWD_STATE" "SELECT status || ' ' || attempts FROM outbox WHERE kind = 'page'")" "page in the outbox"
assert_eq "queued 0" "$(swd-ticket show T-20261122-0001 | json_get /dev/stdin '"%s %d" % (r[0]["status"], r[0]["attempts"])')" \
    "the ticket waits for send"
swd-ticket --now 2026-11-22T10:00:00Z send
assert_eq 2 "$(ls maildir/new | wc -l)" "messages after send: the ticket, the page not again"

# Server down: process succeeds, the page waits; send delivers it at the ladder's next rung.
kill "$SMTP_PID"
wait "$SMTP_PID" 2>/dev/null || true
grep '"device":"pos-e1"' alerts.jsonl >e1.jsonl
swd-ticket --now 2026-11-22T11:00:00Z process e1.jsonl >e1-tickets.jsonl 2>e1.err
assert_eq "T-20261122-0002 True" "$(json_get e1-tickets.jsonl '" ".join("%s %s" % (t["id"], t["paged"]) for t in r)')"
assert_contains e1.err "1 page not delivered yet: swd-ticket send retries it"
assert_eq "pending 1 2026-11-22T11:00:30Z" \
    "$(sqlite3 "$SWD_STATE" "SELECT status || ' ' || attempts || ' ' || next_at FROM outbox WHERE kind = 'page' AND ref = 'T-20261122-0002'")" \
    "page after a failed attempt"
start_smtp "$SMTP_PORT" "$T/maildir"
swd-ticket --now 2026-11-22T11:00:29Z send  # writes the ticket's mail; the page is not due
assert_eq "pending 1" "$(sqlite3 "$SWD_STATE" "SELECT status || ' ' || attempts FROM outbox WHERE kind = 'page' AND ref = 'T-20261122-0002'")"
swd-ticket --now 2026-11-22T11:00:30Z send
assert_eq "sent 2" "$(sqlite3 "$SWD_STATE" "SELECT status || ' ' || attempts FROM outbox WHERE kind = 'page' AND ref = 'T-20261122-0002'")" \
    "page sent by send"
assert_eq 4 "$(ls maildir/new | wc -l)" "messages at the end"
assert_eq 1 "$(grep -l 'PAGE connection pos-e1' maildir/new/* | wc -l)" "pages of pos-e1"
