#!/usr/bin/env bash
# A day of 230 alerts over ten devices, four failure types, three regions, an outage, an
# unknown device and threshold overrides makes exactly the expected tickets, suppressions,
# updates and location corrections; feeding the stream again changes nothing.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"
. "$SRC/tests/cli/ticket/setup.sh"

swd-ticket --now 2026-11-22T00:00:00Z process alerts.jsonl >tickets.jsonl

# The tickets, in the order they were made, with their facts.
$PY - tickets.jsonl <<'PY' || fail "tickets differ"
import json, sys
got = [json.loads(l) for l in open(sys.argv[1])]
keys = ("id", "status", "device", "failure", "count", "threshold", "first", "last", "center",
        "to", "location", "location_corrected_from", "location_unverified", "region")
expected = [
    ("T-20261122-0001", "queued", "pos-e1", "connection", 100, 4, "T00:00", "T04:57", "mc-east",
     ["mc-east@example.com"], "Building 12/Room 1", "Bldg 12", None, "east"),
    ("T-20261122-0002", "queued", "pos-w3", "timeout", 72, 3, "T00:00", "T23:40", "mc-west",
     ["mc-west@example.com"], "Gebäude 7/Raum 3", None, None, "west"),
    ("T-20261122-0003", "queued", "pos-e2", "timeout", 5, 1, "T02:00", "T06:00", "mc-east",
     ["mc-east@example.com"], "Building 12/Room 2", None, None, "east"),
    ("T-20261122-0004", "queued", "pos-w1", "connection", 3, 2, "T01:00", "T05:00", "mc-west",
     ["mc-west@example.com"], "Gebäude 7/Raum 1", None, None, "west"),
    ("T-20261122-0005", "queued", "pos-x9", "disk", 1, 1, "T07:00", "T07:00", "desk",
     ["desk@example.com"], "Partner site 3", None, True, "north"),
    ("T-20261122-0006", "queued", "pos-n1", "install", 2, 1, "T09:00", "T09:30", "mc-east",
     ["mc-east@example.com"], "Building 30/Room 1", "Bldg 30", None, "east"),
    ("T-20261122-0007", "queued", "relay-a", "other", 3, 3, "T10:00", "T10:20", "mc-east",
     ["mc-east@example.com"], "Building 12/Server room", None, None, "east"),
    ("T-20261122-0008", "queued", "pos-e3", "connection", 1, 4, "T12:30", "T12:30", "mc-east",
     ["mc-east@example.com"], "Building 12/Room 4", None, None, "east"),
]
def norm(t):
    out = tuple(t.get(k) for k in keys)
    return out[:6] + (t["first"][10:16], t["last"][10:16]) + out[8:]
got_n = [norm(t) for t in got]
ok = True
for want, have in zip(expected, got_n):
    if want != have:
        print("expected", want, "\n     got", have)
        ok = False
if len(got_n) != len(expected):
    print(len(got_n), "tickets, expected", len(expected))
    ok = False
# Each ticket holds exactly its alerts, oldest first, all of the ticket's device and failure.
for t in got:
    if len(t["alerts"]) != t["count"] or t["alerts"] != sorted(t["alerts"]):
        print("bad alert list", t["id"], t["alerts"])
        ok = False
    if t["dist"] != "D-%s-%02d" % (t["device"], (t["count"] - 1) // 10 if t["device"] != "pos-e3" else 4):
        print("bad dist", t["id"], t["dist"])
        ok = False
sys.exit(0 if ok else 1)
PY

# What was done with each alert, per device.
swd-ticket alerts >alerts-done.jsonl
$PY - alerts-done.jsonl <<'PY' || fail "alert actions differ"
import collections, json, sys
actions = collections.defaultdict(collections.Counter)
for l in open(sys.argv[1]):
    a = json.loads(l)
    actions[a["device"]][a["action"].split(" ")[0]] += 1
expected = {
    "pos-e1": {"counted": 3, "ticket": 1, "updated": 96},
    "pos-e2": {"ticket": 1, "updated": 4},
    "pos-e3": {"counted": 3, "suppressed-outage": 37, "ticket": 1},
    "pos-e4": {"counted": 2},
    "pos-n1": {"ticket": 1, "updated": 1},
    "pos-w1": {"counted": 1, "ticket": 1, "updated": 1},
    "pos-w2": {"counted": 1},
    "pos-w3": {"counted": 2, "ticket": 1, "updated": 69},
    "pos-x9": {"ticket": 1},
    "relay-a": {"counted": 2, "ticket": 1},
}
got = {d: dict(c) for d, c in actions.items()}
if got != expected:
    print("expected", expected, "\n     got", got)
    sys.exit(1)
PY
assert_eq 230 "$(wc -l <alerts-done.jsonl)" "alerts stored"
# What was done with some alerts, one by one: the alert that meets each threshold, the ones
# just below it (counted, then held by the ticket they led to), the first update, and the
# edges of the outage (alerts on the outage list are held by no ticket).
$PY - alerts-done.jsonl <<'PY' || fail "per-alert actions differ"
import json, sys
got = {a["id"]: (a["device"], a["time"][11:16], a["action"], a.get("ticket"))
       for a in map(json.loads, open(sys.argv[1]))}
expected = {
    "A-20261121-000001": ("pos-e1", "00:00", "counted", "T-20261122-0001"),
    "A-20261121-000005": ("pos-e1", "00:06", "counted", "T-20261122-0001"),
    "A-20261121-000006": ("pos-e1", "00:09", "ticket T-20261122-0001", "T-20261122-0001"),
    "A-20261121-000007": ("pos-e1", "00:12", "updated T-20261122-0001", "T-20261122-0001"),
    "A-20261121-000010": ("pos-w3", "00:20", "counted", "T-20261122-0002"),
    "A-20261121-000018": ("pos-w3", "00:40", "ticket T-20261122-0002", "T-20261122-0002"),
    "A-20261121-000026": ("pos-w1", "01:00", "counted", "T-20261122-0004"),
    "A-20261121-000050": ("pos-e2", "02:00", "ticket T-20261122-0003", "T-20261122-0003"),
    "A-20261121-000075": ("pos-w1", "03:00", "ticket T-20261122-0004", "T-20261122-0004"),
    "A-20261121-000133": ("pos-x9", "07:00", "ticket T-20261122-0005", "T-20261122-0005"),
    "A-20261121-000139": ("pos-e3", "08:12", "counted", None),
    "A-20261121-000140": ("pos-e3", "08:18", "suppressed-outage", None),
    "A-20261121-000158": ("pos-n1", "09:30", "updated T-20261122-0006", "T-20261122-0006"),
    "A-20261121-000172": ("relay-a", "10:20", "ticket T-20261122-0007", "T-20261122-0007"),
    "A-20261121-000195": ("pos-e3", "12:30", "ticket T-20261122-0008", "T-20261122-0008"),
    "A-20261121-000197": ("pos-e4", "13:00", "counted", None),
}
bad = {k: (v, got.get(k)) for k, v in expected.items() if got.get(k) != v}
for k, (want, have) in sorted(bad.items()):
    print(k, "expected", want, "\n", " " * len(k), "     got", have)
sys.exit(1 if bad else 0)
PY
# The suppressed alerts are on the outage list and in no ticket; the others name their ticket.
json_get alerts-done.jsonl \
    '[a["ticket"] for a in r if a["action"] == "suppressed-outage" and "ticket" in a]' |
    grep -qx '\[\]' || fail "a suppressed alert is in a ticket"
assert_eq "True" "$(json_get alerts-done.jsonl 'all(a.get("outage") for a in r if a["device"] == "pos-e3" and a["time"] < "2026-11-21T12")')" "outage flag"
fifth=$(swd-ticket show T-20261122-0001 | json_get /dev/stdin 'r[0]["alerts"][4]')
assert_eq "T-20261122-0001 updated T-20261122-0001" \
    "$(swd-ticket show "$fifth" | json_get /dev/stdin 'r[0]["ticket"] + " " + r[0]["action"]')" \
    "show alert"
expect_status 1 swd-ticket show T-20991231-0001

# Failed distributions: one per distribution, device and package.
swd-ticket failed >failed.jsonl
assert_eq 30 "$(wc -l <failed.jsonl)" "failed records"
assert_eq '{"type":"failed","v":1,"dist":"D-pos-x9-00","server":"relay-x","device":"pos-x9","package":"pkg-a-1.2","failed_at":"2026-11-21T07:00:00Z","alert":"A-20261121-000133","status":"open"}' \
    "$(grep D-pos-x9 failed.jsonl)" "failed record"
assert_eq 10 "$(swd-ticket failed --server relay-c | wc -l)" "failed on relay-c"
assert_eq 1 "$(swd-ticket failed --since 2026-11-21T23:10:00Z | wc -l)" "failed since"

# Reports per region and per center.
swd-ticket report --by region >region.jsonl
assert_contains region.jsonl '{"type":"report","v":1,"by":"region","key":"east","alerts":153,"suppressed":37,"tickets":5,"open":5}'
assert_contains region.jsonl '{"type":"report","v":1,"by":"region","key":"west","alerts":76,"suppressed":0,"tickets":2,"open":2}'
swd-ticket report --by center >center.jsonl
assert_contains center.jsonl '{"type":"report","v":1,"by":"center","key":"mc-east","tickets":5,"open":5}'

# The same stream again: every alert a duplicate, nothing new.
swd-ticket --now 2026-11-22T01:00:00Z -v process alerts.jsonl >again.jsonl 2>again.err
assert_eq 0 "$(wc -l <again.jsonl)" "tickets on a replay"
assert_contains again.err "230 alerts: 0 tickets, 0 updates, 0 counted, 0 suppressed, 230 duplicates"
assert_eq 8 "$(swd-ticket list | wc -l)" "tickets after the replay"
assert_eq 100 "$(swd-ticket show T-20261122-0001 | json_get /dev/stdin 'r[0]["count"]')" "count after the replay"

# Every record printed above is described in swd-records(5).
check_documented tickets.jsonl failed.jsonl alerts-done.jsonl center.jsonl
