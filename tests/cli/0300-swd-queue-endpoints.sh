#!/usr/bin/env bash
# Done when 1: five local endpoints, one missing. The four get both packages in order; the fifth
# goes hold -> (retries exhausted) pull -> login after it is restored -> done. The events and the
# distribution log show each step; an alert per failure reaches a real SMTP server on loopback
# (one of them after waiting in the outbox while the server was down) and parses back through
# swd-ingest | swd-validate with every field filled.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

port=$(free_port)
queue_config
cat >>"$SWD_CONFIG" <<EOF
alert_retry = ["0s", "1s", "1s", "1s"]
[alerts]
to = ["service-center@example.com"]
[smtp]
url = "smtp://127.0.0.1:$port"
from = "swd@relay-a.east.example.com"
timeout = "5s"
EOF

swd-queue packages add "$SRC/examples/packages/pkg-a-1.2" "$SRC/examples/packages/pkg-b-3.4" >packages.jsonl
assert_eq 2 "$(wc -l <packages.jsonl)" "packages added"

mkdir -p ep/pos-1 ep/pos-2 ep/pos-3 ep/pos-4  # pos-5 is missing (switched off)
echo "site config of pos-1" >ep/pos-1/keep.txt
swd-queue targets add pos-1 pos-2 pos-3 pos-4 pos-5 --transport "local:$T/ep/{target}" \
    --location "Building 12/Room 3" --region east >targets.jsonl
assert_eq "$T/ep/pos-5" "$(json_get targets.jsonl 'r[4]["transport"][6:]')" "transport of pos-5"

argv=(swd-queue submit --dist D-20261121-0042 --package pkg-a-1.2 --package pkg-b-3.4
      --target pos-1:replace --target pos-2 --target pos-3 --target pos-4 --target pos-5
      --push-retries 2 --pull-retries 1 --retry-interval 1s --origin master-1)
"${argv[@]}" >submitted.jsonl
assert_eq 5 "$(wc -l <submitted.jsonl)" "one request per target"
r5=$(json_get submitted.jsonl 'r[4]["id"]')
assert_eq pos-5 "$(json_get submitted.jsonl 'r[4]["targets"][0]["name"]')" "fifth target"
assert_eq "['replace']" "$(json_get submitted.jsonl 'r[0]["targets"][0]["params"]')" "params of pos-1"

# Pass 1, the service center down: pos-1..4 done, pos-5 on hold; its alert waits in the outbox.
expect_status 6 swd-queue run --once --max-active 3 >run1.jsonl 2>run1.err
assert_contains run1.err "1 to retry"
for n in 1 2 3 4; do
    [[ "$(cat ep/pos-$n/opt/pkg-a/hello.txt)" == "Hello from pkg-a 1.2." ]] || fail "pos-$n lacks pkg-a"
    [[ -f ep/pos-$n/opt/pkg-b/pkg-b.txt ]] || fail "pos-$n lacks pkg-b"
    # In order: pkg-a's command script ran before pkg-b's pre and post scripts.
    assert_eq "installed pkg-a-1.2|pre pkg-b-3.4|installed pkg-b-3.4" \
        "$(cut -d' ' -f1,2 ep/pos-$n/var/log/swd-packages.log | paste -sd'|')" "order on pos-$n"
done
assert_contains ep/pos-1/var/log/swd-packages.log "(params: replace)"
swd-queue list --queue done >done.jsonl
assert_eq 4 "$(wc -l <done.jsonl)" "done after pass 1"
swd-queue show "$r5" >show.jsonl
assert_eq hold "$(json_get show.jsonl 'r[0]["queue"]')" "pos-5 after pass 1"
assert_eq 1 "$(json_get show.jsonl 'r[0]["push_left"]')" "push retries left"

# The server comes up; `send` delivers the waiting alert.
mkdir -p "$T/mail/cur" "$T/mail/new" "$T/mail/tmp"  # a Maildir for aiosmtpd
start_smtp "$port" "$T/mail"
sleep 1.2
swd-queue send
assert_eq 1 "$(ls "$T/mail/new" | wc -l)" "alert delivered by send"

# Passes 2 and 3: the two push retries; then the authoritative pull queue.
sleep 1.2
expect_status 6 swd-queue run --once >run2.jsonl
sleep 1.2
expect_status 6 swd-queue run --once >run3.jsonl
assert_eq pull "$(swd-queue show "$r5" | json_get /dev/stdin 'r[0]["queue"]')" "pos-5 after the retries"
assert_eq pull "$(swd-queue show "$r5" | json_get /dev/stdin 'r[0]["mode"]')" "authoritative pull mode"
swd-queue run --once >run4.jsonl  # a pull request waits for the endpoint's login
assert_eq 0 "$(wc -l <run4.jsonl)" "nothing to do before the login"

# pos-5 is switched on and logs in.
mkdir -p ep/pos-5
swd-queue login pos-5 >login.jsonl
assert_eq "$r5" "$(json_get login.jsonl 'r[0]["id"]')" "login activates the pull request"
swd-queue run --once >run5.jsonl
swd-queue show "$r5" >show.jsonl
assert_eq done "$(json_get show.jsonl 'r[0]["queue"]')" "pos-5 at the end"
[[ -f ep/pos-5/opt/pkg-b/pkg-b.txt ]] || fail "pos-5 lacks pkg-b"

# Every step of pos-5 as events, in order.
assert_eq "SWD_Received SWD_List_Start SWD_Unreachable SWD_Rescheduled SWD_List_Start SWD_Unreachable \
SWD_Rescheduled SWD_List_Start SWD_Unreachable SWD_Pull SWD_List_Start SWD_Start SWD_Success SWD_Start \
SWD_Success SWD_List_Success" "$(json_get show.jsonl '" ".join(e["class"] for e in r[1:])')" "events of pos-5"
assert_eq "MINOR True" "$(json_get show.jsonl '" ".join(sorted({e["severity"] + " " + str(e["open"]) for e in r[1:] if e["class"] == "SWD_Unreachable"}))')" \
    "unreachable events are open MINOR errors"
cat run*.jsonl >all-run.jsonl
assert_eq "WARNING" "$(json_get all-run.jsonl '" ".join(sorted({e["severity"] for e in r if e["class"] in ("SWD_Start", "SWD_List_Start", "SWD_Rescheduled", "SWD_Pull")}))')" \
    "start and reschedule events are warnings"
assert_eq "HARMLESS" "$(json_get all-run.jsonl '" ".join(sorted({e["severity"] for e in r if e["class"] in ("SWD_Success", "SWD_List_Success")}))')" \
    "success events are harmless"
# Start events are all closed by their ends; only the three errors are open until acknowledged.
swd-queue events --open >open.jsonl
assert_eq "SWD_Unreachable SWD_Unreachable SWD_Unreachable" "$(json_get open.jsonl '" ".join(e["class"] for e in r)')" "open events"
json_get open.jsonl '"\n".join(e["id"] for e in r)' | swd-queue ack >acked.jsonl
assert_eq 3 "$(wc -l <acked.jsonl)" "acknowledged"
swd-queue events --open >open.jsonl
assert_eq 0 "$(wc -l <open.jsonl)" "nothing open after ack"

# The distribution log: the command verbatim, each result, each queue move.
$PY - "$T/distribution.log" "${argv[@]}" <<'PYEOF' || fail "distribution log"
import shlex, sys
lines = [l.rstrip("\n") for l in open(sys.argv[1])]
def parse(line):
    return dict(w.split("=", 1) for w in shlex.split(line))
recs = [parse(l) for l in lines]
received = [r for r in recs if r["event"] == "received"]
assert len(received) == 1, received
assert shlex.split(received[0]["cmd"]) == sys.argv[2:], received[0]["cmd"]
assert received[0]["origin"] == "master-1" and received[0]["targets"] == "pos-1,pos-2,pos-3,pos-4,pos-5"
ok = sorted((r["target"], r["package"]) for r in recs if r["event"] == "result" and r["result"] == "success")
assert ok == sorted((f"pos-{n}", p) for n in range(1, 6) for p in ("pkg-a-1.2", "pkg-b-3.4")), ok
failed = [r for r in recs if r["event"] == "result" and r["result"] == "failed"]
assert len(failed) == 3 and all(r["target"] == "pos-5" and r["failure"] == "connection" for r in failed), failed
moves = [r["queue"] for r in recs if r["event"] == "queue" and r["target"] == "pos-5"]
assert moves == ["hold", "hold", "pull", "done"], moves
assert all(r["dist"] == "D-20261121-0042" for r in recs if "dist" in r)
PYEOF

# One alert per failed attempt reached the server.
swd-queue send
assert_eq 3 "$(ls "$T/mail/new" | wc -l)" "alerts delivered"
for m in "$T"/mail/new/*; do
    assert_contains "$m" "Subject: [SWD] connection failure: pos-5 (pkg-a-1.2) dist D-20261121-0042"
    assert_contains "$m" "Auto-Submitted: auto-generated"
    assert_contains "$m" "X-SWD-Alert: 1"
    assert_contains "$m" "Location: Building 12/Room 3"
    assert_contains "$m" "Region: east"
    assert_contains "$m" "Server: relay-a"
done

# Back through the service center's tools, when they are built.
if command -v swd-ingest >/dev/null; then
    swd-ingest --no-state --keep "$T/mail" >alerts.jsonl
    assert_eq 3 "$(wc -l <alerts.jsonl)" "alerts ingested"
    if command -v swd-validate >/dev/null; then
        printf 'example.com\n' >domains
        printf 'relay-a\n' >nodes
        swd-validate --domains domains --nodes nodes alerts.jsonl >valid.jsonl
        assert_eq 3 "$(wc -l <valid.jsonl)" "valid alerts"
    else
        cp alerts.jsonl valid.jsonl
    fi
    $PY - valid.jsonl <<'PYEOF' || fail "alerts lack fields"
import json, sys
for line in open(sys.argv[1]):
    a = json.loads(line)
    want = {"type": "alert", "failure": "connection", "device": "pos-5", "server": "relay-a",
            "dist": "D-20261121-0042", "package": "pkg-a-1.2", "location": "Building 12/Room 3",
            "region": "east", "node": "relay-a", "domain": "east.example.com"}
    for k, v in want.items():
        assert a.get(k) == v, (k, a.get(k), a)
    for k in ("id", "message_id", "date", "from", "subject", "detail"):
        assert a.get(k), (k, a)
    assert "ep/pos-5" in a["detail"], a["detail"]
PYEOF
fi

# Every record printed above is described in swd-records(5).
check_documented submitted.jsonl run1.jsonl done.jsonl targets.jsonl packages.jsonl
