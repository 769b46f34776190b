#!/usr/bin/env bash
# --keep leaves a Maildir untouched but still dedupes; --no-state is a pure filter (no state
# file, nothing moved, the same ids every time); --dry-run records and moves nothing.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

cp -r "$SRC/examples/mail/maildir" md
listing() { (cd md && find . -type f | sort && cat new/* cur/* | sha256sum); }
before=$(listing)

# --keep: records and state, but the Maildir stays as it is.
expect_status 6 swd-ingest --keep md >keep.jsonl 2>/dev/null
assert_eq 8 "$(wc -l <keep.jsonl)" "alerts with --keep"
assert_eq "$before" "$(listing)" "Maildir after --keep"
assert_contains keep.jsonl '"source":"maildir:md/new/1795256103.M100001P4242Q1.mx1.example.com"'
expect_status 0 swd-ingest -v --keep md >keep2.jsonl 2>err.txt
assert_eq 0 "$(wc -l <keep2.jsonl)" "second --keep run"
assert_contains err.txt "9 messages, 0 alerts, 0 rejects, 9 duplicates"
rm -f "$SWD_STATE"*

# --no-state: no state file, nothing moved, the same records twice, stable ids.
expect_status 6 swd-ingest --no-state md "$SRC/examples/mail/alerts.mbox" >ns1.jsonl 2>/dev/null
expect_status 6 swd-ingest --no-state md "$SRC/examples/mail/alerts.mbox" >ns2.jsonl 2>/dev/null
[[ ! -e $SWD_STATE ]] || fail "--no-state created the state file"
assert_eq "$before" "$(listing)" "Maildir after --no-state"
cmp ns1.jsonl ns2.jsonl || fail "--no-state is not deterministic"
assert_eq 19 "$(wc -l <ns1.jsonl)" "--no-state records (8 + 11: no dedupe)"
assert_eq "A-20261121-" "$(json_get ns1.jsonl 'r[0]["id"][:11]')"
assert_eq 23 "$(json_get ns1.jsonl 'len(r[0]["id"])')" "id length"
# The re-sent alert in the mbox has the same Message-ID, so the same id.
assert_eq 2 "$(json_get ns1.jsonl 'sum(1 for x in r if x["message_id"]=="<20261121110000.0050@relay-a.east.example.com>")')"
assert_eq 18 "$(json_get ns1.jsonl 'len({x["id"] for x in r})')" "distinct ids"

# --dry-run: records come out, duplicates of the state are skipped, nothing recorded or moved.
expect_status 6 swd-ingest --dry-run md >dry.jsonl 2>/dev/null
[[ ! -e $SWD_STATE ]] || fail "--dry-run created the state file"
assert_eq 8 "$(wc -l <dry.jsonl)" "dry-run records"
assert_eq "$before" "$(listing)" "Maildir after --dry-run"
expect_status 6 swd-ingest --keep "$SRC/examples/mail/alerts.mbox" >/dev/null 2>&1
rows=$(sqlite3 "$SWD_STATE" 'SELECT count(*) FROM ingest_seen')
expect_status 6 swd-ingest -v --dry-run "$SRC/examples/mail/alerts.mbox" md >dry2.jsonl 2>err.txt
assert_contains err.txt "21 messages, 8 alerts, 1 rejects, 12 duplicates"
assert_eq "$rows" "$(sqlite3 "$SWD_STATE" 'SELECT count(*) FROM ingest_seen')" "state rows after --dry-run"
assert_eq "$before" "$(listing)" "Maildir after --dry-run"
