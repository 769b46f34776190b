#!/usr/bin/env bash
# Hostile paths and sources: names with blanks, newlines, quotes and shell syntax are data (JSON
# escaped, never run); a missing source or a plain directory is one stderr line, exit 6, and the
# other sources are still read; an unwritable --rejects file is a configuration error.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

q1=$SRC/examples/mail/maildir/new/1795256103.M100001P4242Q1.mx1.example.com
evil='md $(touch pwned) `touch pwned2`; "quoted"'
mkdir -p "$evil"/{new,cur,tmp}
cp "$q1" "$evil/new/1.M1.host"$'\n'"line2;\$(touch pwned3)"
expect_status 0 swd-ingest "$evil" >out.jsonl
[[ ! -e pwned && ! -e pwned2 && ! -e pwned3 ]] || fail "a path was run by a shell"
src=$(json_get out.jsonl 'r[0]["source"]')
assert_eq "maildir:$evil/cur/1.M1.host"$'\n'"line2;\$(touch pwned3):2,S" "$src" "source"
[[ -f "$evil/cur/1.M1.host"$'\n'"line2;\$(touch pwned3):2,S" ]] || fail "hostile name not moved"

# A message whose header values carry shell syntax and control characters: data only.
printf 'From: "$(touch pwned4)" <x@relay-a.east.example.com>\nSubject: `touch pwned5` \033[31mred\nMessage-ID: <`id`;$HOME@x>\n\nDevice: ;rm -rf /;\n' >nasty
expect_status 0 swd-ingest --no-state nasty >nasty.jsonl
[[ ! -e pwned4 && ! -e pwned5 ]] || fail "header data was run"
assert_eq ";rm -rf /;" "$(json_get nasty.jsonl 'r[0]["device"]')"
assert_eq "<\`id\`;\$HOME@x>" "$(json_get nasty.jsonl 'r[0]["message_id"]')"
grep -q $'\033' nasty.jsonl && fail "a raw escape character reached the output"

# Bad sources among good ones.
mkdir plain
rc=0
swd-ingest --no-state missing.mbox plain "$q1" >mixed.jsonl 2>mixed.err || rc=$?
assert_eq 6 "$rc" "exit with bad sources"
assert_eq 1 "$(wc -l <mixed.jsonl)" "the good source still read"
assert_contains mixed.err "swd-ingest: missing.mbox: No such file or directory"
assert_contains mixed.err "swd-ingest: plain: a directory, but not a Maildir (no cur/ and new/)"
assert_eq 2 "$(wc -l <mixed.err)" "one line per bad source"

# --rejects that cannot be written: exit 3 before anything is read.
rc=0
swd-ingest --no-state --rejects /nonexistent/dir/rej.jsonl "$q1" >r.jsonl 2>r.err || rc=$?
assert_eq 3 "$rc"
assert_contains r.err "--rejects /nonexistent/dir/rej.jsonl"
assert_eq 0 "$(wc -l <r.jsonl)"

# Usage errors: exit 2.
expect_status 2 swd-ingest --no-such-option
expect_status 2 swd-ingest --format yaml "$q1"
