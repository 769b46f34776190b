#!/usr/bin/env bash
# A manifest whose <FILE> holds 100,000 nested elements (issue 12, item 2) is refused in one
# line with the documented limit (256 levels), not a crash; 200 levels are read as before.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"
queue_config

make_package() {
    local dir=$1 depth=$2
    mkdir -p "$dir/payload"
    echo data >"$dir/payload/f"
    $PY - "$dir" "$depth" "$(sha256sum "$dir/payload/f" | cut -d' ' -f1)" <<'PYEOF'
import sys
d, depth, sha = sys.argv[1], int(sys.argv[2]), sys.argv[3]
inner = "<X>" * depth + "</X>" * depth
open(d + "/swd-package.xml", "w").write(
    f'<SOFTPKG NAME="{d}" VERSION="1"><IMPLEMENTATION><CODEBASE>'
    f'<FILE SOURCE="payload/f" DESTINATION="etc/f" SHA256="{sha}">{inner}'
    '<ACL Attrib="RW" Name="$USER"/></FILE></CODEBASE></IMPLEMENTATION></SOFTPKG>')
PYEOF
}

make_package deep 100000
rc=0
swd-queue packages add deep 2>err || rc=$?
[[ $rc == 2 || $rc == 6 ]] || fail "packages add of a 100,000-level manifest exited $rc"
assert_eq 1 "$(wc -l <err)" "lines on stderr"
assert_contains err "elements nested deeper than 256 levels"
[[ ! -e "$T/store/deep-1" ]] || fail "the deep package was stored"

make_package shallow 200
swd-queue packages add shallow 2>err || fail "packages add of a 200-level manifest: $(cat err)"
[[ -e "$T/store/shallow-1" ]] || fail "the 200-level package was not stored"
