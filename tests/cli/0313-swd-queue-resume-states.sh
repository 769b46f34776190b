#!/usr/bin/env bash
# The two states a killed run can leave a request in, made exactly (cli/0302 reaches them only
# by chance): active in the middle of its list (the next run resumes at the package in flight),
# and active after its last package's success but before the list's (nothing is run again;
# the list completes). Each says so in its SWD_Resumed event.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

queue_config
swd-queue packages add "$SRC/examples/packages/pkg-a-1.2" "$SRC/examples/packages/pkg-b-3.4" >/dev/null
mkdir -p ep/pos-1 ep/pos-2
swd-queue targets add pos-1 pos-2 --transport "local:$T/ep/{target}" >/dev/null
swd-queue submit --dist D-RESUME --package pkg-a-1.2 --package pkg-b-3.4 \
    --target pos-1 --target pos-2 >submitted.jsonl
r1=$(json_get submitted.jsonl 'r[0]["id"]')
r2=$(json_get submitted.jsonl 'r[1]["id"]')
# As a kill -9 leaves them: pos-1 was installing pkg-b (its second package); pos-2 had both
# packages' successes recorded but not its list's.
sqlite3 "$SWD_STATE" "UPDATE queue_requests SET queue = 'active', pos = 1 WHERE id = '$r1';
                      UPDATE queue_requests SET queue = 'active', pos = 2 WHERE id = '$r2';"

swd-queue run --once >events.jsonl
swd-queue list >final.jsonl
assert_eq "done done" "$(json_get final.jsonl '" ".join(x["queue"] for x in r)')" "both done"
resumed() {  # REQUEST FIELD — of its SWD_Resumed event
    json_get events.jsonl "[e.get('$2', '-') for e in r if e.get('class') == 'SWD_Resumed' and e.get('request') == '$1']"
}
assert_eq "['pkg-b-3.4']" "$(resumed "$r1" package)" "pos-1 resumes at pkg-b"
assert_eq "['a previous run stopped while this request was active; it resumes at pkg-b-3.4']" \
    "$(resumed "$r1" message)" "pos-1's message"
assert_eq "['-']" "$(resumed "$r2" package)" "pos-2 names no package"
assert_eq "['a previous run stopped while this request was active; its packages are installed; its list completes']" \
    "$(resumed "$r2" message)" "pos-2's message"
runs() {  # REQUEST — the packages it ran in this run, and its list successes
    json_get events.jsonl "[e.get('package', 'list') for e in r if e.get('request') == '$1' and e.get('class') in ('SWD_Success', 'SWD_List_Success')]"
}
assert_eq "['pkg-b-3.4', 'list']" "$(runs "$r1")" "pos-1: pkg-b, then its list"
assert_eq "['list']" "$(runs "$r2")" "pos-2: no package again, its list"
[[ -e ep/pos-2/opt ]] && fail "pos-2 got a package installed again"
echo "ok"
