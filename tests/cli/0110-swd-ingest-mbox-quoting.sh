#!/usr/bin/env bash
# ">From " quoting in an mbox, as swd-ingest(1) documents it: a body line that starts with
# ">From ", ">>From ", ... loses exactly one ">", whatever the file's flavour. That restores an
# mboxrd file exactly, and an mboxo file's quoted "From " lines too; in mboxo, a body line that
# itself started with ">From " cannot be told from a quoted one and loses its ">" as well.
# Lines that only look similar (">From-less", ">>Fromage") are left alone, quoted lines never
# split a message, and offsets count the bytes of the file as it is (quotes included).
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

# Rules that copy whole body lines into fields, so the unquoted lines show in the records.
cat >>"$SWD_CONFIG" <<'EOF'
[ingest]
rules = ['^(?<location>>*From the relay.*)$', '^(?<region>>*From the quoted.*)$',
         '^(?<package>>*From deeper.*)$', '^(?<server>>*From-less.*)$',
         '^(?<dist>>*Fromage.*)$']
EOF

# message ID BODY... — one message (headers and body lines) on stdout.
message() {
    local id=$1
    shift
    printf 'From: swd@relay-a.east.example.com\nSubject: [SWD] connection failure: %s\n' "$id"
    printf 'Date: Sat, 21 Nov 2026 12:00:00 +0000\nMessage-ID: <%s@relay-a.east.example.com>\n' "$id"
    printf '\nFailure-Type: connection\nDevice: %s\n\n' "$id"
    printf '%s\n' "$@"
}
envelope() { printf 'From swd@relay-a.east.example.com  Sat Nov 21 12:0%s:00 2026\n' "$1"; }

# The original body lines, and how each flavour writes them.
#   original                           mboxrd                              mboxo
#   From the relay log: refused        >From the relay log: refused        >From the relay log: refused
#   >From the quoted report: 3         >>From the quoted report: 3         >From the quoted report: 3
#   >>From deeper quoting: refused     >>>From deeper quoting: refused     >>From deeper quoting: refused
#   >From-less line stays              >From-less line stays               >From-less line stays
#   >>Fromage is no From line          >>Fromage is no From line           >>Fromage is no From line
{
    envelope 0
    message rd-1 '>From the relay log: refused' '>>From the quoted report: 3' \
        '>>>From deeper quoting: refused' '>From-less line stays' '>>Fromage is no From line'
    printf '\n'
    envelope 1
    message rd-2 '' '>From the relay log: after a blank line, no split'
    printf '\n'
} >rd.mbox
{
    envelope 0
    message o-1 '>From the relay log: refused' '>From the quoted report: 3' \
        '>>From deeper quoting: refused' '>From-less line stays' '>>Fromage is no From line'
    printf '\n'
    envelope 1
    message o-2 '' '>From the relay log: after a blank line, no split'
    printf '\n'
} >o.mbox

fields() {  # FILE — per record: message id, then the five copied lines, "|"-separated
    json_get "$1" '"\n".join("|".join(str(x.get(k)) for k in
        ("message_id", "location", "region", "package", "server", "dist")) for x in r)'
}

expect_status 0 swd-ingest --no-state rd.mbox >rd.jsonl
assert_eq "<rd-1@relay-a.east.example.com>|From the relay log: refused|>From the quoted report: 3|>>From deeper quoting: refused|>From-less line stays|>>Fromage is no From line
<rd-2@relay-a.east.example.com>|From the relay log: after a blank line, no split|None|None|None|None" \
    "$(fields rd.jsonl)" "mboxrd: the original lines"

expect_status 0 swd-ingest --no-state o.mbox >o.jsonl
assert_eq "<o-1@relay-a.east.example.com>|From the relay log: refused|From the quoted report: 3|>From deeper quoting: refused|>From-less line stays|>>Fromage is no From line
<o-2@relay-a.east.example.com>|From the relay log: after a blank line, no split|None|None|None|None" \
    "$(fields o.jsonl)" "mboxo: quoted From lines restored, >From lines lose one >"

# Offsets are those of the "From " lines in the file, quotes counted.
for box in rd o; do
    want=$($PY -c 'import sys; d=open(sys.argv[1],"rb").read(); print(0, d.index(b"\nFrom swd", 1) + 1)' "$box.mbox")
    assert_eq "$want" "$(json_get "$box.jsonl" '" ".join(x["source"].split("#")[1] for x in r)')" "$box offsets"
    assert_eq "mbox:$box.mbox" "$(json_get "$box.jsonl" 'r[1]["source"].split("#")[0]')"
done

# The same mboxrd on standard input, and with the state file: the same lines.
expect_status 0 swd-ingest --no-state <rd.mbox >stdin.jsonl
assert_eq "$(fields rd.jsonl)" "$(fields stdin.jsonl)" "mboxrd on stdin"
expect_status 0 swd-ingest rd.mbox >state.jsonl
assert_eq "$(fields rd.jsonl)" "$(fields state.jsonl)" "mboxrd with a state file"
