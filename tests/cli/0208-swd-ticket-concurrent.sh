#!/usr/bin/env bash
# Two swd-ticket processes fed different halves of one alert stream at the same time (small
# batches, so their transactions interleave and alerts arrive out of order) make the same
# tickets as one process fed all of it: same devices, failures, counts, times, alerts,
# locations and centers (only the ticket numbers may differ).
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"
. "$SRC/tests/cli/ticket/setup.sh"
sed -i 's/^\[ticket\]$/[ticket]\nbatch = 7/' "$SWD_CONFIG"
cp "$SWD_STATE" empty.db

swd-ticket --now 2026-11-22T00:00:00Z process alerts.jsonl >one.jsonl

for run in 1 2 3; do
    cp empty.db "two-$run.db"
    awk 'NR % 2 == 1' alerts.jsonl >odd.jsonl
    awk 'NR % 2 == 0' alerts.jsonl >even.jsonl
    if [[ $run == 2 ]]; then  # first half and second half instead of odd and even lines
        head -n 115 alerts.jsonl >odd.jsonl
        tail -n +116 alerts.jsonl >even.jsonl
    fi
    if [[ $run == 3 ]]; then  # the halves reversed: late alerts come first
        tac alerts.jsonl | awk 'NR % 2 == 1' >odd.jsonl
        tac alerts.jsonl | awk 'NR % 2 == 0' >even.jsonl
    fi
    SWD_STATE=two-$run.db swd-ticket --now 2026-11-22T00:00:00Z process odd.jsonl >a.jsonl &
    first=$!
    SWD_STATE=two-$run.db swd-ticket --now 2026-11-22T00:00:00Z process even.jsonl >b.jsonl &
    second=$!
    wait $first || fail "first process failed"
    wait $second || fail "second process failed"

    SWD_STATE=two-$run.db swd-ticket list >two.jsonl
    swd-ticket list >one-list.jsonl
    $PY - one-list.jsonl two.jsonl <<'PY' || fail "run $run: two processes made other tickets"
import json, sys
keys = ("device", "failure", "count", "threshold", "first", "last", "alerts", "location",
        "location_corrected_from", "location_unverified", "center", "to", "status", "region")
def shape(path):
    return sorted(tuple(json.dumps(t.get(k)) for k in keys) for t in map(json.loads, open(path)))
one, two = shape(sys.argv[1]), shape(sys.argv[2])
if one != two:
    for x in sorted(set(one) ^ set(two)):
        print("one" if x in one else "two", x)
    sys.exit(1)
PY
    assert_eq 8 "$(wc -l <two.jsonl)" "run $run: tickets"
    assert_eq 8 "$(cat a.jsonl b.jsonl | wc -l)" "run $run: tickets printed by the two"
    assert_eq 230 "$(SWD_STATE=two-$run.db swd-ticket alerts | wc -l)" "run $run: alerts stored"
    assert_eq 8 "$(sqlite3 "two-$run.db" 'SELECT count(DISTINCT id) FROM tickets')" "run $run: ticket ids"
done
