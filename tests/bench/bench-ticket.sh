#!/usr/bin/env bash
# swd-ticket process: 1,000,000 alerts over 10,000 devices (diagnostics off; tickets go to the
# outbox, nothing is sent), against the floor cost of storing the same alerts: sqlite3
# importing them (the same fields, as CSV) into a plain table.
set -euo pipefail
N=${SWD_BENCH_ALERTS:-1000000}
DEVICES=${SWD_BENCH_DEVICES:-10000}
dir=$(mktemp -d "${TMPDIR:-/tmp}/swd-bench-ticket.XXXXXX")
trap 'rm -rf "$dir"' EXIT
cd "$dir"

# The same alerts as JSONL (for swd-ticket) and CSV (for sqlite3), generated together.
/usr/bin/python3 - "$N" "$DEVICES" <<'PY'
import csv, json, random, sys
n, devices = int(sys.argv[1]), int(sys.argv[2])
rng = random.Random(42)
types = ["connection", "timeout", "access", "package", "install", "disk", "other"]
start = 1795248000  # 2026-11-21T00:00:00Z
fields = ["id", "message_id", "date", "from", "node", "domain", "subject", "failure", "device",
          "server", "dist", "package", "location", "region", "detail", "source"]
with open("alerts.jsonl", "w") as js, open("alerts.csv", "w", newline="") as cs:
    w = csv.writer(cs)
    w.writerow(fields)
    for i in range(n):
        d = rng.randrange(devices)
        t = start + i * 86400 // n
        day = "20261121"
        ts = "2026-11-21T%02d:%02d:%02dZ" % ((t - start) // 3600, (t - start) // 60 % 60, (t - start) % 60)
        region = ["east", "west", "north", "south"][d % 4]
        server = "relay-%s-%d" % (region, d % 25)
        # A device keeps failing the same way; now and then it says something else.
        failure = types[d % 7] if rng.random() < 0.98 else rng.choice(types)
        dist = "D-%s-%04d" % (day, i // 2000)
        rec = {"type": "alert", "v": 1, "id": "A-%s-%07d" % (day, i),
               "message_id": "<%d.%d@%s.example.com>" % (t, i, server),
               "date": ts, "from": "swd@%s.%s.example.com" % (server, region),
               "node": server, "domain": "%s.example.com" % region,
               "subject": "[SWD] %s failure: pos-%05d (pkg-%d) dist %s" % (failure, d, i // 2000 % 50, dist),
               "failure": failure, "device": "pos-%05d" % d, "server": server, "dist": dist,
               "package": "pkg-%d" % (i // 2000 % 50),
               "location": "Building %d/Room %d" % (d // 40, d % 40), "region": region,
               "detail": "connect to 10.%d.%d.%d port 22 timed out after 10 s" % (d // 65536, d // 256 % 256, d % 256),
               "source": "maildir:/var/mail/swd/new/%d.M%dP1.service" % (t, i)}
        js.write(json.dumps(rec, separators=(",", ":")) + "\n")
        w.writerow([rec[f] for f in fields])
PY
echo "data: $N alerts over $DEVICES devices ($(du -h alerts.jsonl | cut -f1) JSONL)"

cat >swd.toml <<'TOML'
[ticket]
diagnostics = false
default_center = "mc"
TOML
export SWD_CONFIG=$dir/swd.toml SWD_STATE=$dir/state.db
swd-ticket centers add mc --email mc@example.com

# Seconds (3 decimals) and peak RSS (KiB) of a command, via GNU time.
measure() {
    local out=$1
    shift
    /usr/bin/time -f '%e %M' -o "$out.time" "$@" >"$out.stdout"
    read -r secs rss <"$out.time"
    echo "$secs $rss"
}

read -r swd_s swd_rss < <(measure swd swd-ticket process --now 2026-11-22T00:00:00Z alerts.jsonl)
read -r sql_s sql_rss < <(measure sqlite sqlite3 floor.db \
    "CREATE TABLE alerts(id TEXT, message_id TEXT, date TEXT, \"from\" TEXT, node TEXT, domain TEXT, subject TEXT, failure TEXT, device TEXT, server TEXT, dist TEXT, package TEXT, location TEXT, region TEXT, detail TEXT, source TEXT);" \
    ".import --csv --skip 1 alerts.csv alerts")

tickets=$(sqlite3 "$SWD_STATE" "SELECT count(*) FROM tickets")
queued=$(sqlite3 "$SWD_STATE" "SELECT count(*) FROM outbox WHERE status = 'pending'")
stored=$(sqlite3 "$SWD_STATE" "SELECT count(*) FROM ticket_alerts")
floor=$(sqlite3 floor.db "SELECT count(*) FROM alerts")
[[ $stored == "$N" && $floor == "$N" ]] || { echo "stored $stored / $floor of $N alerts"; exit 1; }
/usr/bin/python3 - "$N" "$swd_s" "$sql_s" "$swd_rss" "$sql_rss" "$tickets" "$queued" <<'PY'
import sys
n, swd, sql, swd_rss, sql_rss, tickets, queued = sys.argv[1:]
n, swd, sql = int(n), float(swd), float(sql)
print(f"swd-ticket process: {swd:.2f} s, {n / swd:,.0f} alerts/s, peak RSS {int(swd_rss) // 1024} MiB"
      f" ({tickets} tickets, {queued} mails in the outbox)")
print(f"sqlite3 .import:    {sql:.2f} s, {n / sql:,.0f} alerts/s, peak RSS {int(sql_rss) // 1024} MiB")
print(f"ratio swd/sqlite3:  {swd / sql:.2f}x (goal: <= 3x, >= 100,000 alerts/s)")
PY
