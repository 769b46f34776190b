# The alert stream of the swd-ticket CLI tests: a day of alerts over several devices,
# failure types, regions, an outage and an unknown device, in time order, as JSONL on stdout.
# Deterministic: the tests assert on exact tickets.
import json
import sys

DAY = "2026-11-21"
alerts = []


def add(device, failure, minutes, location, region, server="relay-a"):
    n = len([a for a in alerts if a["device"] == device])
    t = "%sT%02d:%02d:00Z" % (DAY, minutes // 60, minutes % 60)
    alerts.append({
        "type": "alert", "v": 1, "date": t, "time": t,
        "from": "swd@%s.%s.example.com" % (server, region), "node": server,
        "domain": "%s.example.com" % region,
        "subject": "[SWD] %s failure: %s" % (failure, device),
        "failure": failure, "device": device, "server": server,
        "dist": "D-%s-%02d" % (device, n // 10), "package": "pkg-a-1.2",
        "location": location, "region": region,
        "detail": "%s failure #%d" % (failure, n + 1),
    })


for i in range(100):
    add("pos-e1", "connection", 3 * i, "Bldg 12", "east")
for i in range(5):
    add("pos-e2", "timeout", 120 + 60 * i, "Building 12/Room 2", "east")
for i in range(40):
    add("pos-e3", "connection", 480 + 6 * i, "Building 12/Room 4", "east")
add("pos-e3", "connection", 750, "Building 12/Room 4", "east")
for m in (60, 180, 300):
    add("pos-w1", "connection", m, "Gebäude 7/Raum 1", "west", "relay-c")
add("pos-w2", "access", 360, "Gebäude 7/Raum 2", "west", "relay-c")
for m in (0, 780):
    add("pos-e4", "timeout", m, "Building 12/Room 5", "east")
add("pos-x9", "disk", 420, "Partner site 3", "north", "relay-x")
for m in (540, 570):
    add("pos-n1", "install", m, "Bldg 30", "east")
for m in (600, 610, 620):
    add("relay-a", "other", m, "Building 12/Server room", "east")
for i in range(72):
    add("pos-w3", "timeout", 20 * i, "Gebäude 7/Raum 3", "west", "relay-c")

alerts.sort(key=lambda a: (a["time"], a["device"]))
for n, a in enumerate(alerts, 1):
    a["id"] = "A-20261121-%06d" % n
    a["message_id"] = "<%s@%s.example.com>" % (a["id"], a["node"])
    out = {"type": a.pop("type"), "v": a.pop("v"), "id": a["id"]}
    out.update(a)
    sys.stdout.write(json.dumps(out, ensure_ascii=False, separators=(",", ":")) + "\n")
