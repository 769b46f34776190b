#!/usr/bin/env bash
# Only SIGINT and SIGTERM make exit status 7 (issue 12, item 7): a run stopped and continued
# again and again (SIGSTOP/SIGCONT, which can break a blocked system call with EINTR), and one
# that gets signals it ignores (SIGCHLD, SIGWINCH, SIGURG), ends with 0 and every record.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

$PY "$SRC/tests/cli/pipeline/mbox.py" 20000 s alerts.mbox
mkfifo out.fifo
for round in 1 2 3; do
    rm -f "$SWD_STATE"*
    # A slow reader keeps swd-ingest blocked on its output now and then.
    $PY -c '
import sys, time
n = 0
for line in open(sys.argv[1]):
    n += 1
    if n % 2000 == 0: time.sleep(0.05)
print(n)' out.fifo >count.txt &
    reader=$!
    swd-ingest alerts.mbox >out.fifo 2>err.txt &
    pid=$!
    _swd_pids+=("$pid" "$reader")
    for _ in $(seq 60); do
        kill -STOP "$pid" 2>/dev/null || break
        sleep 0.005
        kill -CONT "$pid" 2>/dev/null || break
        kill -CHLD "$pid" 2>/dev/null || break
        kill -WINCH "$pid" 2>/dev/null || break
        kill -URG "$pid" 2>/dev/null || break
        sleep 0.01
    done
    kill -CONT "$pid" 2>/dev/null || true
    rc=0
    wait "$pid" || rc=$?
    wait "$reader"
    if grep -q . err.txt; then cat err.txt >&2; fail "round $round: swd-ingest said something"; fi
    assert_eq 0 "$rc" "round $round: exit status"
    assert_eq 20000 "$(cat count.txt)" "round $round: records"
done
