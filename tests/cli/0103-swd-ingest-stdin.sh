#!/usr/bin/env bash
# Standard input: an mbox when it starts with "From ", else one message; "-" among other
# sources; no source and a pipe means stdin.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

mbox=$SRC/examples/mail/alerts.mbox
q1=$SRC/examples/mail/maildir/new/1795256103.M100001P4242Q1.mx1.example.com

# The sample mbox holds one broken message: it is rejected, so the exit status is 6.
expect_status 6 swd-ingest --no-state <"$mbox" >a.jsonl 2>/dev/null
assert_eq 11 "$(wc -l <a.jsonl)" "alerts from an mbox on stdin"
assert_eq "mbox:stdin#0" "$(json_get a.jsonl 'r[0]["source"]')"
cat "$mbox" | expect_status 6 swd-ingest --no-state - >b.jsonl 2>/dev/null
cmp a.jsonl b.jsonl || fail "'-' and a pipe differ"

expect_status 0 swd-ingest --no-state <"$q1" >c.jsonl
assert_eq "file:stdin pos-0042 <20261121101503.4f2a9c@relay-a.east.example.com>" \
    "$(json_get c.jsonl 'r[0]["source"]+" "+r[0]["device"]+" "+r[0]["message_id"]')"

# stdin between two files, in order; a file that is one message gives file:PATH.
expect_status 0 swd-ingest --no-state "$q1" - "$q1" <"$q1" >d.jsonl
assert_eq "file:$q1 file:stdin file:$q1" "$(json_get d.jsonl '" ".join(x["source"] for x in r)')"

# With state: stdin dedupes like any source.
expect_status 0 swd-ingest <"$q1" >e1.jsonl
expect_status 0 swd-ingest <"$q1" >e2.jsonl
assert_eq "1 0" "$(wc -l <e1.jsonl) $(wc -l <e2.jsonl)" "stdin twice"

# An empty stdin is an empty mbox: nothing, exit 0.
expect_status 0 swd-ingest --no-state </dev/null >f.jsonl
assert_eq 0 "$(wc -l <f.jsonl)"
