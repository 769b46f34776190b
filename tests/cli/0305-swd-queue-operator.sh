#!/usr/bin/env bash
# The operator's side: not-before scheduling, hold/release/requeue/delete/flush with ids as
# arguments or on stdin (ids or JSONL records), trusted pull with --packages-from, --dry-run,
# events filters and show.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

queue_config
cat >>"$SWD_CONFIG" <<EOF
push_retries = 0
pull_retries = 0
[alerts]
to = ["ops@example.com"]
[smtp]
url = "smtp://127.0.0.1:1"
EOF
swd-queue packages add "$SRC/examples/packages/pkg-a-1.2" >/dev/null
printf '#!/bin/sh\necho "$1 $2" >>"%s/installed.log"\n' "$T" >install.sh
chmod +x install.sh
swd-queue targets add t1 t2 t3 --transport exec --install-cmd "$T/install.sh {target} {package}" >/dev/null
swd-queue targets add gone --transport "local:$T/nowhere" >/dev/null

# --dry-run shows the requests and stores nothing, logs nothing.
swd-queue --dry-run submit --dist D-0 --package pkg-a-1.2 --target t1 >dry.jsonl
assert_eq incoming "$(json_get dry.jsonl 'r[0]["queue"]')" "dry-run record"
assert_eq 0 "$(swd-queue list | wc -l)" "dry-run stored nothing"
[[ ! -s distribution.log ]] || fail "dry-run logged"

# Not before one hour from now: nothing runs yet.
swd-queue submit --dist D-1 --package pkg-a-1.2 --target t1 --target t2 --target t3 --not-before 1h >sub.jsonl
r1=$(json_get sub.jsonl 'r[0]["id"]') r2=$(json_get sub.jsonl 'r[1]["id"]') r3=$(json_get sub.jsonl 'r[2]["id"]')
swd-queue run --once >events.jsonl
assert_eq 0 "$(wc -l <events.jsonl)" "nothing due"
swd-queue --dry-run run >due.jsonl
assert_eq 0 "$(wc -l <due.jsonl)" "dry-run run: nothing due"

# hold (argument), delete (stdin id), requeue (stdin JSONL record) with a past not-before.
swd-queue hold "$r1" >held.jsonl
assert_eq "hold True" "$(json_get held.jsonl 'r[0]["queue"] + " " + str(r[0]["held"])')" "held"
expect_status 6 swd-queue flush "$r1" 2>err
assert_contains err "held (release it first)"
echo "$r3" | swd-queue delete >/dev/null
assert_eq 2 "$(swd-queue list | wc -l)" "deleted"
expect_status 1 swd-queue show "$r3" 2>/dev/null
swd-queue list --target t2 | swd-queue requeue >requeued.jsonl
assert_eq "$r2 incoming" "$(json_get requeued.jsonl 'r[0]["id"] + " " + r[0]["queue"]')" "requeued from JSONL"
swd-queue run --once >events.jsonl
assert_eq "t2 pkg-a-1.2" "$(cat installed.log)" "only the requeued request ran"
swd-queue release "$r1" >/dev/null
swd-queue run --once >/dev/null
assert_eq 2 "$(wc -l <installed.log)" "released request ran"
expect_status 6 swd-queue hold "$r1" 2>err
assert_contains err "already finished (done)"

# A failure with no retries aborts; requeue restores the retries; flush is for waiting requests.
swd-queue submit --dist D-2 --package pkg-a-1.2 --target gone --push-retries 1 >gone.jsonl
rg=$(json_get gone.jsonl 'r[0]["id"]')
expect_status 6 swd-queue run --once >/dev/null 2>&1
swd-queue show "$rg" >show.jsonl
assert_eq "hold 0" "$(json_get show.jsonl 'r[0]["queue"] + " " + str(r[0]["push_left"])')" "after a failure"
swd-queue flush >flushed.jsonl  # no ids, stdin a terminal or not: every waiting request
assert_eq "$rg" "$(json_get flushed.jsonl 'r[0]["id"]')" "flushed"
expect_status 6 swd-queue run --once >/dev/null 2>&1
assert_eq abort "$(swd-queue show "$rg" | json_get /dev/stdin 'r[0]["queue"]')" "aborted"
swd-queue list --queue abort | swd-queue requeue >/dev/null
assert_eq "incoming 1" "$(swd-queue show "$rg" | json_get /dev/stdin 'r[0]["queue"] + " " + str(r[0]["push_left"])')" \
    "requeued with its retries"

# Trusted pull: the endpoint's own list, from a file with comments.
printf '# what t3 wants\npkg-a-1.2\n' >wanted
swd-queue pull-request --endpoint t3 --packages-from wanted >pull.jsonl
assert_eq "trusted-pull incoming" "$(json_get pull.jsonl 'r[0]["mode"] + " " + r[0]["queue"]')" "trusted pull"
grep -q 'event=received origin=t3 mode=trusted-pull packages=pkg-a-1.2 targets=t3' distribution.log ||
    fail "trusted pull not logged"
swd-queue run --once >/dev/null 2>&1 || true
assert_eq done "$(swd-queue show "$(json_get pull.jsonl 'r[0]["id"]')" | json_get /dev/stdin 'r[0]["queue"]')" \
    "trusted pull done"

# Event filters.
swd-queue events --request "$r2" >ev.jsonl
assert_eq "SWD_Received SWD_Operator SWD_List_Start SWD_Start SWD_Success SWD_List_Success" \
    "$(json_get ev.jsonl '" ".join(e["class"] for e in r)')" "events of one request"
assert_eq 0 "$(swd-queue events --since 2099-01-01 | wc -l)" "--since a future date"
expect_status 2 swd-queue events --since yesterday-ish 2>/dev/null
expect_status 2 swd-queue list --queue nonsense 2>/dev/null
expect_status 2 swd-queue 2>/dev/null
