#!/usr/bin/env bash
# Points 6 and 9: without a terminal and without --yes or --dry-run, exit 2 before anything is
# read or changed; --dry-run shows and prints the records (with the ids the jobs would get) and
# changes nothing; a redistribution of a redistribution is ORIGINAL-R2 with --redist-of
# ORIGINAL; records of another server are skipped; --format table; bad options.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

. "$SRC/tests/cli/redist/setup.sh"
swd-queue packages add "$SRC/examples/packages/pkg-a-1.2" >/dev/null
swd-queue targets add pos-1 pos-2 --transport "local:$T/ep/{target}" >/dev/null
swd-queue submit --dist D-1 --package pkg-a-1.2 --target pos-1:replace --target pos-2 \
    --push-retries 0 --pull-retries 0 >/dev/null
swd-queue run --once >/dev/null 2>&1 || true
failed() {  # DIST DEVICE: a failed record of now
    printf '{"type":"failed","v":1,"dist":"%s","server":"%s","device":"%s","package":"pkg-a-1.2","failed_at":"%s","alert":"A-1","status":"open"}\n' \
        "$1" "${3:-relay-a}" "$2" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
}
{ failed D-1 pos-1; failed D-1 pos-2; } >f1.jsonl
state_rows() {
    $PY -c 'import sqlite3,sys; db=sqlite3.connect(sys.argv[1]); print(db.execute("SELECT (SELECT count(*) FROM redist_jobs) + (SELECT count(*) FROM redist_runs) + (SELECT count(*) FROM queue_requests)").fetchone()[0])' "$SWD_STATE"
}

# No terminal, neither --yes nor --dry-run: usage error, nothing done.
expect_status 2 setsid -w swd-redist f1.jsonl </dev/null >no-tty.jsonl 2>no-tty.err
assert_contains no-tty.err "swd-redist: no terminal to ask on (/dev/tty: "
assert_contains no-tty.err "give --yes to issue every job, or --dry-run to only show them"
assert_eq 0 "$(wc -l <no-tty.jsonl)" "records without a terminal"
$PY -c 'import sqlite3,sys; db=sqlite3.connect(sys.argv[1]); n=db.execute("SELECT count(*) FROM sqlite_master WHERE name=\"redist_jobs\"").fetchone()[0]; sys.exit(n)' "$SWD_STATE" ||
    fail "the state file was touched without a terminal"

# --dry-run (also with --yes): the records, the ids the jobs would get, no change.
setsid -w swd-redist --dry-run f1.jsonl </dev/null >dry1.jsonl 2>dry1.err || fail "dry-run: $(cat dry1.err)"
before=$(state_rows)
setsid -w swd-redist --dry-run --yes f1.jsonl </dev/null >dry2.jsonl 2>/dev/null || fail "dry-run --yes"
assert_eq "$(json_get dry1.jsonl 'r[0]["id"]')" "$(json_get dry2.jsonl 'r[0]["id"]')" "dry-run ids"
assert_eq "1 dry-run D-1-R1 pos-1,pos-2" \
    "$(json_get dry1.jsonl '" ".join([str(len(r)), r[0]["status"], r[0]["new_dist"], ",".join(r[0]["recipients"])])')" \
    "dry-run record"
assert_contains dry1.err "new:        swd-queue submit --dist D-1-R1 --redist-of D-1 --package pkg-a-1.2 --target pos-1:replace --target pos-2"
assert_eq "$before" "$(state_rows)" "state rows after --dry-run"
swd-redist --dry-run -q f1.jsonl >/dev/null 2>quiet.err
assert_eq 0 "$(wc -c <quiet.err)" "-q shows nothing without a terminal"

# Issue D-1 as D-1-R1; it fails again (pos-1 still down): its failure is a failed record of
# D-1-R1, redistributed as D-1-R2 --redist-of D-1.
swd-redist --yes f1.jsonl >r1.jsonl 2>/dev/null
assert_eq "D-1-R1" "$(json_get r1.jsonl 'r[0]["new_dist"]')"
mkdir -p ep/pos-2
swd-queue run --once >/dev/null 2>&1 || true
failed D-1-R1 pos-1 >f2.jsonl
mkdir -p ep/pos-1
swd-redist --yes f2.jsonl >r2.jsonl 2>r2.err || fail "redistribution of a redistribution: $(cat r2.err)"
$PY - r2.jsonl <<'PYEOF' || fail "D-1-R2"
import json, sys
r = json.loads(open(sys.argv[1]).readline())
assert r["dist"] == "D-1-R1" and r["new_dist"] == "D-1-R2" and r["redist_of"] == "D-1", r
assert r["argv"] == ["swd-queue", "submit", "--dist", "D-1-R2", "--redist-of", "D-1", "--package", "pkg-a-1.2",
                     "--target", "pos-1:replace", "--push-retries", "0", "--pull-retries", "0"], r["argv"]
PYEOF
assert_eq "D-1-R1 pos-1 D-1-R2" "$(json_get r2.jsonl '" ".join(r[1][k] for k in ("dist", "device", "new_dist"))')"
swd-queue run --once >/dev/null 2>&1
[[ -f ep/pos-1/opt/pkg-a/hello.txt ]] || fail "pos-1 lacks pkg-a after D-1-R2"

# Records of another server are skipped, with a warning: nothing found.
failed D-1 pos-1 relay-b >f3.jsonl
expect_status 1 swd-redist --yes --since 1h f3.jsonl >other.jsonl 2>other.err
assert_contains other.err "1 failed record(s) of other servers skipped (this is relay-a; see --server)"
swd-redist --dry-run --since 1h --server relay-b --all-recipients f3.jsonl >b.jsonl 2>/dev/null ||
    fail "--server relay-b"
assert_eq "dry-run pos-1,pos-2" "$(json_get b.jsonl 'r[0]["status"] + " " + ",".join(r[0]["recipients"])')"

# For people: a table.
swd-redist --dry-run --since 1h --format table f1.jsonl >table.txt 2>/dev/null
assert_contains table.txt "TYPE"
assert_contains table.txt "NEW_DIST"
assert_contains table.txt "completed"

# Bad options: exit 2 with a one-line reason.
expect_status 2 swd-redist --yes --since yesterday f1.jsonl 2>bad.err
assert_contains bad.err "--since 'yesterday': neither a duration (7d) nor a date"
expect_status 2 swd-redist --yes --dist 'D-1;x' 2>bad.err
assert_contains bad.err "--dist 'D-1;x': only letters"
expect_status 2 swd-redist --yes --lookback forever --dist D-1 2>bad.err
expect_status 3 swd-redist --yes --log "$T/no-such.log" --dist D-1 2>bad.err
assert_contains bad.err "no-such.log: no such log file"
swd-redist --print-config | grep '^\[redist\]' >/dev/null || fail "--print-config lacks [redist]"
