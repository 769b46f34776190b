#!/usr/bin/env bash
# The state file as a reader finds it (issue 14, items 3-4): the commands that only read work for
# a user who can read the file but not write it or its directory, with or without the -wal and
# -shm files, and change nothing; a mistyped --state is "no such state file" (exit 4) and creates
# nothing; another program's SQLite database is refused by every command and left as it was.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"
[[ $(id -u) == 0 ]] || { echo "needs root to run commands as another user"; exit 77; }
setpriv --reuid=nobody --regid=nogroup --clear-groups test -x "$SWD_BIN_DIR/swd-ticket" ||
    { echo "nobody cannot run $SWD_BIN_DIR/swd-ticket"; exit 77; }

export SWD_STATE=$T/ro/state.db
. "$SRC/tests/cli/ticket/setup.sh"
swd-ticket --now 2026-11-22T00:00:00Z process alerts.jsonl >tickets.jsonl
ticket=$(json_get tickets.jsonl 'r[0]["id"]')
[[ -e $SWD_STATE-wal && -e $SWD_STATE-shm ]] || fail "the -wal and -shm files were not kept"
# (sqlite3 closes the file last here, and removes them: swd's readers do without, see below.)
assert_eq 1398228017 "$(sqlite3 "$SWD_STATE" 'PRAGMA application_id')" "application_id (SWD1)"
swd-ticket list >/dev/null

chmod 755 "$T" "$T/ro"
chmod 644 "$SWD_STATE" "$SWD_STATE"-* "$SWD_CONFIG"
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
reads=("list" "show $ticket" "alerts --device pos-e1" "report --by failure" "failed --status all"
    "devices list" "outages list" "thresholds list" "centers list" "buildings list")
for words in "${reads[@]}"; do
    # shellcheck disable=SC2086 # the words of a command
    swd-ticket --format jsonl $words >"root.out" || fail "$words as root: exit $?"
    sum=$(sha256sum "$SWD_STATE" "$SWD_STATE"-*)
    # shellcheck disable=SC2086
    as_nobody swd-ticket --format jsonl $words >nobody.out 2>nobody.err ||
        fail "swd-ticket $words as a reader: exit $?: $(cat nobody.err)"
    cmp -s root.out nobody.out || fail "swd-ticket $words: a reader sees other records"
    [[ -s root.out ]] || fail "swd-ticket $words printed nothing"
    assert_eq "$sum" "$(sha256sum "$SWD_STATE" "$SWD_STATE"-*)" "state after $words as a reader"
done
printf '%s\n' '{"type":"alert","v":1,"id":"A-1","device":"pos-e1","node":"pos-e1","domain":"east.example.com","subject":"x"}' >one.jsonl
chmod 644 one.jsonl
as_nobody swd-validate one.jsonl >valid.jsonl 2>validate.err || fail "swd-validate --state as a reader: $(cat validate.err)"
cmp -s one.jsonl valid.jsonl || fail "swd-validate as a reader: $(cat validate.err)"

# Without the -wal and -shm files (another program closed the file last), a reader who cannot
# create them reads the file as it is on disk.
rm "$SWD_STATE-wal" "$SWD_STATE-shm"
swd-ticket --format jsonl list >root.out
rm "$SWD_STATE-wal" "$SWD_STATE-shm"
as_nobody swd-ticket --format jsonl list >nobody.out 2>nobody.err || fail "without -shm: $(cat nobody.err)"
cmp -s root.out nobody.out || fail "without -shm: a reader sees other records"
[[ ! -e $SWD_STATE-shm ]] || fail "a reader created $SWD_STATE-shm"

# A write command as the reader fails in one line, exit 4.
expect_status 4 as_nobody swd-ticket close "$ticket" 2>write.err
assert_eq 1 "$(wc -l <write.err)" "lines: $(cat write.err)"
assert_contains write.err "swd-ticket: state file $SWD_STATE: "

# A mistyped --state: exit 4, nothing created, for reading commands of every tool.
expect_status 4 swd-ticket --state "$T/typo/state.db" list 2>typo.err
assert_eq "swd-ticket: state file $T/typo/state.db: no such state file (check --state, \$SWD_STATE and [state] path; a command that writes creates it)" "$(cat typo.err)"
expect_status 4 swd-ticket --state "$T/typo.db" show "$ticket" 2>/dev/null
[[ ! -e $T/typo && ! -e $T/typo.db ]] || fail "a reading command created a state file"

# Another program's database: refused by reading and writing commands, left byte for byte.
sqlite3 other.db "CREATE TABLE notes(x); CREATE TABLE tags(y); INSERT INTO notes VALUES ('mine');"
sum=$(sha256sum other.db)
expect_status 4 swd-ticket --state other.db list 2>other.err
assert_eq "swd-ticket: state file other.db: not an swd state file (it holds another program's tables: notes, tags); check --state and \$SWD_STATE" "$(cat other.err)"
expect_status 4 swd-ticket --state other.db centers add x --email x@example.com 2>/dev/null
expect_status 4 swd-ingest --state other.db /dev/null 2>/dev/null
assert_eq "$sum" "$(sha256sum other.db)" "another program's database after swd"
assert_eq "notes tags" "$(sqlite3 other.db .tables | xargs)" "its tables"
sqlite3 marked.db "PRAGMA application_id = 42; CREATE TABLE t(x);"
expect_status 4 swd-ticket --state marked.db list 2>marked.err
assert_contains marked.err "not an swd state file (SQLite application_id 42)"

# A state file of an swd from before application_id is still swd's: read as it is, and marked
# by the next command that writes.
sqlite3 "$SWD_STATE" "PRAGMA application_id = 0"
as_nobody swd-ticket --format jsonl list >nobody.out 2>nobody.err || fail "unmarked: $(cat nobody.err)"
swd-ticket centers add mc-north --email mc-north@example.com
assert_eq 1398228017 "$(sqlite3 "$SWD_STATE" 'PRAGMA application_id')" "application_id after a write"
