#!/usr/bin/env bash
# Two cron runs of swd-ingest overlapping on one Maildir and state file (issue 12, item 4): a
# message the other run moved first is skipped without a word (counted with -v), both runs exit
# 0, and every message comes out exactly once between them, all of them in cur/ at the end.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

for round in 1 2 3 4 5; do
    rm -rf md "$SWD_STATE"*
    $PY - 3000 md "$round" <<'PYEOF'
import os, sys
n, md, r = int(sys.argv[1]), sys.argv[2], sys.argv[3]
for d in ("new", "cur", "tmp"):
    os.makedirs(os.path.join(md, d))
for i in range(n):
    open(os.path.join(md, "new", f"{i:05d}.M{i}.host"), "w").write(
        f"From: swd@relay-a.east.example.com\nSubject: [SWD] connection failure: pos-{i}\n"
        f"Message-ID: <race-{r}-{i}@relay-a.east.example.com>\n"
        f"Date: Sat, 21 Nov 2026 10:00:00 +0000\n\nFailure-Type: connection\nDevice: pos-{i}\n")
PYEOF
    swd-ingest -v md >one.jsonl 2>one.err &
    a=$!
    swd-ingest -v md >two.jsonl 2>two.err &
    b=$!
    ra=0 rb=0
    wait "$a" || ra=$?
    wait "$b" || rb=$?
    assert_eq "0 0" "$ra $rb" "round $round: exit statuses"
    if grep -h "moving" one.err two.err; then fail "round $round: errors for moves"; fi
    assert_eq 3000 "$(cat one.jsonl two.jsonl | wc -l)" "round $round: records of both runs"
    assert_eq 3000 "$(cat one.jsonl two.jsonl | json_get /dev/stdin 'len({x["message_id"] for x in r})')" \
        "round $round: distinct records"
    assert_eq 0 "$(ls md/new | wc -l)" "round $round: left in new/"
    assert_eq 3000 "$(ls md/cur | wc -l)" "round $round: in cur/"
    grep -h "moved by another run meanwhile" one.err two.err >>taken.txt || true
done
echo "runs that found messages taken: $(wc -l <taken.txt) of 10"
