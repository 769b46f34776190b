#!/usr/bin/env bash
# Binary or garbage input is reported with a cap (issue 14, item 11): every tool that reads JSON
# Lines says the first ten bad lines and then how many more there were, not one stderr line per
# pseudo-line, and exits with its status for bad input.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

$PY - <<'PYEOF'
import random
random.seed(14)
open("garbage.bin", "wb").write(bytes(random.randrange(256) for _ in range(100_000)))
PYEOF
lines=$($PY -c 'print(sum(1 for l in open("garbage.bin", "rb").read().split(b"\n") if l.strip()))')
[[ $lines -gt 300 ]] || fail "too few pseudo-lines in the garbage: $lines"

# capped STATUS COMMAND... — runs COMMAND on garbage.bin (stdin), checks its status and stderr.
capped() {
    local status=$1
    shift
    expect_status "$status" "$@" <garbage.bin >/dev/null 2>err.txt
    local n
    n=$(wc -l <err.txt)
    [[ $n -le 12 ]] || fail "'$*': $n lines on stderr for garbage"
    grep -qE "^[a-z-]+: \.\.\. and [0-9]+ more bad lines$" err.txt || fail "'$*': no count of the rest: $(tail -2 err.txt)"
    local said more
    said=$(grep -cE ': stdin:[0-9]+: ' err.txt || true)
    more=$(grep -oE '[0-9]+ more bad lines' err.txt | grep -oE '^[0-9]+')
    [[ $said -eq 10 ]] || fail "'$*': $said bad lines said, not the first 10"
    [[ $((said + more)) -ge $((lines / 2)) ]] || fail "'$*': $said + $more bad lines of $lines"
    if grep -q $'\e' err.txt; then fail "'$*': an escape character reached the terminal"; fi
}

printf '%s\n' example.com >domains
printf '%s\n' relay-a >nodes
capped 1 swd-validate --domains domains --nodes nodes
capped 6 swd-ticket --no-diagnostics process -
capped 6 swd-ticket resolve -
capped 6 swd-redist --yes --log-dir "$T" -
