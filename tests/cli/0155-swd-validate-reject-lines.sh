#!/usr/bin/env bash
# Without a rejects file, one stderr line per reject and nothing else at the default verbosity,
# exactly as swd-validate(1) writes them ("swd-validate: FILE:LINE: REASON: DETAIL"), even when
# the input file's name or the rejected values hold newlines and escape sequences; with
# --rejects, none.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

printf 'example.com\n' >domains
printf 'relay-a\n' >nodes
name=$'odd\nname.jsonl'
cat >"$name" <<'EOF'
{"type":"alert","v":1,"id":"A-17","device":"pos-0017","from":"swd@relay-a.east.example.com","subject":"[SWD] disk failure: pos-1"}
{"type":"alert","v":1,"id":"A-18","device":"pos-0018","from":"swd@relay-a.evil\nexample.net","subject":"[SWD] disk failure: pos-2"}
{"type":"alert","v":1,"id":"A-19","device":"pos-0019","from":"swd@relay-a.east.example.com","subject":"RE: [SWD] disk\n\u001b[2J"}
{"type":"alert","v":1,"id":"A-20","device":"pos-0020","from":"swd@relay-b\u001b.east.example.com","subject":"[SWD] disk failure: pos-3"}
not json
{"type":"ticket","v":1}
{"type":"alert","v":1,"id":"A-21","device":"pos-0021","from":"swd@relay-a.east.example.com","subject":"[SWD] disk failure: pos-4"}
EOF

expect_status 0 swd-validate --domains domains --nodes nodes "$name" >out.jsonl 2>err.txt
assert_eq "pos-1 pos-4" "$(json_get out.jsonl '" ".join(x["subject"].split()[-1] for x in r)')"
assert_eq "swd-validate: odd\\nname.jsonl:2: domain: domain 'evil\\nexample.net' is not in the domain list
swd-validate: odd\\nname.jsonl:3: subject: subject starts with 'RE:'
swd-validate: odd\\nname.jsonl:4: node: node 'relay-b\\x1b' is not in the node list
swd-validate: odd\\nname.jsonl:5: malformed: Problem while parsing an atom starting with the letter 'n'
swd-validate: odd\\nname.jsonl:6: malformed: not an alert record (type 'ticket')" "$(cat err.txt)" "stderr"
assert_eq 5 "$(wc -l <err.txt)" "stderr lines for five rejects"

expect_status 0 swd-validate --domains domains --nodes nodes --rejects r.jsonl "$name" >/dev/null 2>err2.txt
assert_eq 0 "$(stat -c %s err2.txt)" "stderr bytes with --rejects"
assert_eq "domain subject node malformed malformed" "$(json_get r.jsonl '" ".join(x["reason"] for x in r)')"
assert_eq "$name:5" "$(json_get r.jsonl 'r[3]["source"]')" "the file name as it is in the record"
