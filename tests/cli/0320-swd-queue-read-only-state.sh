#!/usr/bin/env bash
# swd-queue's commands that only read (list, show, events, alerts, targets list) work for a user
# who can read the state file but not write it, and change nothing, like postqueue -p; a
# mistyped --state is "no such state file" (exit 4) and creates nothing (issue 14, items 3-4).
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"
[[ $(id -u) == 0 ]] || { echo "needs root to run commands as another user"; exit 77; }
setpriv --reuid=nobody --regid=nogroup --clear-groups test -x "$SWD_BIN_DIR/swd-queue" ||
    { echo "nobody cannot run $SWD_BIN_DIR/swd-queue"; exit 77; }

export SWD_STATE=$T/ro/state.db
queue_config
swd-queue packages add "$SRC/examples/packages/pkg-a-1.2" >/dev/null
swd-queue targets add t1 t2 --transport "local:$T/nowhere" >/dev/null
swd-queue submit --dist D-1 --package pkg-a-1.2 --target t1 --target t2 --not-before 1h >sub.jsonl
id=$(json_get sub.jsonl 'r[0]["id"]')

chmod 755 "$T" "$T/ro"
chmod 644 "$SWD_STATE" "$SWD_STATE"-* "$SWD_CONFIG"
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
for words in "list" "show $id" "events" "alerts" "targets list" "list --queue incoming"; do
    # shellcheck disable=SC2086 # the words of a command
    swd-queue --format jsonl $words >root.out || fail "$words as root: exit $?"
    sum=$(sha256sum "$SWD_STATE" "$SWD_STATE"-*)
    # shellcheck disable=SC2086
    as_nobody swd-queue --format jsonl $words >nobody.out 2>nobody.err ||
        fail "swd-queue $words as a reader: exit $?: $(cat nobody.err)"
    cmp -s root.out nobody.out || fail "swd-queue $words: a reader sees other records"
    assert_eq "$sum" "$(sha256sum "$SWD_STATE" "$SWD_STATE"-*)" "state after $words as a reader"
done
[[ $(wc -l <nobody.out) == 2 ]] || fail "list --queue incoming: $(cat nobody.out)"

# A command that writes, as the reader: one line, exit 4.
expect_status 4 as_nobody swd-queue hold "$id" 2>hold.err
assert_eq 1 "$(wc -l <hold.err)" "lines: $(cat hold.err)"
assert_contains hold.err "swd-queue: state file $SWD_STATE: "

# A mistyped --state: exit 4 and nothing created.
expect_status 4 swd-queue --state "$T/typo/state.db" list 2>typo.err
assert_contains typo.err "swd-queue: state file $T/typo/state.db: no such state file"
expect_status 4 swd-queue --state "$T/typo.db" events 2>/dev/null
[[ ! -e $T/typo && ! -e $T/typo.db ]] || fail "a reading command created a state file"
