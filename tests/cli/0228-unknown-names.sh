#!/usr/bin/env bash
# Unknown names are refused the same way everywhere, with the nearest known one (issue 14,
# item 6): failure types, devices, buildings, targets and packages; a target given twice; a
# package that queued requests still use is not removed.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

# refused STATUS "LINE" COMMAND... — COMMAND exits STATUS with exactly LINE on stderr.
refused() {
    local status=$1 want=$2
    shift 2
    expect_status "$status" "$@" 2>err.txt
    assert_eq "$want" "$(cat err.txt)" "'$*'"
}

swd-ticket devices import "$SRC/examples/devices.csv" 2>/dev/null
refused 2 "swd-ticket: unknown failure type 'conection'; did you mean 'connection'?" \
    swd-ticket thresholds set conection 2
refused 2 "swd-ticket: unknown failure type 'diks'; did you mean 'disk'?" \
    swd-ticket paging on relay-a --failure diks
refused 2 "swd-ticket: unknown device 'relay-q'; did you mean 'relay-a'?" \
    swd-ticket outages add relay-q --until 2h
refused 2 "swd-ticket: unknown device 'pos-9999' (known: pos-0041, pos-0042, pos-0044, pos-0046, pos-0050, pos-0053, relay-a, relay-b, relay-c, relay-d, ...)" \
    swd-ticket thresholds set timeout 2 --device pos-9999
refused 2 "swd-ticket: unknown building 'Building 99'; did you mean 'Building 12'?" \
    swd-ticket buildings set "Building 7" --served-by "Building 99"
swd-ticket thresholds set timeout 2 --device relay-a
swd-ticket buildings set "Annex" --served-by "Building 12"
swd-ticket thresholds list | grep -q "\"name\":\"relay-a\"" || fail "no rule for a known device"
# A type of the site's own, far from every built-in one, is taken from the configuration.
printf '[ticket.thresholds]\npower = 2\n' >>"$SWD_CONFIG"
swd-ticket thresholds set power 3 --device relay-a
printf '[ticket.thresholds]\nconection = 2\n' >typo.toml
refused 3 "swd-ticket: ticket.thresholds.conection: unknown failure type 'conection'; did you mean 'connection'?" \
    swd-ticket --config typo.toml list

queue_config
swd-queue packages add "$SRC/examples/packages/pkg-a-1.2" >/dev/null
swd-queue targets add pos-1 --transport "local:$T/ep/pos-1" >/dev/null
refused 2 "swd-queue: unknown package 'pkg-a-1.3'; did you mean 'pkg-a-1.2'? (add it with swd-queue packages add)" \
    swd-queue submit --dist D-1 --package pkg-a-1.3 --target pos-1
refused 2 "swd-queue: unknown target 'pos-2'; did you mean 'pos-1'? (register it with swd-queue targets add)" \
    swd-queue submit --dist D-1 --package pkg-a-1.2 --target pos-2
refused 2 "swd-queue: target 'pos-1' given twice (one request per target)" \
    swd-queue submit --dist D-1 --package pkg-a-1.2 --target pos-1 --target pos-1:replace
assert_eq 0 "$(swd-queue list | wc -l)" "nothing queued by a refused submit"
swd-queue submit --dist D-1 --package pkg-a-1.2 --target pos-1 --not-before 1h >/dev/null
refused 1 "swd-queue: pkg-a-1.2: 1 request(s) still queued use it" swd-queue packages remove pkg-a-1.2
swd-queue packages list | grep -q pkg-a-1.2 || fail "a package in use was removed"
