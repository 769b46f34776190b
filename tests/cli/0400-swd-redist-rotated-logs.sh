#!/usr/bin/env bash
# Done when 1: three distributions fail on a relay, their logs end up in the current file, in
# `.1` and in `.2.gz` (as logrotate leaves them). After the repair, `swd-redist --yes` rebuilds
# each command word for word with only the failed recipients (one that succeeded on a retry is
# left out), swd-queue installs the packages on them, and a second run sees that they completed.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

. "$SRC/tests/cli/redist/setup.sh"
swd-queue packages add "$SRC/examples/packages/pkg-a-1.2" "$SRC/examples/packages/pkg-b-3.4" >/dev/null
swd-queue targets add pos-1 pos-2 pos-3 pos-4 pos-5 pos-6 --transport "local:$T/ep/{target}" >/dev/null
mkdir -p ep/pos-1 ep/pos-2  # pos-3 .. pos-6 are down

# D-A: pos-3 fails. Its lines end up in distribution.log.2.gz.
argv_a=(swd-queue submit --dist D-A --package pkg-a-1.2 --package pkg-b-3.4 --target pos-1:replace
        --target pos-2 --target pos-3:replace,mode=safe --push-retries 0 --pull-retries 0
        --not-before "2026-01-01 00:00:00Z" --origin master-1)
"${argv_a[@]}" >/dev/null
swd-queue run --once >/dev/null 2>&1 || true
mv "$log" "$log.1"

# D-B: pos-4 fails, then succeeds on its push retry; pos-5 fails for good. In distribution.log.1.
argv_b=(swd-queue submit --dist=D-B --package pkg-a-1.2 --target pos-4:replace pos-5
        --retry-interval 1s --push-retries 1 --pull-retries 0 --origin master-1)
"${argv_b[@]}" >/dev/null
swd-queue run --once >/dev/null 2>&1 || true
mkdir -p ep/pos-4
sleep 1.1
swd-queue run --once >/dev/null 2>&1 || true
mv "$log.1" "$log.2" && gzip "$log.2" && mv "$log" "$log.1"

# D-C: pos-6 fails. In the current file.
argv_c=(swd-queue submit --dist D-C --package pkg-b-3.4 --target pos-1 --target pos-6:replace
        --push-retries 0 --pull-retries 0)
"${argv_c[@]}" >/dev/null
swd-queue run --once >/dev/null 2>&1 || true
zgrep -q 'dist=D-A event=received' "$log.2.gz" || fail "D-A is not in .2.gz"
grep -q 'dist=D-B event=received' "$log.1" || fail "D-B is not in .1"
grep -q 'dist=D-C event=received' "$log" || fail "D-C is not in the current log"

# The failed records, as `swd-ticket failed` prints them: one per failed result line.
$PY - "$log.2.gz" "$log.1" "$log" >failed.jsonl <<'PYEOF'
import gzip, json, shlex, sys
n = 0
for path in sys.argv[1:]:
    for line in (gzip.open if path.endswith(".gz") else open)(path, "rt"):
        f = dict(w.split("=", 1) for w in shlex.split(line))
        if f["event"] == "result" and f["result"] == "failed":
            n += 1
            print(json.dumps({"type": "failed", "v": 1, "dist": f["dist"], "server": "relay-a",
                              "device": f["target"], "package": f["package"], "failed_at": f["ts"],
                              "alert": "A-20261122-%06d" % n, "status": "open"}))
PYEOF
assert_eq "D-A pos-3|D-B pos-4|D-B pos-5|D-C pos-6" \
    "$(json_get failed.jsonl '"|".join(sorted({x["dist"] + " " + x["device"] for x in r}))')" "failed records"

# The repair.
mkdir -p ep/pos-3 ep/pos-5 ep/pos-6
swd-redist --yes failed.jsonl >out.jsonl 2>err.txt || fail "swd-redist: $(cat err.txt)"
assert_contains err.txt "new:        swd-queue submit --dist D-A-R1 --redist-of D-A"
assert_contains err.txt "completed: pkg-a-1.2 installed"

$PY - out.jsonl "$log" "${argv_a[@]}" --- "${argv_b[@]}" --- "${argv_c[@]}" <<'PYEOF' || fail "redist records"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
log = sys.argv[2]
argvs, cur = [], []
for w in sys.argv[3:] + ["---"]:
    if w == "---":
        argvs.append(cur)
        cur = []
    else:
        cur.append(w)
redist = [r for r in recs if r["type"] == "redist"]
assert [r["status"] for r in redist] == ["issued"] * 3, redist
assert [r["id"][:2] for r in redist] == ["X-"] * 3
# The received line of each job was found where it is.
assert [r["log"] for r in redist] == [log + ".2.gz:1", log + ".1:1", log + ":1"], [r["log"] for r in redist]

def expect(orig, dist, keep):
    # The original words with the new id, --redist-of after it, and only the kept targets.
    out, i = [], 0
    while i < len(orig):
        w = orig[i]
        if w == "--dist":
            out += [w, dist + "-R1", "--redist-of", dist]; i += 2; continue
        if w == "--dist=" + dist:
            out += ["--dist=" + dist + "-R1", "--redist-of", dist]; i += 1; continue
        if w == "--target":
            vals = []
            i += 1
            while i < len(orig) and not orig[i].startswith("--"):
                vals.append(orig[i]); i += 1
            kept = [v for v in vals if v.split(":")[0] in keep]
            if kept:
                out += ["--target"] + kept
            continue
        out.append(w); i += 1
    return out

want = {"D-A": expect(argvs[0], "D-A", {"pos-3"}), "D-B": expect(argvs[1], "D-B", {"pos-5"}),
        "D-C": expect(argvs[2], "D-C", {"pos-6"})}
for r in redist:
    assert r["argv"] == want[r["dist"]], (r["argv"], want[r["dist"]])
    assert r["new_dist"] == r["dist"] + "-R1" and r["redist_of"] == r["dist"]
assert want["D-A"][-4:-2] == ["--not-before", "2026-01-01 00:00:00Z"]
assert [r["recipients"] for r in redist] == [["pos-3"], ["pos-5"], ["pos-6"]]
assert redist[0]["left_out"] == ["pos-1", "pos-2"] and redist[1]["left_out"] == ["pos-4"]
# The line of pos-3's failed result: the three installs of D-A run at once, so their result
# lines come in any order.
import gzip
line = next(n for n, l in enumerate(gzip.open(log + ".2.gz", "rt"), 1)
            if "event=result" in l and "target=pos-3" in l and "result=failed" in l)
assert redist[0]["why"]["pos-3"].startswith("pkg-a-1.2 failed ") and \
    redist[0]["why"]["pos-3"].endswith(": connection (endpoint root %s/ep/pos-3: No such file or directory) [%s.2.gz:%d]"
                                       % (log.rsplit("/log/", 1)[0], log, line)), redist[0]["why"]
assert redist[0]["packages"] == ["pkg-a-1.2", "pkg-b-3.4"] and redist[2]["packages"] == ["pkg-b-3.4"]
resolved = [(r["dist"], r["device"], r["new_dist"], r["by"]) for r in recs if r["type"] == "resolved"]
assert resolved == [(x["dist"], x["recipients"][0], x["new_dist"], x["id"]) for x in redist], resolved
PYEOF

# The redistributions are queued as received commands, and the packages arrive.
grep -c 'event=received' "$log" | grep -qx 4 || fail "three redistributions logged as received"
swd-queue run --once >run.jsonl 2>&1 || fail "queue run after the repair"
for ep in pos-3 pos-5 pos-6; do
    [[ -f ep/$ep/opt/pkg-a/hello.txt || -f ep/$ep/opt/pkg-b/pkg-b.txt ]] || fail "$ep got nothing"
done
[[ -f ep/pos-3/opt/pkg-a/hello.txt && -f ep/pos-3/opt/pkg-b/pkg-b.txt ]] || fail "pos-3 lacks a package"
assert_contains ep/pos-3/var/log/swd-packages.log "installed pkg-a-1.2 on pos-3 (params: replace,mode=safe)"
assert_contains ep/pos-6/var/log/swd-packages.log "installed pkg-b-3.4 on pos-6 (params: replace)"
[[ ! -e ep/pos-5/opt/pkg-b ]] || fail "pos-5 got a package D-B does not have"

# Run again over the same records: every recipient has completed since (D-*-R1's results).
swd-redist --yes --since 1h failed.jsonl >again.jsonl 2>again.err || fail "second run: $(cat again.err)"
assert_eq "completed completed completed" \
    "$(json_get again.jsonl '" ".join(x["status"] for x in r if x["type"] == "redist")')" "second run"
# (D-B's two recipients ran at once: their order is not fixed.)
assert_eq "pos-3 pos-4 pos-5 pos-6" \
    "$(json_get again.jsonl '" ".join(sorted(x["device"] for x in r if x["type"] == "resolved"))')" "resolved again"
grep -c 'event=received' "$log" | grep -qx 4 || fail "nothing issued by the second run"

# The entries in the state file.
$PY - "$SWD_STATE" <<'PYEOF' || fail "state entries"
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute("SELECT dist, new_dist, status, recipients FROM redist_jobs ORDER BY id").fetchall()
assert [(r[0], r[1], r[2]) for r in rows] == [("D-A", "D-A-R1", "issued"), ("D-B", "D-B-R1", "issued"),
    ("D-C", "D-C-R1", "issued"), ("D-A", None, "completed"), ("D-B", None, "completed"),
    ("D-C", None, "completed")], rows
assert json.loads(rows[0][3]) == ["pos-3"]
PYEOF

# Every record printed above is described in swd-records(5).
check_documented out.jsonl
