#!/usr/bin/env bash
# swd-queue run: 10,000 requests, one target each, through an exec transport whose install is
# /bin/true, --max-active 8; against the floor cost of spawning: `xargs -P 8 -n 1 /bin/true`
# over the same 10,000 items. Each request costs swd-queue a probe-free activation, one install
# spawn, five events, three distribution log lines and its state changes. The result is
# verified (every request done) before it is reported; a wrong result exits 1. Prints the rates,
# the peak RSS of both, and "ratio X (goal >= 0.5): met|NOT met". SWD_BENCH_REQUESTS=N for a
# smaller run.
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

# measure NAME COMMAND...: runs COMMAND under /usr/bin/time; prints "SECONDS PEAK_KB STATUS".
measure() {
    local out=$1 status=0
    shift
    /usr/bin/time -f '%e %M' -o "$out.time" "$@" >"$out.stdout" 2>"$out.stderr" || status=$?
    echo "$(tail -1 "$out.time") $status"
}
read -r swd_s swd_kb swd_status < <(measure swd swd-queue run --once --max-active 8)

# The result must be right before its speed means anything: every request done, none
# elsewhere, each with its list's success event, and the run itself content.
fail() {
    echo "bench-queue: FAILED: $*" >&2
    exit 1
}
[[ $swd_status == 0 ]] || { tail -5 swd.stderr >&2; fail "swd-queue run exited $swd_status"; }
done_n=$(swd-queue list --queue done | wc -l)
all_n=$(swd-queue list | wc -l)
[[ $done_n == "$N" ]] || fail "only $done_n of $N requests done"
[[ $all_n == "$N" ]] || fail "$all_n requests in the state file, expected $N"
ok_n=$(grep -c '"class":"SWD_List_Success"' swd.stdout || true)
[[ $ok_n == "$N" ]] || fail "$ok_n list successes printed, expected $N"
echo "verified: $done_n of $N requests done, $ok_n SWD_List_Success events"

read -r xargs_s xargs_kb xargs_status < <(measure xargs sh -c "seq $N | xargs -P 8 -n 1 /bin/true")
[[ $xargs_status == 0 ]] || fail "xargs exited $xargs_status"

/usr/bin/python3 - "$N" "$swd_s" "$swd_kb" "$xargs_s" "$xargs_kb" <<'PY'
import sys
n = int(sys.argv[1])
swd_s, swd_kb, xargs_s, xargs_kb = float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
swd_rate, xargs_rate = n / max(swd_s, 1e-3), n / max(xargs_s, 1e-3)
ratio = swd_rate / xargs_rate
print(f"swd-queue run --max-active 8: {swd_s:.2f} s, {swd_rate:.0f} requests/s")
print(f"xargs -P 8 -n 1 /bin/true:    {xargs_s:.2f} s, {xargs_rate:.0f} spawns/s")
print(f"peak RSS: swd-queue {swd_kb / 1024:.1f} MiB, xargs {xargs_kb / 1024:.1f} MiB")
print(f"ratio {ratio:.2f} (goal >= 0.5): {'met' if ratio >= 0.5 else 'NOT met'}")
PY
