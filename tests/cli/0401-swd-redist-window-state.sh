#!/usr/bin/env bash
# Done when 2 and points 1, 3, 8, 9: log files outside the window are never opened (an
# unreadable, corrupt `.2.gz` from a month ago does not disturb the run); the service center's
# failed records come through a pipe from `swd-ticket failed` (separate state files) and the
# resolved records go back into `swd-ticket resolve`; when the relay's own state file holds
# failed records they are read from there and marked redistributed; a job not in any log is
# reported and left open; a run that finds nothing exits 1.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

. "$SRC/tests/cli/redist/setup.sh"
desk=$T/desk.db
swd-queue packages add "$SRC/examples/packages/pkg-a-1.2" >/dev/null
swd-queue targets add pos-1 pos-2 pos-3 --transport "local:$T/ep/{target}" >/dev/null
mkdir -p ep/pos-1
swd-queue submit --dist D-A --package pkg-a-1.2 --target pos-1 --target pos-2 \
    --push-retries 0 --pull-retries 0 >/dev/null
swd-queue run --once >/dev/null 2>&1 || true
mv "$log" "$log.1"
swd-queue submit --dist D-B --package pkg-a-1.2 --target pos-3:replace --target pos-1 \
    --push-retries 0 --pull-retries 0 >/dev/null
swd-queue run --once >/dev/null 2>&1 || true

# Old rotations: cut short, unreadable, from a month ago. Opening either would be a warning.
printf 'ts=2026-10-01T00:00:00Z dist=D-A event=received cmd="swd-queue submit --dist D-A"\n' |
    gzip >"$log.2.gz.full"
head -c 20 "$log.2.gz.full" >"$log.2.gz" && rm "$log.2.gz.full"
printf '\037\213garbage' >"$log.3.gz"
chmod 000 "$log.2.gz" "$log.3.gz"
touch -d '30 days ago' "$log.2.gz"
touch -d '40 days ago' "$log.3.gz"

# The alerts the failures raised, taken in by swd-ticket at the service center (desk.db) and,
# as on a host playing both roles, into the relay's own state file.
$PY - "$log.1" "$log" >alerts.jsonl <<'PYEOF'
import json, shlex, sys
n = 0
for path in sys.argv[1:]:
    for line in open(path):
        f = dict(w.split("=", 1) for w in shlex.split(line))
        if f["event"] == "result" and f["result"] == "failed":
            n += 1
            print(json.dumps({"type": "alert", "v": 1, "id": "A-20261122-%06d" % n, "date": f["ts"],
                              "node": "relay-a", "failure": "connection", "device": f["target"],
                              "server": "relay-a", "dist": f["dist"], "package": f["package"]}))
PYEOF
assert_eq 2 "$(wc -l <alerts.jsonl)" "alerts"
SWD_STATE=$desk swd-ticket <alerts.jsonl >/dev/null
swd-ticket <alerts.jsonl >/dev/null
SWD_STATE=$desk swd-ticket failed --server relay-a >desk-failed.jsonl
assert_eq "D-A pos-2|D-B pos-3" "$(json_get desk-failed.jsonl '"|".join(x["dist"] + " " + x["device"] for x in r)')"

# The repair, and the pipeline of DESIGN §9 with separate state files.
mkdir -p ep/pos-2 ep/pos-3
SWD_STATE=$desk swd-ticket failed --server relay-a |
    swd-redist --yes - 2>err1.txt | tee out1.jsonl |
    SWD_STATE=$desk swd-ticket resolve - >resolve.jsonl
if grep -q 'distribution.log.[23].gz' err1.txt; then cat err1.txt >&2; fail "an old rotation was opened"; fi
assert_eq "issued issued" "$(json_get out1.jsonl '" ".join(x["status"] for x in r if x["type"] == "redist")')"
assert_eq "D-A-R1 D-B-R1" "$(json_get out1.jsonl '" ".join(x["new_dist"] for x in r if x["type"] == "redist")')"
assert_eq "pos-2 pos-3" "$(json_get out1.jsonl '" ".join(x["device"] for x in r if x["type"] == "resolved")')"
SWD_STATE=$desk swd-ticket failed --server relay-a --status all >desk-after.jsonl
assert_eq "resolved resolved" "$(json_get desk-after.jsonl '" ".join(x["status"] for x in r)')" "desk records"
assert_eq "D-A-R1 D-B-R1" "$(json_get desk-after.jsonl '" ".join(x["new_dist"] for x in r)')"
assert_eq "$(json_get out1.jsonl '" ".join(x["id"] for x in r if x["type"] == "redist")')" \
    "$(json_get desk-after.jsonl '" ".join(x["by"] for x in r)')" "resolved by the X- entries"

# The relay's own failed records (same host, both roles) are marked redistributed.
swd-ticket failed --server relay-a --status all >relay-after.jsonl
assert_eq "redistributed redistributed" "$(json_get relay-after.jsonl '" ".join(x["status"] for x in r)')"
assert_eq "D-A-R1 D-B-R1" "$(json_get relay-after.jsonl '" ".join(x["new_dist"] for x in r)')"
swd-queue run --once >/dev/null 2>&1
[[ -f ep/pos-2/opt/pkg-a/hello.txt && -f ep/pos-3/opt/pkg-a/hello.txt ]] || fail "packages did not arrive"

# Since the last run nothing new failed: exit 1, from the state file alone.
expect_status 1 swd-redist --yes </dev/null >none.jsonl
assert_eq 0 "$(wc -l <none.jsonl)" "records when nothing was found"

# A job that is in no log (D-GONE): reported, left open, exit 6. The state file is the source.
printf '{"type":"alert","v":1,"id":"A-20261122-000099","date":"%s","node":"relay-a","failure":"connection","device":"pos-1","server":"relay-a","dist":"D-GONE","package":"pkg-a-1.2"}\n' \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" | swd-ticket >/dev/null
expect_status 6 swd-redist --yes </dev/null >gone.jsonl 2>gone.err
assert_eq "D-GONE not-found" "$(json_get gone.jsonl '" ".join(x["dist"] + " " + x["status"] for x in r)')"
assert_contains gone.jsonl '"reason":"no received line for D-GONE in 2 log file(s) read"'
assert_contains gone.err "D-GONE: not-found"
swd-ticket failed --server relay-a >open.jsonl
assert_eq "D-GONE open" "$(json_get open.jsonl '" ".join(x["dist"] + " " + x["status"] for x in r)')" "left open"

# Failed records before the window are skipped with a warning.
# (D-GONE's time has whole seconds: wait until "now" is past it, so only the file's two are left.)
sleep 1.1
expect_status 1 swd-redist --yes --since 0s desk-failed.jsonl >old.jsonl 2>old.err
assert_contains old.err "2 failed record(s) outside the window"

# The same old rotation, once it is in the window, is opened: the warning proves it is read then.
touch "$log.2.gz"
expect_status 6 swd-redist --dry-run --all-recipients --dist D-A >dry.jsonl 2>dry.err
assert_contains dry.err "distribution.log.2.gz"
assert_eq "dry-run" "$(json_get dry.jsonl 'r[0]["status"]')"
