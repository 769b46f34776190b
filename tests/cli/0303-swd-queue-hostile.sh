#!/usr/bin/env bash
# Done when 4: hostile input. A manifest with a ../../etc/passwd destination, a symbolic link
# escape on the target, target parameters, target names and package names full of shell
# metacharacters, corrupt request files and a truncated tarball: each refused with a clear
# message, nothing written outside the roots, nothing lost, never a shell.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

store="$T/pkg store's"  # {package_dir} with a space and a quote stays one argument
cat >>"$SWD_CONFIG" <<EOF
[queue]
packages = "$store"
spool = "$T/spool"
log = "$T/distribution.log"
push_retries = 0
pull_retries = 0
[alerts]
to = ["ops@example.com"]
[smtp]
url = "smtp://127.0.0.1:1"
EOF
mkdir -p outside
sha() { sha256sum "$1" | cut -d' ' -f1; }

# 1. A manifest whose destination climbs out of the root: refused at `packages add`.
mkdir -p evil/payload
echo "root::0:0::/root:/bin/sh" >evil/payload/passwd
cat >evil/swd-package.xml <<EOF
<SOFTPKG NAME="evil" VERSION="1"><IMPLEMENTATION><CODEBASE>
<FILE SOURCE="payload/passwd" DESTINATION="../../etc/passwd" SHA256="$(sha evil/payload/passwd)"/>
</CODEBASE></IMPLEMENTATION></SOFTPKG>
EOF
expect_status 6 swd-queue packages add evil 2>err
assert_contains err "path '../../etc/passwd': '..' would leave the root"
sed -i 's|../../etc/passwd|/etc/passwd|' evil/swd-package.xml
expect_status 6 swd-queue packages add evil 2>err
assert_contains err "path '/etc/passwd': absolute paths are not allowed"
[[ ! -e "$store/evil-1" ]] || fail "evil package stored"

# 2. A symbolic link on the target that leads out of its root: the install is refused before
#    anything is written, as a package failure, and the request aborts with its alert queued.
mkdir -p linky/payload
echo "pwned" >linky/payload/x
cat >linky/swd-package.xml <<EOF
<SOFTPKG NAME="linky" VERSION="1"><IMPLEMENTATION><CODEBASE>
<FILE SOURCE="payload/x" DESTINATION="usr/share/first.txt" SHA256="$(sha linky/payload/x)"/>
<FILE SOURCE="payload/x" DESTINATION="opt/app/x" SHA256="$(sha linky/payload/x)"/>
</CODEBASE></IMPLEMENTATION></SOFTPKG>
EOF
swd-queue packages add linky >/dev/null
mkdir -p ep/pos-1
ln -s "$T/outside" ep/pos-1/opt
swd-queue targets add pos-1 --transport "local:$T/ep/pos-1" >/dev/null
swd-queue submit --dist D-LINK --package linky-1 --target pos-1 >/dev/null
expect_status 6 swd-queue run --once >events.jsonl 2>/dev/null
assert_eq "abort" "$(swd-queue list | json_get /dev/stdin 'r[0]["queue"]')" "escaping install aborted"
assert_eq "package" "$(swd-queue list | json_get /dev/stdin 'r[0]["last_failure"]')" "failure type"
assert_contains distribution.log "leaves the root"
[[ -z "$(ls -A outside)" ]] || fail "something was written outside the root"
[[ ! -e ep/pos-1/usr && ! -e ep/pos-1/var ]] || fail "something was written before the refusal"

# 3. Shell metacharacters in package names, target names and parameters: refused whole (exit 2),
#    the refusal is logged with the command, nothing is queued, nothing runs.
before=$(swd-queue list | wc -l)
expect_status 2 swd-queue submit --dist D-X --package 'pkg;touch pwned' --target pos-1 2>err
assert_contains err "package 'pkg;touch pwned': only letters, digits and . _ + - are allowed"
expect_status 2 swd-queue submit --dist D-X --package linky-1 --target $'pos-1:$(touch pwned)\n' 2>err
assert_contains err "parameter '\$(touch pwned)\\x0a': control characters (newline, tab, escape, ...) are not allowed"
expect_status 2 swd-queue submit --dist 'D-X`touch pwned`' --package linky-1 --target pos-1 2>err
assert_contains err "distribution id 'D-X\`touch pwned\`'"
expect_status 2 swd-queue targets add 'pos-2;reboot' --transport "local:$T/ep/x" 2>err
assert_contains err "target 'pos-2;reboot'"
expect_status 2 swd-queue targets add pos-2 --transport 'local:relative/dir' 2>err
assert_contains err "local: needs an absolute directory"
expect_status 2 swd-queue targets add pos-2 --transport exec --install-cmd 'install {pkgdir}' 2>err
assert_contains err "unknown placeholder {pkgdir}"
assert_eq "$before" "$(swd-queue list | wc -l)" "nothing queued"
assert_eq 3 "$(grep -c 'event=rejected' distribution.log)" "refusals logged"
grep -F 'event=rejected' distribution.log | grep -F "cmd=\"swd-queue submit --dist D-X --package 'pkg;touch pwned' --target pos-1\"" >/dev/null ||
    fail "the refused command is not logged shell-quoted"

# Values that are free text (an address) reach an exec command as one literal argument.
cat >args.sh <<'EOF'
#!/bin/sh
printf '%s\n' "$#" "$@" >"$(dirname "$0")/args.out"
EOF
chmod +x args.sh
swd-queue targets add pos-3 --transport exec --address '10.0.0.1; touch pwned $(touch pwned2)' \
    --install-cmd "$T/args.sh --address={address} {package_dir}" >/dev/null
swd-queue submit --dist D-ARGS --package linky-1 --target pos-3 >/dev/null
swd-queue run --once >/dev/null 2>&1 || true
assert_eq "2|--address=10.0.0.1; touch pwned \$(touch pwned2)|$store/linky-1" "$(paste -sd'|' args.out)" "argv"
[[ ! -e pwned && ! -e pwned2 ]] || fail "a shell ran"

# 4. Corrupt request files go to corrupt/ with a reason; a good one next to them is taken in.
mkdir -p spool/incoming spool/tmp spool/corrupt
printf 'submit --dist D-OK --package linky-1 --target pos-3\n' >spool/tmp/good && mv spool/tmp/good spool/incoming/1-good
printf "submit --dist 'D-BAD --target pos-3\n" >spool/incoming/2-quote
printf 'submit --dist D-2 --package linky-1 --target nobody\n' >spool/incoming/3-unknown
head -c 300 /dev/urandom >spool/incoming/4-binary
printf 'rm -rf /\n' >"spool/incoming/5 name with 'quotes'"
expect_status 6 swd-queue run --once >/dev/null 2>run.err
assert_contains run.err "spool file 2-quote: line 1: unterminated ' quote"
assert_contains run.err "spool file 3-unknown: line 1: unknown target 'nobody'"
assert_contains run.err "line 1: unknown command 'rm'"
for f in 2-quote 3-unknown 4-binary "5 name with 'quotes'"; do
    [[ -f "spool/corrupt/$f" && -s "spool/corrupt/$f.reason" ]] || fail "$f not kept with a reason"
done
[[ -z "$(ls -A spool/incoming)" ]] || fail "incoming not emptied"
assert_eq 1 "$(swd-queue list --dist D-OK | wc -l)" "the good spool file was taken in"
assert_eq 4 "$(swd-queue events --open | json_get /dev/stdin 'sum(1 for e in r if e["class"] == "SWD_Spool_Corrupt")')" \
    "corrupt files are open events"

# 5. A truncated tarball and one with a link in it are refused; the store is unchanged.
mkdir -p tb/pkg-t-1/payload && echo t >tb/pkg-t-1/payload/t
cat >tb/pkg-t-1/swd-package.xml <<EOF
<SOFTPKG NAME="pkg-t" VERSION="1"><IMPLEMENTATION><CODEBASE>
<FILE SOURCE="payload/t" DESTINATION="opt/t" SHA256="$(sha tb/pkg-t-1/payload/t)"/>
</CODEBASE></IMPLEMENTATION></SOFTPKG>
EOF
head -c 100000 /dev/urandom >tb/pkg-t-1/payload/bulk
tar -C tb -czf full.tar.gz pkg-t-1
head -c $(($(stat -c %s full.tar.gz) / 2)) full.tar.gz >cut.tar.gz
expect_status 6 swd-queue packages add cut.tar.gz 2>err
assert_contains err "cut.tar.gz: truncated"
ln -s /etc/passwd tb/pkg-t-1/payload/link
tar -C tb -cf link.tar pkg-t-1
expect_status 6 swd-queue packages add link.tar 2>err
assert_contains err "'pkg-t-1/payload/link' is a symbolic link: only regular files and directories are allowed"
assert_eq "linky-1" "$(ls "$store")" "store unchanged"
rm tb/pkg-t-1/payload/link
swd-queue packages add full.tar.gz >/dev/null
assert_eq "linky-1 pkg-t-1" "$(ls "$store" | paste -sd' ')" "the whole tarball is fine"

# Nothing crashed: a malformed id is just not found.
expect_status 1 swd-queue show 'R-$(reboot)'
