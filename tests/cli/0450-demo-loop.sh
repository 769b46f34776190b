#!/usr/bin/env bash
# The main job end to end (issue 6, done-when 5 and 6): examples/demo.sh runs the relay server
# (swd-queue, swd-redist) and the service center (swd-ingest, swd-validate, swd-ticket) with
# separate state files joined by pipes, real SMTP on loopback, and must end with every endpoint
# holding both packages and every failed record resolved. It must also leave nothing behind.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

export TMPDIR="$T/tmp"
mkdir -p "$TMPDIR"
"$SRC/examples/demo.sh" "$SWD_BIN_DIR" >demo.out 2>demo.err || {
    cat demo.out demo.err >&2
    fail "demo did not close the loop"
}
assert_contains demo.out "Every endpoint holds both packages; every failed job is resolved."
assert_contains demo.out "--target pos-0004:replace"
assert_contains demo.out "--redist-of D-"
grep -q "pos-0004   pkg-a-1.2 pkg-b-3.4" demo.out || fail "pos-0004 lacks the packages"
grep -q "failed records still open    0" demo.out || fail "failed records left open"
[[ -z $(ls -A "$TMPDIR") ]] || fail "demo left files behind: $(ls -A "$TMPDIR")"
