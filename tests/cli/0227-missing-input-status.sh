#!/usr/bin/env bash
# A named input that cannot be read is a failed item in every tool (issue 14, item 17): the tool
# says so in one line that names the file once, and exits 6, whether the input is a stream of
# records, a CSV to import or a package to add; a file that is no package says so, not a tar
# error.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"
queue_config
printf '%s\n' example.com >domains
printf '%s\n' relay-a >nodes

# missing WORDS... — runs swd with /nonexistent/in.x as its input: exit 6, one line naming it.
missing() {
    expect_status 6 "$@" 2>err.txt
    assert_eq 1 "$(wc -l <err.txt)" "'$*': $(cat err.txt)"
    assert_eq 1 "$(grep -o '/nonexistent/in\.[a-z]*' err.txt | wc -l)" "'$*' names the file once: $(cat err.txt)"
}
missing swd-ingest --no-state /nonexistent/in.mbox
missing swd-validate --domains domains --nodes nodes /nonexistent/in.jsonl
missing swd-ticket process /nonexistent/in.jsonl
missing swd-ticket devices import /nonexistent/in.csv
missing swd-ticket outages import /nonexistent/in.csv
missing swd-ticket resolve /nonexistent/in.jsonl
missing swd-queue packages add /nonexistent/in.tar
missing swd-redist --yes --log-dir "$T" /nonexistent/in.jsonl

# A file that is no package: said so, with its name once.
printf '{"type":"alert"}\n' >records.jsonl
expect_status 6 swd-queue packages add records.jsonl 2>nopkg.err
assert_eq "swd-queue: packages add: records.jsonl: not a package directory or tarball" "$(cat nopkg.err)"
