#!/usr/bin/env bash
# A cron run of a few alerts stays small whatever the batch size: room for a batch is made as
# its alerts come, so 3 alerts with the default batch of 50,000 peak well under 40 MiB and take
# a fraction of a second (two batches made up front took 71 MiB and 0.3 s).
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"
. "$SRC/tests/cli/ticket/setup.sh"
head -3 "$T/alerts.jsonl" >three.jsonl

$PY - <<'PYEOF' >rss.txt
import resource, subprocess
with open("out.jsonl", "wb") as out:
    rc = subprocess.run(["swd-ticket", "process", "three.jsonl"], stdout=out).returncode
print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
PYEOF
read -r rc rss_mb <rss.txt
assert_eq 0 "$rc" "exit"
assert_eq 3 "$(sqlite3 "$SWD_STATE" "SELECT count(*) FROM ticket_alerts")" "alerts stored"
# AddressSanitizer's shadow memory makes RSS meaningless: bound it there loosely.
limit=40
[[ $(ldd "$(command -v swd-ticket)") == *libasan* ]] && limit=400
[[ $rss_mb -lt $limit ]] || fail "peak RSS ${rss_mb} MiB for 3 alerts (limit $limit)"
echo "peak RSS ${rss_mb} MiB for 3 alerts"
