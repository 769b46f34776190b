#!/usr/bin/env bash
# Done when 5, through the queue (undo itself is covered by the [installer] unit tests): the
# install dependency goes first, the file that changes is backed up byte for byte with its mode,
# and a second distribution of the same packages is "already installed": success, nothing
# changed, no script run.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

queue_config
cat >>"$SWD_CONFIG" <<EOF
[alerts]
to = ["ops@example.com"]
EOF
swd-queue packages add "$SRC/examples/packages/pkg-a-1.2" "$SRC/examples/packages/pkg-b-3.4" >/dev/null

mkdir -p ep/pos-7/etc
printf 'old\0binary config\n' >ep/pos-7/etc/pkg-a.conf
chmod 600 ep/pos-7/etc/pkg-a.conf
cp -p ep/pos-7/etc/pkg-a.conf original.conf
swd-queue targets add pos-7 --transport "local:$T/ep/pos-7" >/dev/null

# Only pkg-b is asked for; it needs pkg-a, which is installed first.
swd-queue submit --dist D-1 --package pkg-b-3.4 --target pos-7:replace >/dev/null
swd-queue run --once >events.jsonl
assert_eq done "$(swd-queue list | json_get /dev/stdin 'r[0]["queue"]')" "request"
assert_eq "installed pkg-a-1.2|pre pkg-b-3.4|installed pkg-b-3.4" \
    "$(cut -d' ' -f1,2 ep/pos-7/var/log/swd-packages.log | paste -sd'|')" "dependency first"
a_at=$(json_get ep/pos-7/var/lib/swd/installed/pkg-a-1.2.json 'r[0]["installed_at"]')
b_started=$(json_get ep/pos-7/var/lib/swd/installed/pkg-b-3.4.json 'r[0]["started"]')
[[ "$a_at" < "$b_started" || "$a_at" == "$b_started" ]] || fail "pkg-a finished after pkg-b started"

# The replaced config was backed up byte for byte, with its mode; the new one has the manifest's.
cmp ep/pos-7/var/backups/pkg-a/etc/pkg-a.conf original.conf || fail "backup differs"
assert_eq 600 "$(stat -c %a ep/pos-7/var/backups/pkg-a/etc/pkg-a.conf)" "backup mode"
assert_eq 640 "$(stat -c %a ep/pos-7/etc/pkg-a.conf)" "new mode from the ACL letters"
assert_eq 755 "$(stat -c %a ep/pos-7/opt/pkg-a/bin/pkg-a)" "executable from the ACL letters"

# The same packages again: already installed, nothing changed, no script ran.
find ep/pos-7 -type f -printf '%p %T@ %m\n' | sort >before.txt
swd-queue submit --dist D-2 --package pkg-a-1.2 --package pkg-b-3.4 --target pos-7 >/dev/null
swd-queue run --once >events2.jsonl
assert_eq "done done" "$(swd-queue list | json_get /dev/stdin '" ".join(x["queue"] for x in r)')" "both requests"
find ep/pos-7 -type f -printf '%p %T@ %m\n' | sort >after.txt
diff before.txt after.txt || fail "a second install changed the target"
assert_eq 2 "$(json_get events2.jsonl 'sum(1 for e in r if e["class"] == "SWD_Success" and "already installed" in e["message"])')" \
    "already-installed successes"
assert_eq 2 "$(grep -c 'dist=D-2 event=result .*result=success detail="already installed"' distribution.log)" \
    "logged as already installed"
