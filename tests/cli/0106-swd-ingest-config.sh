#!/usr/bin/env bash
# [ingest]: aliases, rules and failure synonyms change the fields; a bad setting is a one-line
# configuration error (exit 3) before anything is read; max_size rejects larger messages.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

cat >msg <<'MSG'
From: agent@relay-b.east.example.com
Subject: Job 77 on till-7 failed: LINK LOST
Message-ID: <cfg-1@relay-b.east.example.com>

Terminal: till-7
Reason: link lost to store switch
MSG

expect_status 0 swd-ingest --no-state msg >plain.jsonl
assert_eq "None None" "$(json_get plain.jsonl 'str(r[0].get("device"))+" "+str(r[0].get("failure"))')"

cat >>"$SWD_CONFIG" <<'TOML'
[ingest]
rules = ['Job (?P<dist>\d+) on', 'failed: (?<detail>.+)$']
[ingest.aliases]
"Terminal" = "device"
"reason" = "Failure-Type"
[ingest.failure_types]
"link lost" = "connection"
TOML
expect_status 0 swd-ingest --no-state msg >cfg.jsonl
assert_eq "till-7 connection link lost to store switch 77 LINK LOST" "$(json_get cfg.jsonl \
    '" ".join(r[0][k] for k in ("device","failure","failure_text","dist","detail"))')"

swd-ingest --print-config >printed.toml
for key in 'aliases' 'rules' 'failure_types' 'max_size = 33554432'; do
    assert_contains printed.toml "$key"
done

# Bad settings: exit 3, one line naming the key, nothing read, nothing written.
bad() {
    printf '%s\n' "$1" >"$T/bad.toml"
    local rc=0
    swd-ingest --config "$T/bad.toml" --no-state msg >bad.out 2>bad.err || rc=$?
    assert_eq 3 "$rc" "exit for: $1"
    assert_eq 1 "$(wc -l <bad.err)" "stderr lines for: $1"
    assert_contains bad.err "$2"
    assert_eq 0 "$(wc -l <bad.out)" "records for: $1"
}
bad "[ingest]
rules = ['(?<device>unclosed']" "ingest.rules"
bad "[ingest]
rules = ['(?<colour>red)']" "group 'colour' names no field"
bad "[ingest.aliases]
\"Terminal\" = \"nosuchfield\"" "unknown field 'nosuchfield'"
bad "[ingest.failure_types]
\"x\" = \"meltdown\"" "failure type 'meltdown'"
bad "[ingest]
max_size = 0" "ingest.max_size"

# max_size: a larger message is a too-large reject; smaller ones go through.
printf '[ingest]\nmax_size = 300\n' >"$SWD_CONFIG"
big=$T/big
{ head -3 msg; printf '\n'; printf 'x%.0s' $(seq 400); printf '\n'; } >"$big"
rc=0
swd-ingest --no-state --rejects rej.jsonl msg "$big" >out.jsonl 2>err.txt || rc=$?
assert_eq 6 "$rc"
assert_eq 1 "$(wc -l <out.jsonl)"
assert_eq "too-large" "$(json_get rej.jsonl 'r[0]["reason"]')"
assert_contains err.txt "larger than ingest.max_size (300)"
