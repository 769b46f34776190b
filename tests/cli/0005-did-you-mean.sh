#!/usr/bin/env bash
# A typo never runs anything (issues 13 and 14): an unknown command or option is refused with
# exit 2, in one line that names the nearest command or option and the --help of the command
# concerned.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

refused() {  # refused "EXPECTED LINE" COMMAND...
    local want=$1
    shift
    expect_status 2 "$@" 2>err.txt
    assert_eq "$want" "$(cat err.txt)" "'$*'"
}

refused "swd-ticket: unknown command 'lsit'; did you mean 'list'? See 'swd-ticket --help'." swd-ticket lsit
refused "swd-queue: unknown command 'sbumit'; did you mean 'submit'? See 'swd-queue --help'." swd-queue sbumit --dist D-1 --package p --target t
refused "swd-queue: unknown command 'targets ad'; did you mean 'targets add'? See 'swd-queue targets --help'." swd-queue targets ad pos-1 --transport local:/tmp
refused "swd-ticket: unknown command 'devices lst'; did you mean 'devices list'? See 'swd-ticket devices --help'." swd-ticket --format table devices lst
refused "swd-queue: unknown option '--packge'; did you mean '--package'? See 'swd-queue submit --help'." swd-queue submit --dist D-1 --packge p --target t
refused "swd-ticket: unknown option '--devic'; did you mean '--device'? See 'swd-ticket list --help'." swd-ticket list --devic pos-1
refused "swd-ingest: unknown option '--rejetcs'; did you mean '--rejects'? See 'swd-ingest --help'." swd-ingest --rejetcs r.jsonl
refused "swd-queue: unknown option '--stat'; did you mean '--state'? See 'swd-queue --help'." swd-queue --stat s.db list
# Nothing near: the commands are listed.
refused "swd-queue: unknown command 'frobnicate' (commands: submit, pull-request, login, run, list, show, hold, release, requeue, delete, flush, events, ack, send, alerts, undo, targets, packages). See 'swd-queue --help'." swd-queue frobnicate
[[ ! -e $SWD_STATE ]] || fail "a refused command line touched the state file"

# swd-ticket's files: a word that is an existing file is read, even when it looks like a typo.
: >lsit
swd-ticket lsit >out.jsonl || fail "swd-ticket on a file named lsit: exit $?"
# A missing file far from any command is still the file error of process.
expect_status 6 swd-ticket no-such-alerts.jsonl 2>err.txt
assert_contains err.txt "no-such-alerts.jsonl"
