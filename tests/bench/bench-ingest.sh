#!/usr/bin/env bash
# swd-ingest against its peers, in one run, on 100,000 generated alert mails:
#   Maildir: swd-ingest --no-state (full parse, alert records) vs mblaze
#            (mlist DIR | mhdr -h message-id:subject:from: headers only);
#   mbox:    swd-ingest --no-state vs a Python email-module script doing the same extraction;
# then peak RSS on a ~2 GB mbox (the mbox repeated; smaller when the disk is short).
# Each timing is the best of 3 runs (the Python script: 1 run). Goals: >= mblaze on the Maildir,
# >= 20x the Python script; each ratio is printed with its goal and whether it is met.
# Before timing, the outputs are checked: swd-ingest must give exactly N alerts (one per mail,
# exit 0) from each, and the Python peer the same records (sources, ids, fields) from the mbox;
# the script exits 1 otherwise. BENCH_INGEST_N sets the number of mails and BENCH_INGEST_BIG_MB
# the size of the big mbox (0: none); BENCH_INGEST_N=300 BENCH_INGEST_BIG_MB=0 is a smoke run.
set -euo pipefail
command -v swd-ingest >/dev/null || { echo "swd-ingest not on PATH"; exit 1; }
for tool in mlist mhdr /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "bench-ingest: $tool missing (make bench-deps)"; exit 1; }
done
PY=/usr/bin/python3
N=${BENCH_INGEST_N:-100000}
BIG_MB=${BENCH_INGEST_BIG_MB:-2048}
work=$(mktemp -d "${TMPDIR:-/tmp}/swd-bench-ingest.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
export SWD_CONFIG=/dev/null LC_ALL=C.UTF-8

echo "generating $N alert mails (Maildir and mbox) in $work"
$PY - "$N" <<'PYEOF'
import base64, os, quopri, random, re, sys
n = int(sys.argv[1])
simple = 0  # mails for swd-ingest's fast path: ASCII headers, one text/plain body
for d in ("new", "cur", "tmp"):
    os.makedirs(os.path.join("maildir", d), exist_ok=True)
fails = ["connection", "disk full", "Permission denied (publickey)", "install", "timeout",
         "checksum mismatch", "connect timed out", "Host unreachable"]
rnd = random.Random(42)
with open("alerts.mbox", "wb") as mbox:
    for i in range(n):
        relay = "relay-" + "abcd"[i % 4]
        dom = ("east", "west")[i % 2]
        dev = "pos-%05d" % rnd.randrange(100000)
        dist = "D-20261121-%06d" % i
        body = (f"Failure-Type: {fails[i % len(fails)]}\nDevice: {dev}\nServer: {relay}\n"
                f"Distribution-ID: {dist}\nPackage: pkg-{'abc'[i % 3]}-1.{i % 9}\n"
                f"Location: Gebäude {i % 50}/Raum {i % 7}\nRegion: {dom}\n"
                f"Time: 2026-11-21T{(i // 3600) % 24:02d}:{(i // 60) % 60:02d}:{i % 60:02d}Z\n"
                f"Detail: connect to 10.1.{i % 250}.{i % 200} port 22 timed out after 10 s\n")
        head = (f"Return-Path: <swd@{relay}.{dom}.example.com>\n"
                f"Received: from {relay}.{dom}.example.com (10.0.{i % 4}.1) by mx1.example.com "
                f"with ESMTP id {i:08X}; Sat, 21 Nov 2026 10:15:03 +0000\n"
                f"From: swd-queue <swd@{relay}.{dom}.example.com>\nTo: swd@service.example.com\n"
                f"Subject: [SWD] {fails[i % len(fails)].split()[0].lower()} failure: {dev} dist {dist}\n"
                f"Date: Sat, 21 Nov 2026 {(i // 3600) % 24:02d}:{(i // 60) % 60:02d}:{i % 60:02d} +0000\n"
                f"Message-ID: <{1795256103 + i}.{i}@{relay}.{dom}.example.com>\n"
                f"Auto-Submitted: auto-generated\nX-SWD-Alert: 1\nMIME-Version: 1.0\n")
        kind = i % 50
        if kind == 5:  # a relay-log line that an mbox must quote (">From "; mboxrd)
            body += "From the relay log: connect refused\n"
        if kind < 2:    # quoted-printable
            msg = (head + "Content-Type: text/plain; charset=utf-8\n"
                   "Content-Transfer-Encoding: quoted-printable\n\n").encode() + quopri.encodestring(body.encode())
        elif kind < 4:  # base64
            msg = (head + "Content-Type: text/plain; charset=utf-8\n"
                   "Content-Transfer-Encoding: base64\n\n").encode() + base64.encodebytes(body.encode())
        elif kind < 5:  # multipart/alternative with HTML
            html = "<html><body><p>" + body.replace("\n", "<br>\n") + "</p></body></html>\n"
            msg = (head + 'Content-Type: multipart/alternative; boundary="b1"\n\n--b1\n'
                   "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
                   + body + "\n--b1\nContent-Type: text/html; charset=utf-8\n\n" + html + "--b1--\n").encode()
        else:
            msg = (head + "Content-Type: text/plain; charset=utf-8\n"
                   "Content-Transfer-Encoding: 8bit\n\n" + body).encode()
        with open(os.path.join("maildir", "new", f"{1795256103 + i}.M{i}P1Q{i}.mx1.example.com"), "wb") as f:
            f.write(msg)
        quoted = re.sub(rb"(?m)^(>*From )", rb">\1", msg)  # mboxrd
        mbox.write(b"From swd@" + relay.encode() + b" Sat Nov 21 10:15:03 2026\n" + quoted + b"\n")
        simple += kind != 4
with open("simple.count", "w") as f:
    f.write(str(simple))
PYEOF

# The Python peer: stream the mbox, parse each message with the email module, extract what
# swd-ingest does (address split, UTC date, decoded subject, body text, Key: Value fields),
# write JSON Lines.
cat >peer.py <<'PYEOF'
import email.parser, email.policy, json, re, sys
from datetime import timezone
KEYS = {"failure-type": "failure", "device": "device", "server": "server",
        "distribution-id": "dist", "package": "package", "location": "location",
        "region": "region", "time": "time", "detail": "detail"}
line_re = re.compile(r"^\s*([A-Za-z0-9 _.-]{1,64}?)\s*:\s*(.*?)\s*$")
parser = email.parser.BytesParser(policy=email.policy.default)
out = sys.stdout

def emit(raw, offset):
    m = parser.parsebytes(raw)
    r = {"type": "alert", "v": 1}
    mid = m.get("Message-ID")
    if mid: r["message_id"] = str(mid).strip()
    d = m.get("Date")
    if d is not None and getattr(d, "datetime", None):
        dt = d.datetime
        if dt.tzinfo: r["date"] = dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    frm = m.get("From")
    if frm is not None and frm.addresses:
        a = frm.addresses[0]
        host = a.domain.lower()
        r["from"] = a.username + "@" + host
        node, _, domain = host.partition(".")
        r["node"] = node
        if domain: r["domain"] = domain
    if m.get("Subject") is not None: r["subject"] = str(m["Subject"])
    if m.get("Auto-Submitted") is not None: r["auto_submitted"] = str(m["Auto-Submitted"]).split(";")[0].strip().lower()
    part = m.get_body(("plain", "html"))
    text = part.get_content() if part is not None else ""
    if part is not None and part.get_content_subtype() == "html":
        text = re.sub(r"<[^>]*>", "\n", text)
    for line in text.splitlines():
        mm = line_re.match(line)
        if mm:
            k = KEYS.get(mm.group(1).lower())
            if k and k not in r and mm.group(2): r[k] = mm.group(2)
    r["source"] = "mbox:%s#%d" % (sys.argv[1], offset)
    out.write(json.dumps(r, ensure_ascii=False) + "\n")

with open(sys.argv[1], "rb") as f:
    buf, start, offset = [], 0, 0
    for line in f:
        size = len(line)  # bytes in the file, before any unquoting
        if line.startswith(b"From "):
            if buf: emit(b"".join(buf), start)
            buf, start = [], offset
        else:
            if line.startswith(b">") and line.lstrip(b">").startswith(b"From "):
                line = line[1:]  # mboxrd: one ">" less
            buf.append(line)
        offset += size
    if buf: emit(b"".join(buf), start)
PYEOF

maildir_bytes=$(du -sb maildir/new | cut -f1)
mbox_bytes=$(stat -c %s alerts.mbox)

# measure RUNS COMMAND...: the best wall time of RUNS runs, the CPU time (user + system) of that
# run, and the peak RSS (KB) of all: "SECS CPU KB". CPU time says more than wall time when the
# machine is shared.
measure() {
    local runs=$1 best="" cpu="" rss=0 t u s m
    shift
    for _ in $(seq "$runs"); do
        /usr/bin/time -f "%e %U %S %M" -o timing "$@" >/dev/null 2>err.txt || {
            # swd-ingest exits 6 when a message is rejected; the generated mail has none.
            echo "bench-ingest: '$*' failed: $(tail -3 err.txt)" >&2
            exit 1
        }
        read -r t u s m <timing
        if [[ -z $best ]] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then
            best=$t
            cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
        fi
        ((m > rss)) && rss=$m
    done
    echo "$best $cpu $rss"
}
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }'; }
mbs() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.1f", (s > 0 ? b / s / 1048576 : 0) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (a > 0 ? b / a : 0) }'; }

# Warm the page cache so that every contender reads from memory.
# (find, not a glob: 100,000 names are more than one command line takes)
find maildir/new -type f -exec cat {} + >/dev/null
cat alerts.mbox >/dev/null

# The outputs are right before they are timed: exactly N alerts, one per mail, exit 0; and the
# Python peer extracts the same (so the comparison is fair, and its offsets are right).
check_count() {  # SOURCE OUT
    local status=0 got
    swd-ingest --no-state "$1" >"$2" 2>err.txt || status=$?
    [[ $status == 0 ]] || { echo "bench-ingest: swd-ingest $1 exited $status: $(tail -3 err.txt)" >&2; exit 1; }
    got=$($PY -c 'import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
print(sum(r.get("type") == "alert" for r in recs), len(recs), len({r.get("source") for r in recs}))' "$2")
    [[ $got == "$N $N $N" ]] || {
        echo "bench-ingest: swd-ingest $1 gave [alerts records sources] = [$got], expected $N each" >&2
        exit 1
    }
}
check_count maildir maildir.jsonl
check_count alerts.mbox mbox.jsonl
"$PY" peer.py alerts.mbox >peer.jsonl
$PY - mbox.jsonl peer.jsonl <<'PYEOF' || { echo "bench-ingest: the Python peer's records differ from swd-ingest's" >&2; exit 1; }
import json, sys
swd = [json.loads(l) for l in open(sys.argv[1])]
peer = [json.loads(l) for l in open(sys.argv[2])]
assert len(swd) == len(peer), (len(swd), len(peer))
keys = ("source", "message_id", "date", "from", "node", "domain", "subject", "device", "server",
        "dist", "package", "location", "region", "detail")
for a, b in zip(swd, peer):
    for k in keys:
        assert a.get(k) == b.get(k), (k, a.get(k), b.get(k))
PYEOF
simple=$(cat simple.count)

read -r t_swd_md c_swd_md rss_swd_md < <(measure 3 swd-ingest --no-state maildir)
read -r t_mblaze c_mblaze rss_mblaze < <(measure 3 sh -c 'mlist maildir | mhdr -h message-id:subject:from')
read -r t_swd_mbox c_swd_mbox rss_swd_mbox < <(measure 3 swd-ingest --no-state alerts.mbox)
read -r t_py c_py rss_py < <(measure 1 "$PY" peer.py alerts.mbox)

row() {  # LABEL SECS CPU COUNT BYTES RSS_KB
    printf '%-42s %8s %8s %10s %8s %7s MB\n' "$1" "$2" "$3" "$(rate "$4" "$2")" "$(mbs "$5" "$2")" "$(($6 >> 10))"
}
header() { printf '\n%-42s %8s %8s %10s %8s %10s\n' "$1" wall cpu "msgs/s" "MB/s" "peak RSS"; }

# goal RATIO GOAL WHAT — one line: what is compared, the ratio, its goal, met or not.
goal() {
    local verdict
    verdict=$(awk -v r="$1" -v g="$2" 'BEGIN { print (r + 0 >= g + 0 ? "met" : "NOT met") }')
    printf '  %-52s ratio %s (goal >= %s): %s\n' "$3:" "$1" "$2" "$verdict"
}
# info RATIO WHAT — a ratio without a goal.
info() { printf '  %-52s ratio %s (no goal)\n' "$2:" "$1"; }

header "Maildir ($N mails, $((maildir_bytes >> 20)) MB)"
row "swd-ingest --no-state (all fields)" "$t_swd_md" "$c_swd_md" "$N" "$maildir_bytes" "$rss_swd_md"
row "mlist | mhdr -h message-id:subject:from" "$t_mblaze" "$c_mblaze" "$N" "$maildir_bytes" "$rss_mblaze"
goal "$(ratio "$t_swd_md" "$t_mblaze")" 1.0 "swd-ingest speed / mblaze speed, wall time"
info "$(ratio "$c_swd_md" "$c_mblaze")" "swd-ingest speed / mblaze speed, CPU time"

header "mbox ($N mails, $((mbox_bytes >> 20)) MB)"
row "swd-ingest --no-state" "$t_swd_mbox" "$c_swd_mbox" "$N" "$mbox_bytes" "$rss_swd_mbox"
row "python3 email module (policy.default)" "$t_py" "$c_py" "$N" "$mbox_bytes" "$rss_py"
goal "$(ratio "$t_swd_mbox" "$t_py")" 20.0 "swd-ingest speed / Python script speed, wall time"
info "$(ratio "$c_swd_mbox" "$c_py")" "swd-ingest speed / Python script speed, CPU time"

# The full parse: swd-ingest reads simple messages (ASCII headers, one text/plain body) on a
# fast path that calls the same GMime functions without building GMime's object tree (the unit
# tests check that it gives the same values); everything else takes GMime's full parse. There
# is no switch to turn the fast path off, so both are in the timings above, in this mix:
echo
echo "parse paths: $simple of $N mails simple (fast path), $((N - simple)) multipart (GMime's full parse)"

# Flat memory: a ~2 GB mbox, the generated one repeated (less when the disk is short).
((BIG_MB > 0)) || { echo "big mbox: skipped (BENCH_INGEST_BIG_MB=0)"; exit 0; }
free_kb=$(df -Pk . | awk 'NR == 2 { print $4 }')
want=$(((BIG_MB << 20) / mbox_bytes))
fit=$(((free_kb << 10) / 2 / mbox_bytes))
reps=$((want < fit ? want : fit))
if ((reps < 2)); then
    echo "big mbox: skipped, only $((free_kb >> 10)) MB free"
    exit 0
fi
for _ in $(seq "$reps"); do cat alerts.mbox; done >big.mbox
rm -rf maildir
big_bytes=$(stat -c %s big.mbox)
((big_bytes >= (BIG_MB << 20) - mbox_bytes)) ||
    echo "note: disk space allows only $((big_bytes >> 20)) MB, not $BIG_MB MB"
read -r t_big c_big rss_big < <(measure 1 swd-ingest --no-state big.mbox)
header "big mbox ($((N * reps)) mails, $((big_bytes >> 20)) MB)"
row "swd-ingest --no-state" "$t_big" "$c_big" "$((N * reps))" "$big_bytes" "$rss_big"
