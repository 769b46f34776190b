#!/usr/bin/env bash
# The sample mbox with the sample [ingest] configuration: every message gives the expected
# record (aliases, a rule, ISO-8859-1, a forward, the multipart/alternative one), the re-sent
# alert is a counted duplicate, offsets point at the "From " lines, the file is never changed,
# and re-runs give nothing new.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

cat "$SRC/examples/mail/ingest.toml" >>"$SWD_CONFIG"
cp "$SRC/examples/mail/alerts.mbox" alerts.mbox
sum_before=$(sha256sum <alerts.mbox)

expect_status 6 swd-ingest -v --rejects rejects.jsonl alerts.mbox >out.jsonl 2>err.txt
assert_contains err.txt "12 messages, 10 alerts, 1 rejects, 1 duplicates"
assert_eq "$sum_before" "$(sha256sum <alerts.mbox)" "the mbox"

$PY - out.jsonl alerts.mbox <<'PYEOF' || fail "records differ"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
data = open(sys.argv[2], "rb").read()
by = {r["message_id"]: r for r in recs}
assert len(by) == 10, len(by)
for r in recs:
    path, off = r["source"].removeprefix("mbox:").split("#")
    assert path == "alerts.mbox", r["source"]
    off = int(off)
    assert data[off:off + 5] == b"From " and (off == 0 or data[off - 1:off] == b"\n"), r["source"]
def check(mid, **want):
    r = by[mid]
    for k, v in want.items():
        assert r.get(k) == v, (mid, k, r.get(k), v)
check("<20261121110000.0050@relay-a.east.example.com>", failure="connection",
      failure_text="connection refused", device="pos-0050", source="mbox:alerts.mbox#0",
      detail="ssh: connect to host 10.1.2.50 port 22: Connection refused")
# Aliases: Workstation, Error, Dist, Building.
check("<agent-0051@relay-b.east.example.com>", device="pos-0051", failure="access",
      failure_text="Permission denied (publickey,password)", dist="D-20261121-0051",
      package="pkg-a-1.2", location="Building 14/Room 2", node="relay-b")
# The rule's named groups.
check("<agent-0060@relay-b.east.example.com>", failure="connection", device="pos-0060",
      package="pkg-c-2.0")
check("<20261121110500.0110@relay-c.west.example.com>", failure="install", device="ws-0110",
      subject="[SWD] install failure: ws-0110 (Gebäude 9)", location="Gebäude 9/Büro 4",
      date="2026-11-21T11:05:00Z", detail="Installationsskript beendet mit Status 1")
check("<aw-5531@ops.east.example.com>", date="2026-11-21T11:12:00Z", device=None,
      subject="AW: [SWD] connection failure: pos-0050 (pkg-a-1.2) dist D-20261121-0050")
check("<ooo-8812@maint.west.example.com>", auto_submitted="auto-replied")
check("<fw-1102@helpdesk.east.example.com>", forwarded=True, failure="connection",
      failure_text="network unreachable", device="pos-0052", detail="no route to host 10.1.2.52")
check("<20261121111600.7001@relay-q.example.org>", node="relay-q", domain="example.org",
      failure="disk")
check("<20261121111700.0053@relay-z.east.example.com>", node="relay-z", device="pos-0053")
check("<20261121111800.0111@relay-d.west.example.com>", failure="timeout", device="ws-0111",
      detail="agent did not answer within 300 s")
PYEOF

assert_eq "malformed no header block" "$(json_get rejects.jsonl 'r[0]["reason"]+" "+r[0]["detail"]')"
off=$(json_get rejects.jsonl 'r[0]["source"].split("#")[1]')
assert_eq "From MAILER-DAEMON" "$(tail -c +$((off + 1)) alerts.mbox | head -c 18)" "reject offset"

# Re-runs (cron): every message is a duplicate now, the reject included; exit 0.
expect_status 0 swd-ingest -v alerts.mbox >again.jsonl 2>err2.txt
assert_eq 0 "$(wc -l <again.jsonl)" "records on a re-run"
assert_contains err2.txt "12 messages, 0 alerts, 0 rejects, 12 duplicates"

# New mail appended to the mbox: only that one comes out, with the next id of its day.
{
    printf 'From swd@relay-a.east.example.com  Sat Nov 21 12:00:00 2026\n'
    printf 'From: swd@relay-a.east.example.com\nSubject: [SWD] disk failure: pos-0099\n'
    printf 'Date: Sat, 21 Nov 2026 12:00:00 +0000\nMessage-ID: <new-0099@relay-a.east.example.com>\n\n'
    printf 'Failure-Type: No space left on device\nDevice: pos-0099\n\n'
} >>alerts.mbox
expect_status 0 swd-ingest alerts.mbox >new.jsonl
assert_eq "pos-0099 disk A-20261121-000011" \
    "$(json_get new.jsonl 'r[0]["device"]+" "+r[0]["failure"]+" "+r[0]["id"]')"

# Without the configuration, alerts in another shape still come out, with what they have.
: >"$SWD_CONFIG"
expect_status 6 swd-ingest --no-state alerts.mbox >plain.jsonl 2>/dev/null
assert_eq "pkg-a-1.2 None None" "$(json_get plain.jsonl \
    '" ".join(str(x.get(k)) for x in r if x["message_id"]=="<agent-0051@relay-b.east.example.com>" for k in ("package","device","failure"))')"
