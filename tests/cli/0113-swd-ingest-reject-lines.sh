#!/usr/bin/env bash
# One stderr line per rejected message, at the default verbosity: six rejects of every kind
# (no header block, empty, no sender, too large; a Maildir file whose name holds a newline)
# among three alerts give exactly six lines, "swd-ingest: SOURCE: DETAIL", in input order,
# with or without --rejects (which gets the same six as records); -q gives none, -v adds only
# the summary; with a state file, a re-run reports none of them again.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

printf '[ingest]\nmax_size = 2000\n' >>"$SWD_CONFIG"

good() {  # ID — a small alert
    printf 'From: swd@relay-a.east.example.com\nMessage-ID: <%s@relay-a.east.example.com>\n' "$1"
    printf 'Subject: [SWD] disk failure: %s\n\nFailure-Type: disk\nDevice: %s\n' "$1" "$1"
}
good g1 >g1.eml
good g2 >g2.eml
good g3 >g3.eml
{ good big; head -c 3000 /dev/zero | tr '\0' 'x'; printf '\n'; } >big.eml
{
    printf 'From swd@relay-a  Sat Nov 21 12:00:00 2026\n'; cat g1.eml; printf '\n'
    printf 'From junk@x  Sat Nov 21 12:01:00 2026\n\001\002 binary junk\n\n'
    printf 'From empty@x  Sat Nov 21 12:02:00 2026\n\n'
    printf 'From nosender@x  Sat Nov 21 12:03:00 2026\nSubject: who sent this\n\nDevice: pos-1\n\n'
    printf 'From big@x  Sat Nov 21 12:04:00 2026\n'; cat big.eml; printf '\n'
    printf 'From swd@relay-a  Sat Nov 21 12:05:00 2026\n'; cat g2.eml; printf '\n'
} >bad.mbox
mapfile -t off < <(grep -b '^From ' bad.mbox | cut -d: -f1)
assert_eq 6 "${#off[@]}" "messages in bad.mbox"
big_size=$(stat -c %s big.eml)

mkdir -p md/new md/cur md/tmp
cp g3.eml md/new/1795300000.M1P1Q1.mx1
printf 'binary junk\001\n' >md/new/1795300001.M2P1Q2.mx1
printf '\n\nnothing here\n' >"md/new/1795300002.M3P1Q3.mx1
odd"

# expected DIR — the six lines, for Maildir messages in DIR ("new" as read, "cur/...:2,FS" moved).
expected() {
    local suffix=${2:-}
    printf '%s\n' \
        "swd-ingest: mbox:bad.mbox#${off[1]}: no header block" \
        "swd-ingest: mbox:bad.mbox#${off[2]}: empty message" \
        "swd-ingest: mbox:bad.mbox#${off[3]}: no sender address" \
        "swd-ingest: mbox:bad.mbox#${off[4]}: message of $big_size bytes, larger than ingest.max_size (2000)" \
        "swd-ingest: maildir:md/$1/1795300001.M2P1Q2.mx1$suffix: no header block" \
        "swd-ingest: maildir:md/$1/1795300002.M3P1Q3.mx1\\nodd$suffix: no header block"
}

expect_status 6 swd-ingest --no-state bad.mbox md >out.jsonl 2>err.txt
assert_eq "$(expected new)" "$(cat err.txt)" "stderr"
assert_eq 6 "$(wc -l <err.txt)" "stderr lines"
assert_eq "<g1@relay-a.east.example.com> <g2@relay-a.east.example.com> <g3@relay-a.east.example.com>" \
    "$(json_get out.jsonl '" ".join(x["message_id"] for x in r)')"

# --rejects: the same six lines, and the same six as records (the real newline in the last).
expect_status 6 swd-ingest --no-state --rejects rejects.jsonl bad.mbox md >/dev/null 2>err2.txt
assert_eq "$(expected new)" "$(cat err2.txt)" "stderr with --rejects"
assert_eq "malformed malformed malformed too-large malformed malformed" \
    "$(json_get rejects.jsonl '" ".join(x["reason"] for x in r)')"
assert_eq "$(sed 's/^swd-ingest: //; s/\\n/\n/' <(expected new))" \
    "$(json_get rejects.jsonl '"\n".join(x["source"] + ": " + x["detail"] for x in r)')" "reject records"

# -q: no line; -v: the six and the summary.
expect_status 6 swd-ingest -q --no-state bad.mbox md >/dev/null 2>err3.txt
assert_eq 0 "$(stat -c %s err3.txt)" "stderr bytes with -q"
expect_status 6 swd-ingest -v --no-state bad.mbox md >/dev/null 2>err4.txt
assert_eq "$(expected new)
swd-ingest: 9 messages, 3 alerts, 6 rejects, 0 duplicates" "$(cat err4.txt)" "stderr with -v"

# With the state file: the rejected Maildir messages are flagged into cur/, and a re-run says
# nothing (the mbox rejects are recorded duplicates, the Maildir ones are no longer in new/).
expect_status 6 swd-ingest bad.mbox md >/dev/null 2>err5.txt
assert_eq "$(expected cur :2,FS)" "$(cat err5.txt)" "stderr with a state file"
expect_status 0 swd-ingest bad.mbox md >again.jsonl 2>err6.txt
assert_eq "0 0" "$(wc -l <again.jsonl) $(stat -c %s err6.txt)" "records and stderr bytes of a re-run"
