#!/usr/bin/env bash
# swd-queue undo TARGET PACKAGE: after a package was installed on a local: target, undo restores
# the files it replaced byte-identical with their modes and modification times, and removes the
# files and directories that did not exist before; it is logged and raised as an event. A second
# undo says "not installed" (exit 1); an exec target or an unknown one is a usage error.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

queue_config
cat >>"$SWD_CONFIG" <<EOF
[alerts]
to = ["ops@example.com"]
[smtp]
url = "smtp://127.0.0.1:1"
EOF

# A package that replaces two files (one of them with a backup location), adds a directory with
# an executable, and adds a file to an existing directory. No scripts: the tree is all its own.
mkdir -p pkg/payload
printf 'new config\n' >pkg/payload/app.conf
printf '#!/bin/sh\necho tool\n' >pkg/payload/tool
printf 'new motd\n' >pkg/payload/motd
printf 'data\n' >pkg/payload/data.txt
sum() { sha256sum "pkg/payload/$1" | cut -d' ' -f1; }
cat >pkg/swd-package.xml <<XML
<SOFTPKG NAME="app" VERSION="2.0"><IMPLEMENTATION><CODEBASE>
<FILE SOURCE="payload/app.conf" DESTINATION="etc/app.conf" BACKUP="var/backups/app" SHA256="$(sum app.conf)">
  <ACL Attrib="RW" Name="\$USER"/><ACL Attrib="R" Group="\$GROUP"/><ACL Attrib="R" Name="\$OTHER"/></FILE>
<FILE SOURCE="payload/motd" DESTINATION="etc/motd" SHA256="$(sum motd)"/>
<FILE SOURCE="payload/tool" DESTINATION="opt/app/bin/tool" SHA256="$(sum tool)">
  <ACL Attrib="RWX" Name="\$USER"/><ACL Attrib="RX" Group="\$GROUP"/></FILE>
<FILE SOURCE="payload/data.txt" DESTINATION="srv/data.txt" SHA256="$(sum data.txt)"/>
</CODEBASE></IMPLEMENTATION></SOFTPKG>
XML
swd-queue packages add pkg >/dev/null

root=ep/pos-1
mkdir -p "$root/etc" "$root/srv"
printf 'old config\nwith local changes\n' >"$root/etc/app.conf"
chmod 0600 "$root/etc/app.conf"
printf 'old motd\n' >"$root/etc/motd"
chmod 0664 "$root/etc/motd"
printf 'untouched\n' >"$root/etc/other"
touch -d '2020-01-02 03:04:05' "$root/etc/app.conf" "$root/etc/motd" "$root/etc/other"
swd-queue targets add pos-1 --transport "local:$T/$root" >/dev/null
swd-queue targets add x1 --transport exec --install-cmd "/bin/true {package}" >/dev/null

# snapshot ROOT: every entry's type, mode and path, and each file's size, mtime and sha256.
snapshot() {
    (cd "$1" && find . -path ./var/lib/swd -prune -o -printf '%y %m %p\n' | sort &&
        find . -path ./var/lib/swd -prune -o -type f -printf '%s %TY-%Tm-%Td %TT %p\n' | sort &&
        find . -path ./var/lib/swd -prune -o -type f -exec sha256sum {} + | sort)
}
snapshot "$root" >before.txt

swd-queue submit --dist D-UNDO --package app-2.0 --target pos-1 >/dev/null
swd-queue run --once >/dev/null
assert_eq "new config" "$(cat "$root/etc/app.conf")" "installed"
assert_eq 644 "$(stat -c %a "$root/etc/app.conf")" "installed mode"
[[ -x $root/opt/app/bin/tool ]] || fail "tool not installed"
snapshot "$root" >installed.txt
cmp -s before.txt installed.txt && fail "the install changed nothing"

expect_status 0 swd-queue undo pos-1 app-2.0 >undo.jsonl
assert_eq "undo pos-1 app-2.0 undone" \
    "$(json_get undo.jsonl '" ".join(r[0][k] for k in ("type", "target", "package", "result"))')" "undo record"
install_id=$(json_get undo.jsonl 'r[0]["install_id"]')
[[ -n $install_id ]] || fail "no install id"
snapshot "$root" >after.txt
# Exactly as before, but for the installer's own state on the target (ROOT/var/lib/swd, where
# the install records live) and the directories that hold it.
assert_eq "> d 755 ./var|> d 755 ./var/lib" "$(diff before.txt after.txt | grep '^[<>]' | paste -sd'|')" \
    "undo restored the root exactly"
assert_eq "swd" "$(ls "$root/var/lib")" "only the installer's state is left in var/lib"
[[ ! -e $root/opt ]] || fail "opt/ did not exist before and is still there"
[[ ! -e $root/var/backups/app ]] || fail "the backup is left behind"
assert_eq "old config|with local changes" "$(paste -sd'|' "$root/etc/app.conf")" "content"

# Logged with the install's distribution, raised as an event.
grep -q "dist=D-UNDO event=undo target=pos-1 package=app-2.0 result=undone install_id=$install_id\$" distribution.log ||
    { cat distribution.log >&2; fail "undo not logged"; }
assert_eq "SWD_Undo HARMLESS False D-UNDO pos-1 app-2.0" \
    "$(swd-queue events | json_get /dev/stdin '" ".join(str(r[-1][k]) for k in ("class", "severity", "open", "dist", "target", "package"))')" \
    "undo event"

# Again: not installed (exit 1), nothing changed; --dry-run says what it would do.
expect_status 1 swd-queue undo pos-1 app-2.0 >again.jsonl
assert_eq not_installed "$(json_get again.jsonl 'r[0]["result"]')" "second undo"
snapshot "$root" >again.txt
cmp -s after.txt again.txt || fail "the second undo changed the root"
expect_status 1 swd-queue --dry-run undo pos-1 app-2.0 >/dev/null
swd-queue requeue "$(swd-queue list | json_get /dev/stdin 'r[0]["id"]')" >/dev/null
swd-queue run --once >/dev/null
assert_eq would_undo "$(swd-queue --dry-run undo pos-1 app-2.0 | json_get /dev/stdin 'r[0]["result"]')" "dry run"
assert_eq "new config" "$(cat "$root/etc/app.conf")" "--dry-run changed nothing"

expect_status 2 swd-queue undo x1 app-2.0 2>exec.err
assert_contains exec.err "only local: targets are undone"
expect_status 2 swd-queue undo nobody app-2.0 2>/dev/null
expect_status 2 swd-queue undo pos-1 '../etc' 2>/dev/null
expect_status 2 swd-queue undo pos-1 2>/dev/null

# Every record printed above is described in swd-records(5).
check_documented undo.jsonl
