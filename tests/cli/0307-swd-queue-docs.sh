#!/usr/bin/env bash
# Done when 6: the man page (every subcommand and option of --list-options documented, scdoc
# builds it), swd-records(5) with request and event, swd.toml(5) with [queue] (every key of
# --print-config), the completions, the example packages (valid, verified) and the systemd unit.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

page=$SRC/man/swd-queue.1.scd
if command -v scdoc >/dev/null; then
    scdoc <"$page" >swd-queue.1 || fail "scdoc rejects swd-queue.1.scd"
    scdoc <"$SRC/man/swd-records.5.scd" >/dev/null || fail "scdoc rejects swd-records.5.scd"
    scdoc <"$SRC/man/swd.toml.5.scd" >/dev/null || fail "scdoc rejects swd.toml.5.scd"
fi
swd-queue --list-options | grep -v -- '--list-options' | awk '{print $NF}' | sort -u >words
while read -r w; do
    grep -qF -- "*$w*" "$page" || fail "man page lacks *$w*"
done <words
for section in "# EXIT STATUS" "# CONFIGURATION" "# EXAMPLES" "# SEE ALSO" "# PACKAGES"; do
    grep -qx -- "$section" "$page" || fail "man page lacks $section"
done

# swd-records(5): both records with their fields.
records=$SRC/man/swd-records.5.scd
for field in '"type":"request"' '"type":"event"' '*push_left*' '*not_before*' '*severity*' '*closed_by*'; do
    grep -qF -- "$field" "$records" || fail "swd-records.5 lacks $field"
done

# swd.toml(5): every [queue] key.
swd-queue --print-config | awk '/^\[queue\]/{on=1; next} /^\[/{on=0}
    on && /^[a-z_]+ = /{print $1} on && /^# [a-z_]+ is not set$/{print $2}' >queue-keys
assert_eq 15 "$(wc -l <queue-keys)" "[queue] keys printed"
while read -r k; do
    awk '/^# \[queue\]/{on=1; next} /^# /{on=0} on' "$SRC/man/swd.toml.5.scd" | grep -qF -- "*$k*" ||
        fail "swd.toml.5 lacks [queue] $k"
done <queue-keys

# Completions.
"$SRC/tests/cli/check-completions.sh" swd-queue "$SRC/completions" || fail "completions out of date"

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
