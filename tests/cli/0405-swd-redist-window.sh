#!/usr/bin/env bash
# Point 1 (the window and where the jobs come from): failed records 8 days old are skipped by
# default on a first run (7 d) but taken with --since 9d; a second run only sees records newer
# than the first run; --until leaves later ones out (as a duration and as a date); without
# --server, [redist] server or [queue] server, the server is this host's node name; --log A
# --log B finds jobs in exactly those files.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

. "$SRC/tests/cli/redist/setup.sh"
ago() { date -u -d "$1 ago" +%Y-%m-%dT%H:%M:%SZ; }
received() {  # TS DIST: the received line of a distribution of pkg-a-1.2 to pos-1 and pos-2
    printf 'ts=%s dist=%s event=received origin=master-1 packages=pkg-a-1.2 targets=pos-1,pos-2 cmd="swd-queue submit --dist %s --package pkg-a-1.2 --target pos-1:replace --target pos-2"\n' \
        "$1" "$2" "$2"
}
failed() {  # DIST TS [SERVER]: a failed record of pos-1
    printf '{"type":"failed","v":1,"dist":"%s","server":"%s","device":"pos-1","package":"pkg-a-1.2","failed_at":"%s","status":"open"}\n' \
        "$1" "${3:-relay-a}" "$2"
}
dists() {  # FILE: "DIST STATUS|..." of its redist records
    json_get "$1" '"|".join(x["dist"] + " " + x["status"] for x in r if x["type"] == "redist")'
}
mkdir -p log
{
    received "$(ago '8 days 1 hour')" D-OLD
    received "$(ago '2 days 1 hour')" D-MID
    received "$(ago '1 hour')" D-NEW
} >log/distribution.log
old_at=$(ago '8 days') mid_at=$(ago '2 days')
{ failed D-OLD "$old_at"; failed D-MID "$mid_at"; } >first.jsonl
# Another distribution manager that notes what it was given.
cat >mgr.py <<'PYEOF'
import sys
open(sys.argv[1], "a").write(sys.argv[2] + "\n")
PYEOF
mgr="$PY $T/mgr.py $T/issued.txt {dist}"

# --since 9d reaches the 8-day-old record.
swd-redist --dry-run --since 9d first.jsonl >since9.jsonl 2>since9.err || fail "--since 9d: $(cat since9.err)"
assert_eq "D-OLD dry-run|D-MID dry-run" "$(dists since9.jsonl)" "--since 9d"

# The first run: 7 days back by default.
swd-redist --dry-run first.jsonl >first.out 2>first.err || fail "first run: $(cat first.err)"
assert_eq "D-MID dry-run" "$(dists first.out)" "default window, first run"
grep -F '1 failed record(s) outside the window ' first.err >window.txt || fail "no window warning: $(cat first.err)"
$PY - window.txt <<'PYEOF' || fail "the default window is not 7 days: $(cat window.txt)"
import datetime, re, sys
m = re.search(r"outside the window (\S+) \.\. (\S+) skipped", open(sys.argv[1]).read())
since, until = (datetime.datetime.strptime(x, "%Y-%m-%dT%H:%M:%SZ") for x in m.groups())
now = datetime.datetime.utcnow()
assert abs((now - since) - datetime.timedelta(days=7)).total_seconds() < 120, since
assert abs((now - until).total_seconds()) < 120, until
PYEOF

# Issued: the first real run, which is remembered.
swd-redist --yes --manager "$mgr" first.jsonl >run1.jsonl 2>run1.err || fail "run 1: $(cat run1.err)"
assert_eq "D-MID issued" "$(dists run1.jsonl)" "run 1"
assert_eq "D-MID-R1" "$(cat issued.txt)" "issued by run 1"
last_run=$($PY -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT last_run FROM redist_runs WHERE server = ?", ("relay-a",)).fetchone()[0])' "$SWD_STATE")

# The second run sees only what failed since the first one: D-NEW, not D-MID again.
sleep 1.1
failed D-NEW "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >second.jsonl
swd-redist --yes --manager "$mgr" first.jsonl second.jsonl >run2.jsonl 2>run2.err || fail "run 2: $(cat run2.err)"
assert_eq "D-NEW issued" "$(dists run2.jsonl)" "run 2"
assert_contains run2.err "2 failed record(s) outside the window $last_run .. "
assert_eq "D-MID-R1 D-NEW-R1" "$(tr '\n' ' ' <issued.txt | sed 's/ $//')" "issued by runs 1 and 2"

# --until: a duration back, and a date (the end of the window in the warning).
swd-redist --dry-run --since 9d --until 3d first.jsonl second.jsonl >until1.jsonl 2>until1.err ||
    fail "--until 3d: $(cat until1.err)"
assert_eq "D-OLD dry-run" "$(dists until1.jsonl)" "--until 3d"
until_date=$(ago '1 day')
swd-redist --dry-run --since 9d --until "$until_date" first.jsonl second.jsonl >until2.jsonl 2>until2.err ||
    fail "--until DATE: $(cat until2.err)"
assert_eq "D-OLD dry-run|D-MID dry-run" "$(dists until2.jsonl)" "--until $until_date"
assert_contains until2.err "1 failed record(s) outside the window "
assert_contains until2.err " .. $until_date skipped"

# No --server, [redist] server or [queue] server, no [smtp] from: this host's node name.
node=$(uname -n)
node=${node%%.*}
cat >plain.toml <<EOF
[queue]
packages = "$T/store"
spool = "$T/spool"
log = "$T/log/distribution.log"
[alerts]
to = ["service-center@example.com"]
EOF
{ failed D-OLD "$old_at" relay-a; failed D-MID "$mid_at" "$node"; } >node.jsonl
SWD_CONFIG=$T/plain.toml swd-redist --dry-run --since 9d node.jsonl >node.out 2>node.err ||
    fail "default server: $(cat node.err)"
assert_eq "D-MID dry-run" "$(dists node.out)" "records of this host's node name"
assert_eq "$node" "$(json_get node.out 'r[0]["server"]')" "server of the redist record"
assert_contains node.err "1 failed record(s) of other servers skipped (this is $node; see --server)"

# --log A --log B: exactly those files (one gzip), not the configured log.
mkdir -p a b
received "$(ago '2 hours')" D-A >a/one.log
received "$(ago '1 hour')" D-B | gzip >b/two.log.gz
received "$(ago '1 hour')" D-C >>log/distribution.log
expect_status 6 swd-redist --dry-run --all-recipients --log "$T/a/one.log" --log "$T/b/two.log.gz" \
    --dist D-A --dist D-B --dist D-C >logs.jsonl 2>logs.err
assert_eq "D-A dry-run|D-B dry-run|D-C not-found" "$(dists logs.jsonl)" "--log A --log B"
assert_eq "$T/a/one.log:1 $T/b/two.log.gz:1" "$(json_get logs.jsonl '" ".join(x["log"] for x in r[:2])')" "where found"
assert_eq "no received line for D-C in 2 log file(s) read" "$(json_get logs.jsonl 'r[2]["reason"]')"
assert_eq "D-C-R1" "$(swd-redist --dry-run --all-recipients --dist D-C 2>/dev/null | json_get /dev/stdin 'r[0]["new_dist"]')" \
    "D-C is in the configured log"
