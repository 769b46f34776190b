#!/usr/bin/env bash
# A closed output pipe is a normal stop (exit 0) that loses nothing: the batch being written is
# not recorded and nothing of it is moved, so the next run gives it again. SIGINT while waiting
# for input stops cleanly: what was read is written and recorded, exit 7.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

$PY - 5000 big.mbox md <<'PYEOF'
import os, sys
n, box, md = int(sys.argv[1]), sys.argv[2], sys.argv[3]
for d in ("new", "cur", "tmp"):
    os.makedirs(os.path.join(md, d))
with open(box, "wb") as f:
    for i in range(n):
        m = (f"From: swd@relay-a.east.example.com\nSubject: [SWD] connection failure: pos-{i}\n"
             f"Message-ID: <big-{i}@relay-a.east.example.com>\nDate: Sat, 21 Nov 2026 10:00:00 +0000\n\n"
             f"Failure-Type: connection\nDevice: pos-{i}\nDetail: {'x' * 200}\n").encode()
        f.write(b"From swd@relay-a Sat Nov 21 10:00:00 2026\n" + m + b"\n")
        if i < 3000:
            m = m.replace(b"<big-", b"<md-")
            open(os.path.join(md, "new", f"{i:05d}.M{i}.host"), "wb").write(m)
PYEOF

# --no-state: head -1 closes the pipe; swd-ingest stops with 0 and nothing on stderr.
swd-ingest --no-state big.mbox 2>err.txt | head -1 >first.jsonl
assert_eq "0 0" "${PIPESTATUS[0]} ${PIPESTATUS[1]}" "exit statuses"
assert_eq "" "$(cat err.txt)" "stderr"
assert_eq pos-0 "$(json_get first.jsonl 'r[0]["device"]')"

# With state: the interrupted batch is not recorded, so a re-run gives every message.
swd-ingest big.mbox 2>err.txt | head -1 >/dev/null
assert_eq 0 "${PIPESTATUS[0]}" "exit with state"
expect_status 0 swd-ingest big.mbox >all.jsonl
assert_eq 5000 "$(wc -l <all.jsonl)" "records after the closed pipe"
assert_eq 5000 "$(json_get all.jsonl 'len({x["message_id"] for x in r})')" "distinct"

# A Maildir behind a closed pipe: the batch was not recorded, so nothing may move.
swd-ingest md 2>/dev/null | head -1 >/dev/null
assert_eq 0 "${PIPESTATUS[0]}" "Maildir exit"
assert_eq 3000 "$(ls md/new | wc -l)" "messages still in new/"
expect_status 0 swd-ingest md >md.jsonl
assert_eq 3000 "$(wc -l <md.jsonl)" "Maildir records after the closed pipe"
assert_eq 0 "$(ls md/new | wc -l)" "new/ after the full run"

# SIGINT while swd-ingest waits for more input on a pipe: 2500 messages read, then the signal.
rm -f "$SWD_STATE"*
mkfifo feed
head -c "$(grep -b -m1 '<big-2500@' big.mbox | cut -d: -f1)" big.mbox >part.mbox
part_end=$(grep -b 'From swd@relay-a' part.mbox | tail -1 | cut -d: -f1)
{ head -c "$part_end" part.mbox; sleep 30; } >feed &
writer=$!
_swd_pids+=("$writer")
swd-ingest <feed >int.jsonl 2>int.err &
ingest=$!
for _ in $(seq 200); do
    [[ $(wc -l <int.jsonl) -ge 2000 ]] && break
    sleep 0.05
done
sleep 0.3
kill -INT "$ingest"
rc=0
wait "$ingest" || rc=$?
kill "$writer" 2>/dev/null || true
assert_eq 7 "$rc" "exit after SIGINT"
n=$(wc -l <int.jsonl)
[[ $n -ge 2000 && $n -le 2499 ]] || fail "records before the signal: $n"
assert_eq "$n" "$(sqlite3 "$SWD_STATE" 'SELECT count(*) FROM ingest_seen')" "recorded = written"
expect_status 0 swd-ingest big.mbox >rest.jsonl
assert_eq $((5000 - n)) "$(wc -l <rest.jsonl)" "the rest on the next run"
