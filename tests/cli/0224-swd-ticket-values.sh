#!/usr/bin/env bash
# Values get a message people can act on (issue 14, item 7): a limit out of range names the
# range, --from and --until take a duration from now as well as a date, and a TOML string
# without its closing quote is named as such, with the file and line.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

expect_status 2 swd-ticket thresholds set timeout 0 2>range.err
assert_eq "swd-ticket: limit: Value 0 not in range 1 to 1000000. See 'swd-ticket thresholds set --help'." \
    "$(cat range.err)"

printf 'name,address,domain,region,building,room,paging\npos-1,10.0.0.1,east.example.com,east,B1,R1,0\n' >devices.csv
swd-ticket devices import devices.csv 2>/dev/null
swd-ticket --now 2026-11-21T10:00:00Z outages add pos-1 --until 2h --reason "disk swap" >o1.jsonl
assert_eq "2026-11-21T10:00:00Z 2026-11-21T12:00:00Z" "$(json_get o1.jsonl 'r[0]["from"] + " " + r[0]["until"]')"
swd-ticket --now 2026-11-21T10:00:00Z outages add pos-1 --from 1d --until 2026-11-23T00:00:00Z >o2.jsonl
assert_eq "2026-11-22T10:00:00Z 2026-11-23T00:00:00Z" "$(json_get o2.jsonl 'r[0]["from"] + " " + r[0]["until"]')"
expect_status 2 swd-ticket outages add pos-1 --until soon 2>until.err
assert_eq "swd-ticket: --until: 'soon' is neither a date (2026-11-21T10:15:03Z) nor a duration from now (2h, 3d)" \
    "$(cat until.err)"

printf '[ticket]\nfrom = "swd@example.com\nwindow = "1h"\n' >bad.toml
expect_status 3 swd-ticket --config bad.toml list 2>toml.err
assert_eq "swd-ticket: config bad.toml:2:24: unterminated string: the closing quote is missing on this line" \
    "$(cat toml.err)"
