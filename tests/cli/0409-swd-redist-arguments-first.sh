#!/usr/bin/env bash
# swd-redist checks its arguments before it touches the state file (issue 12, item 7): a
# missing --log (exit 3), a bad --since (exit 2), a bad --dist (exit 2), with and without
# --dry-run, leave no state file behind, and an existing one without swd-redist's tables.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"
. "$SRC/tests/cli/redist/setup.sh"

for dry in "" --dry-run; do
    rm -f "$SWD_STATE"*
    expect_status 3 swd-redist $dry --yes --log "$T/no-such.log" 2>err
    assert_eq 1 "$(wc -l <err)" "one line for a missing log ($dry)"
    assert_contains err "no-such.log: no such log file"
    expect_status 2 swd-redist $dry --yes --since yesterday-ish 2>err
    expect_status 2 swd-redist $dry --yes --dist 'D-1;rm' 2>err
    [[ ! -e $SWD_STATE ]] || fail "a state file was made by refused arguments ($dry)"
done

sqlite3 "$SWD_STATE" "CREATE TABLE other(x)"
expect_status 3 swd-redist --yes --log "$T/no-such.log" 2>err
assert_eq other "$(sqlite3 "$SWD_STATE" ".tables")" "tables after a refused run"
