#!/usr/bin/env bash
# Threshold overrides: a device override beats a region override, which beats the failure
# type's rule and default; a rule may have its own window; "*" covers every failure type.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"
. "$SRC/tests/cli/ticket/setup.sh"
alert() {  # ID DEVICE FAILURE TIME
    printf '{"type":"alert","v":1,"id":"%s","device":"%s","failure":"%s","time":"2026-11-22T%s:00Z"}\n' "$@"
}
devices() { json_get "$1" 'sorted(t["device"] + "/" + t["failure"] + "/" + str(t["count"]) + "/" + str(t["threshold"]) for t in r)'; }

swd-ticket thresholds set connection 3 --device pos-e1 --window 1h
swd-ticket thresholds set '*' 1 --device pos-e4
swd-ticket thresholds set access 5
swd-ticket thresholds list >rules.jsonl
assert_eq "device:pos-e1:connection:3:1h device:pos-e2:timeout:1:1d device:pos-e4:*:1:1d region:west:connection:2:1d failure::access:5:1d" \
    "$(json_get rules.jsonl '" ".join(":".join([t["scope"], t.get("name", ""), t["failure"], str(t["limit"]), t["window"]]) for t in r if t["scope"] != "config")')"
assert_contains rules.jsonl '{"type":"threshold","v":1,"scope":"config","failure":"connection","limit":4,"window":"1d"}'
assert_contains rules.jsonl '{"type":"threshold","v":1,"scope":"config","failure":"*","limit":3,"window":"1d"}'

{
    # pos-e1: 3 within 1 h is its limit; at 00:00, 00:30, 01:10 only two are within an hour.
    alert A-01 pos-e1 connection 00:00
    alert A-02 pos-e1 connection 00:30
    alert A-03 pos-e1 connection 01:10
    # pos-e2 (east, no override for connection): the type's default, 4.
    alert A-04 pos-e2 connection 00:00
    alert A-05 pos-e2 connection 00:01
    alert A-06 pos-e2 connection 00:02
    # pos-w1 (west): the region's 2.
    alert A-07 pos-w1 connection 00:00
    alert A-08 pos-w1 connection 00:01
    # pos-w2 (west), access: the failure rule's 5, not the config's 2.
    alert A-09 pos-w2 access 00:00
    alert A-10 pos-w2 access 00:01
    # pos-e4: any type at the first alert.
    alert A-11 pos-e4 other 00:00
    alert A-12 pos-e4 timeout 00:00
} >first.jsonl
swd-ticket --now 2026-11-22T02:00:00Z process first.jsonl >t1.jsonl
assert_eq "['pos-e4/other/1/1', 'pos-e4/timeout/1/1', 'pos-w1/connection/2/2']" "$(devices t1.jsonl)"

{
    alert A-13 pos-e1 connection 01:31  # 00:30 is over an hour ago: {01:10, 01:31}
    alert A-14 pos-e1 connection 01:40  # {01:10, 01:31, 01:40}: 3 in the hour
    alert A-15 pos-e2 connection 00:03  # the fourth
    alert A-16 pos-w2 access 00:02
    alert A-17 pos-w2 access 00:03
    alert A-18 pos-w2 access 00:04       # the fifth
} >second.jsonl
swd-ticket --now 2026-11-22T02:00:00Z process second.jsonl >t2.jsonl
assert_eq "['pos-e1/connection/3/3', 'pos-e2/connection/4/4', 'pos-w2/access/5/5']" "$(devices t2.jsonl)"
assert_eq "['A-03', 'A-13', 'A-14']" "$(json_get t2.jsonl '[t["alerts"] for t in r if t["device"] == "pos-e1"][0]')"
assert_eq "1h" "$(json_get t2.jsonl '[t["window"] for t in r if t["device"] == "pos-e1"][0]')"

# Bad rules are usage errors.
expect_status 2 swd-ticket thresholds set disk 0 2>/dev/null
expect_status 2 swd-ticket thresholds set disk 2 --device a --region b 2>both.err
assert_contains both.err "give --device or --region, not both"
expect_status 2 swd-ticket thresholds set '*' 2 2>star.err
assert_contains star.err "'*' needs --device or --region"
expect_status 2 swd-ticket thresholds set disk 2 --window soon 2>window.err
assert_contains window.err "--window: 'soon' is not a duration"
