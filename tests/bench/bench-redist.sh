#!/usr/bin/env bash
# swd-redist --dry-run: find and rebuild 1,000 failed jobs in 1 GB of distribution logs (a
# current file and `.1` plain, `.2.gz` .. `.5.gz` compressed, as logrotate with delaycompress
# leaves them; every file in the window), against ripgrep doing only the finding: `rg -F -f
# ids.txt` over the plain files and `zcat | rg -F -f ids.txt` for the compressed ones, in the same
# run. SWD_BENCH_MB sets the uncompressed size (default 1024).
set -euo pipefail
MB=${SWD_BENCH_MB:-1024}
JOBS=1000
dir=$(mktemp -d "${TMPDIR:-/tmp}/swd-bench-redist.XXXXXX")
trap '[[ -n ${SWD_BENCH_KEEP:-} ]] || rm -rf "$dir"' EXIT
cd "$dir"
mkdir logs
cat >swd.toml <<TOML
[queue]
packages = "$dir/store"
spool = "$dir/spool"
log = "$dir/logs/distribution.log"
server = "relay-a"
[alerts]
to = ["service-center@example.com"]
TOML
export SWD_CONFIG=$dir/swd.toml SWD_STATE=$dir/state.db

# Six files, oldest first, each a sixth of the size; in each, distributions with a received line,
# start and result lines for eight targets and their queue moves. 1,000 of them, spread over
# every file, failed on one target: their failed records go to failed.jsonl, their ids to ids.txt.
/usr/bin/python3 - "$MB" "$JOBS" <<'PY'
import datetime, json, os, random, sys
mb, jobs = int(sys.argv[1]), int(sys.argv[2])
random.seed(42)
names = ["logs/distribution.log.5", "logs/distribution.log.4", "logs/distribution.log.3",
         "logs/distribution.log.2", "logs/distribution.log.1", "logs/distribution.log"]
start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=6)
span = 6 * 86400

def dist_lines(n, total, bad):
    """The lines of distribution n; `bad`: the index of the target that failed, or -1."""
    t = start + datetime.timedelta(seconds=span * n / total)
    ts, day = t.strftime("%Y-%m-%dT%H:%M:%SZ"), t.strftime("%Y%m%d")
    dist = "D-%s-%06d" % (day, n)
    targets = ["pos-%05d" % random.randrange(100000) for _ in range(8)]
    cmd = ("swd-queue submit --dist %s --package pkg-a-1.2 --package pkg-b-3.4 %s "
           "--retry-interval 15m --origin master-1" % (dist, " ".join(
               "--target " + x + (":replace" if i == 0 else "") for i, x in enumerate(targets))))
    lines = ['ts=%s dist=%s event=received origin=master-1 mode=push packages=pkg-a-1.2,pkg-b-3.4 '
             'targets=%s cmd="%s"' % (ts, dist, ",".join(targets), cmd)]
    record = None
    for i, x in enumerate(targets):
        req = "R-%s-%06d" % (day, n * 8 + i)
        if i == bad:
            lines.append('ts=%s dist=%s event=result request=%s target=%s package=pkg-a-1.2 '
                         'result=failed failure=connection detail="connect timed out after 10 s"'
                         % (ts, dist, req, x))
            lines.append("ts=%s dist=%s event=queue request=%s target=%s queue=abort "
                         "last_package=pkg-a-1.2" % (ts, dist, req, x))
            record = {"type": "failed", "v": 1, "dist": dist, "server": "relay-a", "device": x,
                      "package": "pkg-a-1.2", "failed_at": ts, "alert": "A-%06d" % n, "status": "open"}
            continue
        for p in ("pkg-a-1.2", "pkg-b-3.4"):
            lines.append("ts=%s dist=%s event=result request=%s target=%s package=%s result=success "
                         "install_id=%012x" % (ts, dist, req, x, p, random.getrandbits(48)))
    return "\n".join(lines) + "\n", dist, record

# As many distributions as fill the size, a sixth in each file; 1,000 of them failed.
sample = len(dist_lines(0, 1, -1)[0])
total = mb * 1024 * 1024 // sample
per_file = -(-total // len(names))
failed = set(random.sample(range(total), jobs))
with open("failed.jsonl", "w") as failed_out, open("ids.txt", "w") as ids_out:
    for fi, name in enumerate(names):
        with open(name, "w") as f:
            buf = []
            for n in range(fi * per_file, min(total, (fi + 1) * per_file)):
                text, dist, record = dist_lines(n, total, random.randrange(8) if n in failed else -1)
                buf.append(text)
                if record:
                    failed_out.write(json.dumps(record) + "\n")
                    ids_out.write(dist + "\n")
                if len(buf) >= 2000:
                    f.write("".join(buf))
                    buf = []
            f.write("".join(buf))
        end = (start + datetime.timedelta(seconds=span * min(total, (fi + 1) * per_file) / total)).timestamp()
        os.utime(name, (end, end))
PY
for n in 2 3 4 5; do gzip "logs/distribution.log.$n"; done
jobs_n=$(wc -l <failed.jsonl)
plain_mb=$(du -cm logs/distribution.log logs/distribution.log.1 | tail -1 | cut -f1)
gz_mb=$(du -cm logs/*.gz | tail -1 | cut -f1)
plain_raw_mb=$(( $(cat logs/distribution.log logs/distribution.log.1 | wc -c) / 1048576 ))
raw_mb=$(( plain_raw_mb + $(zcat logs/*.gz | wc -c) / 1048576 ))
echo "data: ${raw_mb} MiB of log lines: ${plain_mb} MiB plain (current, .1) + ${gz_mb} MiB gzip (.2.gz..5.gz); $jobs_n failed jobs"
cat logs/* >/dev/null  # both sides start with the files in the page cache

measure() {
    local out=$1
    shift
    /usr/bin/time -f '%e %M' -o "$out.time" "$@" >"$out.stdout" 2>"$out.stderr"
    tail -1 "$out.time"  # after "Command exited with non-zero status N", if any
}
read -r swd_s swd_kb < <(measure swd swd-redist --dry-run --since 8d --log-dir logs failed.jsonl || true)
found=$(grep -c '"status":"dry-run"' swd.stdout || true)
[[ $found == "$jobs_n" ]] || { echo "swd-redist: only $found of $jobs_n jobs rebuilt" >&2; tail -3 swd.stderr >&2; exit 1; }
read -r rg_s rg_kb < <(measure rg sh -c '
    rg -F -f ids.txt logs/distribution.log.1 logs/distribution.log
    for f in logs/distribution.log.5.gz logs/distribution.log.4.gz logs/distribution.log.3.gz logs/distribution.log.2.gz; do
        zcat "$f" | rg -F -f ids.txt
    done')
rg_lines=$(wc -l <rg.stdout)
# The plain files alone, where ripgrep is at its best (no zcat in front of it).
read -r swdp_s swdp_kb < <(measure swdp swd-redist --dry-run --since 8d --log logs/distribution.log.1 \
    --log logs/distribution.log failed.jsonl || true)
read -r rgp_s rgp_kb < <(measure rgp rg -F -f ids.txt logs/distribution.log.1 logs/distribution.log)

/usr/bin/python3 - "$raw_mb" "$jobs_n" "$swd_s" "$swd_kb" "$rg_s" "$rg_kb" "$rg_lines" "$swdp_s" "$rgp_s" "$plain_raw_mb" <<'PY'
import sys
mb, jobs = int(sys.argv[1]), int(sys.argv[2])
swd_s, swd_kb, rg_s, rg_kb, rg_lines = float(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
swdp_s, rgp_s, plain_mb = float(sys.argv[8]), float(sys.argv[9]), int(sys.argv[10])
print(f"swd-redist --dry-run (find + rebuild {jobs} jobs): {swd_s:.2f} s, {mb / max(swd_s, 1e-3):.0f} MiB/s, peak RSS {swd_kb / 1024:.1f} MiB")
print(f"rg -F -f ids.txt + zcat | rg (find only, {rg_lines} lines): {rg_s:.2f} s, {mb / max(rg_s, 1e-3):.0f} MiB/s, peak RSS {rg_kb / 1024:.1f} MiB")
print(f"ratio (swd speed / ripgrep speed): {rg_s / max(swd_s, 1e-3):.2f} (goal >= 0.5)")
print(f"plain files only ({plain_mb} MiB): swd-redist {swdp_s:.2f} s, rg {rgp_s:.2f} s, ratio {rgp_s / max(swdp_s, 1e-3):.2f}")
PY
