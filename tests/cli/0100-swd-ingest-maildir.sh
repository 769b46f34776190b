#!/usr/bin/env bash
# The sample Maildir: every message gives the expected record, rejects are flagged, messages move
# to cur/ only as they are recorded, tmp/ and seen mail are never touched, and a re-run finds
# nothing new.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

cp -r "$SRC/examples/mail/maildir" md
tmp_before=$(ls -A md/tmp | sort)
seen_before=$(cat md/cur/1795254000.M100011P4242Q11.mx1.example.com:2,S)

expect_status 6 swd-ingest -v --rejects rejects.jsonl md >out.jsonl 2>err.txt
assert_contains err.txt "9 messages, 8 alerts, 1 rejects, 0 duplicates"
assert_contains err.txt "swd-ingest: maildir:md/cur/1795258800.M100009P4242Q9.mx1.example.com:2,FS: no header block"
assert_eq 8 "$(json_get out.jsonl 'len(r)')" "alerts"

# Every record: the fields DESIGN section 4 names, per message (keyed by Message-ID).
$PY - out.jsonl <<'PYEOF' || fail "records differ"
import json, re, sys
recs = {r["message_id"]: r for r in map(json.loads, open(sys.argv[1]))}
def check(mid, **want):
    r = recs[mid]
    for k, v in want.items():
        assert r.get(k) == v, (mid, k, r.get(k), v)
    assert r["type"] == "alert" and r["v"] == 1
    assert re.fullmatch(r"A-2026112[01]-\d{6}", r["id"]), r["id"]
check("<20261121101503.4f2a9c@relay-a.east.example.com>", date="2026-11-21T10:15:03Z",
      **{"from": "swd@relay-a.east.example.com"}, node="relay-a", domain="east.example.com",
      subject="[SWD] connection failure: pos-0042 (pkg-a-1.2) dist D-20261121-0042",
      auto_submitted="auto-generated", failure="connection", device="pos-0042", server="relay-a",
      dist="D-20261121-0042", package="pkg-a-1.2", location="Building 12/Room 3", region="east",
      time="2026-11-21T10:15:03Z", detail="connect to 10.1.2.3 port 22 timed out after 10 s",
      source="maildir:md/cur/1795256103.M100001P4242Q1.mx1.example.com:2,S")
check("<20261121102041.77b1@relay-c.west.example.com>", failure="disk", failure_text="disk full",
      device="ws-0107", location="Gebäude 7/Raum 2", date="2026-11-21T10:20:41Z",
      detail="no space left on device while unpacking pkg-b-3.4 into /opt/swd/pkg-b (needed 512 MB, free 12 MB)")
check("<20261121103109.0043@relay-b.east.example.com>", failure="install", device="pos-0043",
      subject="[SWD] install failure: pos-0043 (pkg-a-1.2) dist D-20261121-0043",
      detail="post-install script exited with status 3")
check("<a1b2c3@ops.east.example.com>", node="ops", domain="east.example.com",
      subject="Re: [SWD] connection failure: pos-0042 (pkg-a-1.2) dist D-20261121-0042",
      failure=None, device=None)
check("<fwd-7781@helpdesk.west.example.com>", forwarded=True, failure="package",
      failure_text="checksum mismatch", device="pos-0044", server="relay-d",
      subject="Fwd: [SWD] package failure: pos-0044 (pkg-c-2.0) dist D-20261121-0044")
check("<ooo-2231@maint.west.example.com>", auto_submitted="auto-replied", device=None)
check("<20261121105000.9001@relay-x.partner.example.net>", node="relay-x",
      domain="partner.example.net", device="pos-9001")
check("<20261121105500.0045@relay-d.west.example.com>", failure="timeout", device="pos-0045",
      location="Store 21 & Café/Till 2", detail="no answer from agent within 300 s <retry 3>")
assert len({r["id"] for r in recs.values()}) == 8
PYEOF

# The reject record.
assert_eq 1 "$(json_get rejects.jsonl 'len(r)')" "reject records"
assert_eq "ingest malformed no header block" \
    "$(json_get rejects.jsonl '" ".join((r[0]["stage"], r[0]["reason"], r[0]["detail"]))')"
assert_eq "maildir:md/cur/1795258800.M100009P4242Q9.mx1.example.com:2,FS" \
    "$(json_get rejects.jsonl 'r[0]["source"]')"

# The Maildir afterwards: new/ empty, alerts seen, the reject flagged, the rest untouched.
assert_eq "" "$(ls -A md/new)" "new/ after the run"
for q in 1 2 3 4 5 6 7 8; do
    ls md/cur/*P4242Q$q.mx1.example.com:2,S >/dev/null || fail "Q$q not moved to cur/ as seen"
done
[[ -f md/cur/1795258800.M100009P4242Q9.mx1.example.com:2,FS ]] || fail "reject not flagged"
[[ -f "md/cur/1795255000.M100010P4242Q10.mx1.example.com:2," ]] || fail "unseen cur/ mail was read without --all"
assert_eq "$tmp_before" "$(ls -A md/tmp | sort)" "tmp/"
assert_eq "$seen_before" "$(cat md/cur/1795254000.M100011P4242Q11.mx1.example.com:2,S)" "seen mail"
cmp md/cur/1795256103.M100001P4242Q1.mx1.example.com:2,S \
    "$SRC/examples/mail/maildir/new/1795256103.M100001P4242Q1.mx1.example.com" ||
    fail "a moved message changed"

# The state file holds every message.
assert_eq 9 "$(sqlite3 "$SWD_STATE" 'SELECT count(*) FROM ingest_seen')" "state rows"
assert_eq 1 "$(sqlite3 "$SWD_STATE" 'SELECT count(*) FROM ingest_seen WHERE alert IS NULL')" "reject rows"

# A re-run: nothing new, nothing rejected again.
expect_status 0 swd-ingest -v md >again.jsonl 2>err2.txt
assert_eq 0 "$(wc -l <again.jsonl)" "records on a re-run"
assert_contains err2.txt "0 messages, 0 alerts, 0 rejects, 0 duplicates"

# --all: the unseen message in cur/ now, moved in place to :2,S; seen mail still untouched.
expect_status 0 swd-ingest -v --all md >all.jsonl 2>err3.txt
assert_contains err3.txt "1 messages, 1 alerts, 0 rejects, 0 duplicates"
assert_eq "access Permission denied (publickey) pos-0046" \
    "$(json_get all.jsonl '" ".join((r[0]["failure"], r[0]["failure_text"], r[0]["device"]))')"
[[ -f md/cur/1795255000.M100010P4242Q10.mx1.example.com:2,S ]] || fail "--all did not mark Q10 seen"
[[ ! -e "md/cur/1795255000.M100010P4242Q10.mx1.example.com:2," ]] || fail "Q10 left behind"
assert_eq "$seen_before" "$(cat md/cur/1795254000.M100011P4242Q11.mx1.example.com:2,S)" "seen mail"

# A message delivered again into new/ (same Message-ID) is a counted duplicate, moved as seen.
cp "$SRC/examples/mail/maildir/new/1795256103.M100001P4242Q1.mx1.example.com" md/new/redelivered
expect_status 0 swd-ingest -v md >dup.jsonl 2>err4.txt
assert_contains err4.txt "1 messages, 0 alerts, 0 rejects, 1 duplicates"
[[ -f md/cur/redelivered:2,S ]] || fail "duplicate not moved"

# Every record printed above is described in swd-records(5).
check_documented out.jsonl all.jsonl
