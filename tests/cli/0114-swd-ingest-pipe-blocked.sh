#!/usr/bin/env bash
# swd-ingest holds no lock while its output blocks (issue 12, item 1): with a reader that reads
# nothing, the state file stays writable for any other tool; swd-ingest killed with -9 there has
# committed a batch it never wrote, and the next run writes it first. Nothing is lost: every
# message of the mbox comes out with its alert id, and a record that comes twice has the same id.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

# A broken message first: its reject waits in the state file like the alerts.
$PY "$SRC/tests/cli/pipeline/mbox.py" 3000 k generated.mbox
{ printf 'From x@y Sat Nov 21 10:00:00 2026\nnot a header line\n\n'; cat generated.mbox; } >alerts.mbox
mkfifo out.fifo
swd-ingest --rejects rejects-1.jsonl alerts.mbox >out.fifo 2>ingest.err &
pid=$!
trap 'kill -9 "$pid" 2>/dev/null || true; _swd_cleanup' EXIT # it may be blocked on the pipe
exec {hold}<out.fifo # opened, never read: swd-ingest fills the pipe and blocks

# Wait (bounded) until it has committed its first batch.
[[ $(wait_state "SELECT count(*) FROM ingest_seen" 1000) -ge 1000 ]] ||
    fail "swd-ingest committed nothing in 10 s"
sleep 0.3
kill -0 "$pid" || fail "swd-ingest ended, though nobody reads its output"

# Another writer gets the lock at once, not after swd-ingest's 60 s.
timeout 5 sqlite3 "$SWD_STATE" ".timeout 2000" "BEGIN IMMEDIATE;" \
    "CREATE TABLE probe(x);" "COMMIT;" || fail "the state file is locked while swd-ingest waits"

# Read part of what it wrote, then kill it as a crash would.
head -c 20000 <&"$hold" >first.jsonl || true
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
exec {hold}<&-
head -n -1 first.jsonl >first-whole.jsonl # the last line may be cut

expect_status 6 swd-ingest -v --rejects rejects-2.jsonl alerts.mbox >second.jsonl 2>second.err
assert_contains second.err "records of an interrupted run written again"
[[ $(sqlite3 "$SWD_STATE" "SELECT count(*) FROM ingest_out") == 0 ]] ||
    fail "records left waiting in ingest_out after a complete run"

$PY - first-whole.jsonl second.jsonl <<'PYEOF' || fail "records lost or changed across kill -9"
import json, sys
seen = {}
for path in sys.argv[1:]:
    for line in open(path):
        r = json.loads(line)
        if r["message_id"] in seen:
            assert seen[r["message_id"]] == r["id"], ("another id for a repeat", r)
        seen[r["message_id"]] = r["id"]
assert len(seen) == 3000, len(seen)
assert len(set(seen.values())) == 3000
PYEOF

assert_eq malformed "$(cat rejects-1.jsonl rejects-2.jsonl | json_get /dev/stdin '",".join(x["reason"] for x in r)')" \
    "the reject, once"

# A third run: everything is a duplicate, nothing is written again.
swd-ingest alerts.mbox >third.jsonl || fail "third run: exit $?"
[[ ! -s third.jsonl ]] || fail "the third run wrote records again"
