#!/usr/bin/env bash
# swd-redist --dry-run: find and rebuild 1,000 failed jobs in 1 GB (1024 MiB of uncompressed log
# lines) of distribution logs (a current file and `.1` plain, `.2.gz` .. `.5.gz` compressed, as
# logrotate with delaycompress leaves them; every file in the window), against ripgrep doing
# only the finding: `rg -F -f ids.txt` over the plain files and `zcat | rg -F -f ids.txt` for the
# compressed ones, in the same run. The result is checked, not only timed: swd-redist must exit
# 0 and rebuild every one of the jobs exactly as the generator expects (the new command word by
# word, and the recipients); otherwise the benchmark fails (exit 1). SWD_BENCH_MB sets the
# uncompressed size (default 1024).
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
    targets = ["pos-%05d" % x for x in random.sample(range(100000), 8)]
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
            # The original words, the new id and --redist-of after --dist, only this --target.
            words, argv = cmd.split(), []
            for j, w in enumerate(words):
                if w == "--target" or (j > 0 and words[j - 1] == "--target" and w.split(":")[0] != x):
                    continue
                if j > 0 and words[j - 1] == "--target":
                    argv.append("--target")
                argv.append(w)
                if j > 0 and words[j - 1] == "--dist":
                    argv[-1] = dist + "-R1"
                    argv += ["--redist-of", dist]
            record["expect"] = {"dist": dist, "argv": argv, "recipients": [x]}
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
with open("failed.jsonl", "w") as failed_out, open("ids.txt", "w") as ids_out, \
        open("failed-plain.jsonl", "w") as plain_out, open("expected.jsonl", "w") as expect_out:
    for fi, name in enumerate(names):
        with open(name, "w") as f:
            buf = []
            for n in range(fi * per_file, min(total, (fi + 1) * per_file)):
                text, dist, record = dist_lines(n, total, random.randrange(8) if n in failed else -1)
                buf.append(text)
                if record:
                    expect_out.write(json.dumps(record.pop("expect")) + "\n")
                    failed_out.write(json.dumps(record) + "\n")
                    if not name.endswith(("log.2", "log.3", "log.4", "log.5")):
                        plain_out.write(json.dumps(record) + "\n")
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
echo "data: ${raw_mb} MiB of uncompressed log lines (SWD_BENCH_MB=$MB; the goal's \"1 GB\" is 1024 MiB of uncompressed lines): ${plain_mb} MiB plain (current, .1) + ${gz_mb} MiB gzip on disk (.2.gz..5.gz); $jobs_n failed jobs"
[[ $jobs_n == "$JOBS" ]] || { echo "bench-redist: the generator made $jobs_n failed jobs, not $JOBS" >&2; exit 1; }
cat logs/* >/dev/null  # both sides start with the files in the page cache

# measure NAME COMMAND...: times COMMAND (stdout and stderr to NAME.stdout and NAME.stderr) and
# prints "SECONDS PEAK_KB STATUS".
measure() {
    local out=$1 status=0
    shift
    /usr/bin/time -f '%e %M' -o "$out.time" "$@" >"$out.stdout" 2>"$out.stderr" || status=$?
    echo "$(tail -1 "$out.time") $status"  # after "Command exited with non-zero status N", if any
}
# verify NAME FAILED_RECORDS: swd-redist exited 0 and rebuilt every job of FAILED_RECORDS exactly
# as expected.jsonl says, and nothing else.
verify() {
    local name=$1 records=$2 status=$3
    if [[ $status != 0 ]]; then
        echo "bench-redist: swd-redist ($name) exited $status" >&2
        tail -5 "$name.stderr" >&2
        exit 1
    fi
    /usr/bin/python3 - "$name.stdout" "$records" expected.jsonl <<'PY' || exit 1
import json, sys
out, records, expected = sys.argv[1:]
want_dists = [json.loads(l)["dist"] for l in open(records)]
expect = {}
for l in open(expected):
    e = json.loads(l)
    expect[e["dist"]] = e
got = [json.loads(l) for l in open(out)]
redist = [r for r in got if r["type"] == "redist"]
bad = []
if sorted(r["dist"] for r in redist) != sorted(want_dists):
    bad.append("jobs: %d records for %d failed jobs" % (len(redist), len(want_dists)))
for r in redist:
    e = expect.get(r["dist"])
    if r["status"] != "dry-run":
        bad.append("%s: status %s (%s)" % (r["dist"], r["status"], r.get("reason", "")))
    elif e is None or r["argv"] != e["argv"] or r["recipients"] != e["recipients"] or \
            r["new_dist"] != r["dist"] + "-R1":
        bad.append("%s: rebuilt %s for %s, expected %s for %s" % (r["dist"], r["argv"], r["recipients"],
                   e and e["argv"], e and e["recipients"]))
if bad:
    sys.exit("bench-redist: %s: %d problem(s), first: %s" % (out, len(bad), "; ".join(bad[:3])))
print("verified: %d of %d jobs found and rebuilt exactly (argv and recipients of each)"
      % (len(redist), len(want_dists)))
PY
}

read -r swd_s swd_kb swd_status < <(measure swd swd-redist --dry-run --since 8d --log-dir logs failed.jsonl)
verify swd failed.jsonl "$swd_status"
read -r rg_s rg_kb rg_status < <(measure rg sh -c '
    rg -F -f ids.txt logs/distribution.log.1 logs/distribution.log
    for f in logs/distribution.log.5.gz logs/distribution.log.4.gz logs/distribution.log.3.gz logs/distribution.log.2.gz; do
        zcat "$f" | rg -F -f ids.txt
    done')
rg_lines=$(wc -l <rg.stdout)
# ripgrep must have found them too (a received and a failed result line per job, at least).
((rg_lines >= 2 * jobs_n)) || { echo "bench-redist: rg found only $rg_lines lines (status $rg_status)" >&2; exit 1; }
# The plain files alone, where ripgrep is at its best (no zcat in front of it): the jobs whose
# lines are in them.
plain_n=$(wc -l <failed-plain.jsonl)
read -r swdp_s swdp_kb swdp_status < <(measure swdp swd-redist --dry-run --since 8d --log logs/distribution.log.1 \
    --log logs/distribution.log failed-plain.jsonl)
verify swdp failed-plain.jsonl "$swdp_status"
read -r rgp_s rgp_kb rgp_status < <(measure rgp rg -F -f ids.txt logs/distribution.log.1 logs/distribution.log)
[[ $rgp_status == 0 ]] || { echo "bench-redist: rg (plain files) exited $rgp_status" >&2; exit 1; }

/usr/bin/python3 - "$raw_mb" "$jobs_n" "$swd_s" "$swd_kb" "$rg_s" "$rg_kb" "$rg_lines" "$swdp_s" "$rgp_s" "$plain_raw_mb" "$plain_n" <<'PY'
import sys
mb, jobs = int(sys.argv[1]), int(sys.argv[2])
swd_s, swd_kb, rg_s, rg_kb, rg_lines = float(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
swdp_s, rgp_s, plain_mb, plain_n = float(sys.argv[8]), float(sys.argv[9]), int(sys.argv[10]), int(sys.argv[11])
ratio = rg_s / max(swd_s, 1e-3)
print(f"swd-redist --dry-run (find + rebuild {jobs} jobs): {swd_s:.2f} s, {mb / max(swd_s, 1e-3):.0f} MiB/s of uncompressed log, peak RSS {swd_kb / 1024:.1f} MiB")
print(f"rg -F -f ids.txt + zcat | rg (find only, {rg_lines} lines): {rg_s:.2f} s, {mb / max(rg_s, 1e-3):.0f} MiB/s of uncompressed log, peak RSS {rg_kb / 1024:.1f} MiB")
print(f"plain files only ({plain_mb} MiB, {plain_n} jobs): swd-redist {swdp_s:.2f} s, rg {rgp_s:.2f} s, ratio {rgp_s / max(swdp_s, 1e-3):.2f}")
print(f"ratio {ratio:.2f} (goal >= 0.5): {'met' if ratio >= 0.5 else 'NOT met'}")
PY
