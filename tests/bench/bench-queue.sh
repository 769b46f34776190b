#!/usr/bin/env bash
# swd-queue run: 10,000 requests, one target each, through an exec transport whose install is
# /bin/true, --max-active 8; against the floor cost of spawning: `xargs -P 8 -n 1 /bin/true`
# over the same 10,000 items. Each request costs swd-queue a probe-free activation, one install
# spawn, five events, three distribution log lines and its state changes.
set -euo pipefail
N=${SWD_BENCH_REQUESTS:-10000}
dir=$(mktemp -d "${TMPDIR:-/tmp}/swd-bench-queue.XXXXXX")
trap 'rm -rf "$dir"' EXIT
cd "$dir"

cat >swd.toml <<TOML
[queue]
packages = "$dir/store"
spool = "$dir/spool"
log = "$dir/distribution.log"
[alerts]
to = ["ops@example.com"]
TOML
export SWD_CONFIG=$dir/swd.toml SWD_STATE=$dir/state.db

mkdir -p pkg/payload
echo bench >pkg/payload/f
cat >pkg/swd-package.xml <<XML
<SOFTPKG NAME="bench" VERSION="1"><IMPLEMENTATION><CODEBASE>
<FILE SOURCE="payload/f" DESTINATION="opt/f" SHA256="$(sha256sum pkg/payload/f | cut -d' ' -f1)"/>
</CODEBASE></IMPLEMENTATION></SOFTPKG>
XML
swd-queue packages add pkg >/dev/null
seq -f 'pos-%05g' 1 "$N" >targets
xargs swd-queue targets add --transport exec --install-cmd '/bin/true {target} {package}' <targets >/dev/null
sed 's/^/--target /' targets | xargs -n 2000 swd-queue submit --dist D-BENCH --package bench-1 >/dev/null
echo "data: $N requests queued, one target each"

measure() {
    local out=$1
    shift
    /usr/bin/time -f '%e %M' -o "$out.time" "$@" >"$out.stdout"
    cat "$out.time"
}
read -r swd_s swd_kb < <(measure swd swd-queue run --once --max-active 8)
done_n=$(swd-queue list --queue done | wc -l)
[[ $done_n == "$N" ]] || { echo "swd-queue: only $done_n of $N requests done" >&2; exit 1; }
read -r xargs_s xargs_kb < <(measure xargs sh -c "seq $N | xargs -P 8 -n 1 /bin/true")

/usr/bin/python3 - "$N" "$swd_s" "$swd_kb" "$xargs_s" "$xargs_kb" <<'PY'
import sys
n = int(sys.argv[1])
swd_s, swd_kb, xargs_s, xargs_kb = float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
swd_rate, xargs_rate = n / max(swd_s, 1e-3), n / max(xargs_s, 1e-3)
print(f"swd-queue run --max-active 8: {swd_s:.2f} s, {swd_rate:.0f} requests/s, peak RSS {swd_kb / 1024:.1f} MiB")
print(f"xargs -P 8 -n 1 /bin/true:    {xargs_s:.2f} s, {xargs_rate:.0f} spawns/s, peak RSS {xargs_kb / 1024:.1f} MiB")
print(f"ratio (swd rate / xargs rate): {swd_rate / xargs_rate:.2f} (goal >= 0.5)")
PY
