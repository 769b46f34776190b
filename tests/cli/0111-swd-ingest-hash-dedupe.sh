#!/usr/bin/env bash
# Alerts without a Message-ID are deduplicated by the sha256 of their bytes: ingested twice
# (from an mbox, and from a Maildir with --keep), the second run gives no alert and counts one
# duplicate per message; the state file holds "sha256:" and the hash of exactly the message's
# bytes (an mbox message without its "From " line and the blank line after it), so the same
# message in a Maildir is a duplicate of the mbox one; a message one byte different is not.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

# noid DEVICE — an alert without a Message-ID.
noid() {
    printf 'From: swd-queue <swd@relay-a.east.example.com>\n'
    printf 'Subject: [SWD] disk failure: %s\nDate: Sat, 21 Nov 2026 12:00:00 +0000\n' "$1"
    printf 'Auto-Submitted: auto-generated\n\nFailure-Type: disk full\nDevice: %s\n' "$1"
}
noid pos-0301 >one.eml
noid pos-0302 >two.eml
{
    printf 'From swd@relay-a.east.example.com  Sat Nov 21 12:00:00 2026\n'
    cat one.eml
    printf '\n'
} >one.mbox
sha() { sha256sum <"$1" | cut -d' ' -f1; }
seen() { sqlite3 "$1" 'SELECT key, alert FROM ingest_seen ORDER BY key' | tr '\n' ' ' | sed 's/ $//'; }

# mbox: the first run gives the alert (no message_id), the second one nothing.
export SWD_STATE=$T/mbox.db
expect_status 0 swd-ingest -v one.mbox >m1.jsonl 2>m1.err
assert_eq "A-20261121-000001 pos-0301 disk False" \
    "$(json_get m1.jsonl '" ".join(str(x) for x in (r[0]["id"], r[0]["device"], r[0]["failure"], "message_id" in r[0]))')"
assert_eq 1 "$(wc -l <m1.jsonl)" "alerts of the first run"
assert_eq "swd-ingest: 1 messages, 1 alerts, 0 rejects, 0 duplicates" "$(cat m1.err)"
assert_eq "sha256:$(sha one.eml)|A-20261121-000001" "$(seen "$SWD_STATE")" "ingest_seen"
expect_status 0 swd-ingest -v one.mbox >m2.jsonl 2>m2.err
assert_eq 0 "$(wc -l <m2.jsonl)" "alerts of the second run"
assert_eq "swd-ingest: 1 messages, 0 alerts, 0 rejects, 1 duplicates" "$(cat m2.err)"

# The same bytes as a Maildir message are the same message.
mkdir -p md/new md/cur md/tmp
cp one.eml md/new/1795300000.M1P1Q1.mx1.example.com
expect_status 0 swd-ingest -v --keep md >m3.jsonl 2>m3.err
assert_eq "0|swd-ingest: 1 messages, 0 alerts, 0 rejects, 1 duplicates" "$(wc -l <m3.jsonl)|$(cat m3.err)"

# Maildir with --keep, on its own state file: two messages without Message-ID, twice.
export SWD_STATE=$T/maildir.db
cp two.eml md/new/1795300001.M2P1Q2.mx1.example.com
listing() { (cd md && find . -type f | sort | tr '\n' ' '); }
before=$(listing)
expect_status 0 swd-ingest -v --keep md >d1.jsonl 2>d1.err
assert_eq "pos-0301 A-20261121-000001 pos-0302 A-20261121-000002" \
    "$(json_get d1.jsonl '" ".join(x["device"] + " " + x["id"] for x in r)')"
assert_eq "swd-ingest: 2 messages, 2 alerts, 0 rejects, 0 duplicates" "$(cat d1.err)"
expect_status 0 swd-ingest -v --keep md >d2.jsonl 2>d2.err
assert_eq 0 "$(wc -l <d2.jsonl)" "alerts of the second --keep run"
assert_eq "swd-ingest: 2 messages, 0 alerts, 0 rejects, 2 duplicates" "$(cat d2.err)"
assert_eq "$before" "$(listing)" "the Maildir after two --keep runs"
want=$(printf '%s\n' "sha256:$(sha one.eml)|A-20261121-000001" "sha256:$(sha two.eml)|A-20261121-000002" |
    sort | tr '\n' ' ' | sed 's/ $//')
assert_eq "$want" "$(seen "$SWD_STATE")" "ingest_seen after the Maildir runs"

# One byte more is another message: a third run reads it as new.
printf 'Detail: one more line\n' >>md/new/1795300001.M2P1Q2.mx1.example.com
expect_status 0 swd-ingest -v --keep md >d3.jsonl 2>d3.err
assert_eq "pos-0302 A-20261121-000003 one more line" \
    "$(json_get d3.jsonl '" ".join(x[k] for x in r for k in ("device", "id", "detail"))')"
assert_eq "swd-ingest: 2 messages, 1 alerts, 0 rejects, 1 duplicates" "$(cat d3.err)"
