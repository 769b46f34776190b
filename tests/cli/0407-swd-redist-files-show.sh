#!/usr/bin/env bash
# Point 3 for jobs that nothing dates (--dist alone, failed records without failed_at): the logs
# are searched newest first and the search stops at the file holding the job's command, so an
# unreadable old rotation is never opened; --since bounds it; a job in no log reads every file.
# Point 5: what is shown for a job, line by line: the original command, where it was found, the
# new command, the packages, each recipient with why, and those left out with why.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

. "$SRC/tests/cli/redist/setup.sh"
ago() { date -u -d "$1 ago" +%Y-%m-%dT%H:%M:%SZ; }
mkdir -p log
t0=$(ago '50 minutes') t1=$(ago '40 minutes') t2=$(ago '30 minutes') t3=$(ago '20 minutes')
cat >"$log" <<EOF
ts=$t0 dist=D-X event=received origin=master-1 packages=pkg-a-1.2,pkg-b-3.4 targets=pos-1,pos-2,pos-3 cmd="swd-queue submit --dist D-X --package pkg-a-1.2 --package pkg-b-3.4 --target pos-1:replace --target pos-2 --target 'pos-3:msg=a b' --origin master-1"
ts=$t1 dist=D-X event=result target=pos-1 package=pkg-a-1.2 result=failed failure=connection detail="timed out"
ts=$t1 dist=D-X event=result target=pos-2 package=pkg-a-1.2 result=failed failure=disk detail="disk full"
ts=$t2 dist=D-X event=result target=pos-2 package=pkg-a-1.2 result=success
ts=$t2 dist=D-X event=result target=pos-2 package=pkg-b-3.4 result=success
EOF
printf 'ts=%s dist=D-Y event=received cmd="swd-queue submit --dist D-Y --package pkg-a-1.2 --target pos-4"\n' \
    "$(ago '3 hours')" >"$log.1"
touch -d '2 hours ago' "$log.1"
# An old rotation that gives a warning whenever it is opened: corrupt, and unreadable.
printf '\037\213garbage' >"$log.2.gz"
chmod 000 "$log.2.gz"
touch -d '1 day ago' "$log.2.gz"
opened() { grep -q 'distribution.log.2.gz' "$1"; }

# --dist alone: found in the current file, nothing older opened.
swd-redist -v --dry-run --dist D-X >x.jsonl 2>x.err || fail "--dist D-X: $(cat x.err)"
! opened x.err || fail "--dist D-X opened the old rotation: $(cat x.err)"
assert_contains x.err "searched 1 of 3 log file(s)"
assert_eq "$log:1" "$(json_get x.jsonl 'r[0]["log"]')"

# Failed records without failed_at: newest first down to .1, where D-Y is.
printf '{"type":"failed","v":1,"dist":"D-Y","server":"relay-a","device":"pos-4","status":"open"}\n' >undated.jsonl
swd-redist -v --dry-run undated.jsonl >y.jsonl 2>y.err || fail "undated D-Y: $(cat y.err)"
! opened y.err || fail "an undated record opened the old rotation: $(cat y.err)"
assert_contains y.err "searched 2 of 3 log file(s)"
assert_eq "D-Y dry-run $log.1:1" "$(json_get y.jsonl 'r[0]["dist"] + " " + r[0]["status"] + " " + r[0]["log"]')"

# --since bounds an undated job: 1 h less a 30 min lookback reaches the current file only.
expect_status 6 swd-redist -v --dry-run --dist D-GONE --since 1h --lookback 30m >g1.jsonl 2>g1.err
! opened g1.err || fail "--since did not bound the search: $(cat g1.err)"
assert_contains g1.err "searched 1 of 3 log file(s)"
# A job that nothing dates and that is in no log reads every file: the old one too.
expect_status 6 swd-redist -v --dry-run --dist D-GONE >g2.jsonl 2>g2.err
opened g2.err || fail "the old rotation was not searched for D-GONE: $(cat g2.err)"
assert_eq "not-found" "$(json_get g2.jsonl 'r[0]["status"]')"

# What is shown for D-X, with a failed record of pos-1 for pkg-b-3.4 (later than the log's).
printf '{"type":"failed","v":1,"dist":"D-X","server":"relay-a","device":"pos-1","package":"pkg-b-3.4","failed_at":"%s","alert":"A-20261122-000007","status":"open"}\n' \
    "$t3" >x-failed.jsonl
swd-redist --dry-run x-failed.jsonl >show.jsonl 2>show.err || fail "show: $(cat show.err)"
id=$(json_get show.jsonl 'r[0]["id"]')
cat >want.txt <<EOF
D-X ($id): 1 of 3 recipients
  original:   swd-queue submit --dist D-X --package pkg-a-1.2 --package pkg-b-3.4 --target pos-1:replace --target pos-2 --target 'pos-3:msg=a b' --origin master-1
              ($log:1)
  new:        swd-queue submit --dist D-X-R1 --redist-of D-X --package pkg-a-1.2 --package pkg-b-3.4 --target pos-1:replace --origin master-1
  packages:   pkg-a-1.2 pkg-b-3.4
  recipients:
    pos-1:replace    pkg-a-1.2 failed $t1: connection (timed out) [$log:2]; pkg-b-3.4 failed $t3 [failed record A-20261122-000007]
  left out:
    pos-2            completed: pkg-a-1.2, pkg-b-3.4 installed
    'pos-3:msg=a b'  no failure and no result in the logs
EOF
diff want.txt show.err >&2 || fail "shown job differs (above: expected, then shown)"
assert_eq "$(sed -n 's/^    pos-1:replace    //p' want.txt)" "$(json_get show.jsonl 'r[0]["why"]["pos-1"]')" \
    "why in the record"
