#!/usr/bin/env bash
# Done when 6: the man page (every subcommand and option of --list-options documented, scdoc
# builds it), swd-records(5) with request and event, swd.toml(5) with [queue] (every key of
# --print-config), the completions, the example packages (valid, verified) and the systemd unit.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

page=$SRC/man/swd-queue.1.scd
check_man_page swd-queue "# CONFIGURATION" "# PACKAGES"

# Every [queue] key, in the man page and in swd.toml(5).
check_config_keys swd-queue queue
assert_eq 15 "$(wc -l <keys)" "[queue] keys printed"

# The example packages verify, and the systemd unit runs the daemon.
cat >>"$SWD_CONFIG" <<EOF
[queue]
packages = "$T/store"
[alerts]
to = ["ops@example.com"]
EOF
swd-queue packages add "$SRC/examples/packages/pkg-a-1.2" "$SRC/examples/packages/pkg-b-3.4" >pkgs.jsonl
assert_eq "pkg-a-1.2 pkg-b-3.4" "$(json_get pkgs.jsonl '" ".join(p["id"] for p in r)')" "example packages"
assert_eq "['install:pkg-a-1.2']" "$(json_get pkgs.jsonl 'r[1]["dependencies"]')" "pkg-b needs pkg-a"
grep -qx 'ExecStart=/usr/local/bin/swd-queue run --daemon' "$SRC/examples/systemd/swd-queue.service" ||
    fail "systemd unit does not run the daemon"
grep -qx 'SuccessExitStatus=7' "$SRC/examples/systemd/swd-queue.service" || fail "systemd unit: exit 7 on stop"
