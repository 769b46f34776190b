#!/usr/bin/env bash
# The real pipeline on the sample mail: swd-ingest examples/mail/{maildir,alerts.mbox} |
# swd-validate with examples/mail/domains.txt and nodes.txt keeps exactly the real alerts
# (examples/mail/README lists what each message is), passes them byte for byte, and rejects
# every reply, forward, out-of-office answer, foreign domain and unknown node for its reason.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

command -v swd-ingest >/dev/null || { echo "swd-ingest is not built"; exit 77; }

cp -r "$SRC/examples/mail/maildir" mail
cp "$SRC/examples/mail/alerts.mbox" alerts.mbox
# One more message: a normal-looking subject, but an automatic answer by its header.
cat >vacation.eml <<'EOF'
From: Relay A <swd@relay-a.east.example.com>
To: swd@service.example.com
Subject: [SWD] connection failure: pos-0042 (pkg-a-1.2) dist D-20261121-0042
Date: Sat, 21 Nov 2026 10:20:00 +0000
Message-ID: <vacation-1@relay-a.east.example.com>
Auto-Submitted: auto-replied

I am away until Monday.
EOF

status=0
swd-ingest --no-state --config "$SRC/examples/mail/ingest.toml" --rejects ingest-rejects.jsonl \
    mail alerts.mbox vacation.eml >alerts.jsonl 2>ingest.err || status=$?
assert_eq 6 "$status" "swd-ingest exit (the two broken messages)"
swd-validate --domains "$SRC/examples/mail/domains.txt" --nodes "$SRC/examples/mail/nodes.txt" \
    --rejects rejects.jsonl alerts.jsonl >valid.jsonl || fail "swd-validate: exit $?"

# The same through a pipe, as cron runs it.
cp -r "$SRC/examples/mail/maildir" mail2
set +e
swd-ingest --no-state --config "$SRC/examples/mail/ingest.toml" mail2 alerts.mbox vacation.eml \
    2>/dev/null |
    swd-validate --domains "$SRC/examples/mail/domains.txt" --nodes "$SRC/examples/mail/nodes.txt" \
        --rejects piped-rejects.jsonl >piped.jsonl
statuses="${PIPESTATUS[*]}"
set -e
assert_eq "6 0" "$statuses" "pipeline exit statuses"
sed 's/mail2\//mail\//' piped.jsonl | cmp - valid.jsonl || fail "the pipe gave other alerts"

$PY - alerts.jsonl valid.jsonl rejects.jsonl <<'PYEOF' || fail "wrong validation of the samples"
import json, sys
alerts = open(sys.argv[1], "rb").read().splitlines()
valid = open(sys.argv[2], "rb").read().splitlines()
rejects = [json.loads(l) for l in open(sys.argv[3])]

# Every alert ends up valid or rejected, exactly once; valid ones byte for byte, in order.
assert len(valid) + len(rejects) == len(alerts), (len(valid), len(rejects), len(alerts))
it = iter(alerts)
assert all(any(v == a for a in it) for v in valid), "valid lines are not the input's lines"

def key(rec):
    """Q number of a Maildir message, mbox position (by subject), or the file name."""
    src = rec["source"]
    if src.startswith("maildir:"):
        return "Q" + src.split("Q")[-1].split(".")[0]
    return src.split(":", 1)[1].split("#")[0].split("/")[-1] + ":" + rec.get("subject", "")[:20]

got_valid = sorted(key(json.loads(l)) for l in valid)
want_valid = sorted(["Q1", "Q2", "Q3", "Q8",
                     "alerts.mbox:[SWD] connection fai",   # message 1
                     "alerts.mbox:Distribution D-20261",   # messages 2 and 3
                     "alerts.mbox:Distribution D-20261",
                     "alerts.mbox:[SWD] install failur",   # message 4 (ISO-8859-1)
                     "alerts.mbox:[SWD] connection fai",   # message 5, its duplicate
                     "alerts.mbox:[SWD] timeout failur"])  # message 11
assert got_valid == want_valid, got_valid

got = sorted((key(r["record"]), r["reason"], r["detail"]) for r in rejects)
want = sorted([
    ("Q4", "subject", "subject starts with 'Re:'"),
    ("Q5", "subject", "subject starts with 'Fwd:'"),
    ("Q6", "subject", "out-of-office or automatic reply: subject contains 'Automatic reply'"),
    ("Q7", "domain", "domain 'partner.example.net' is not in the domain list"),
    ("alerts.mbox:AW: [SWD] connection", "subject", "subject starts with 'AW:'"),
    ("alerts.mbox:Out of Office: [SWD]", "subject",
     "out-of-office or automatic reply: subject contains 'Out of Office'"),
    ("alerts.mbox:Fw: [SWD] connection", "subject", "subject starts with 'Fw:'"),
    ("alerts.mbox:[SWD] disk failure: ", "domain", "domain 'example.org' is not in the domain list"),
    ("alerts.mbox:[SWD] connection fai", "node", "node 'relay-z' is not in the node list"),
    ("vacation.eml:[SWD] connection fai", "subject", "Auto-Submitted: auto-replied"),
])
assert got == want, got
for r in rejects:
    assert r["type"] == "reject" and r["stage"] == "validate" and r["record"]["type"] == "alert"
PYEOF

# swd-ingest's own rejects (the two broken messages) never reach swd-validate.
assert_eq 2 "$(wc -l <ingest-rejects.jsonl)" "swd-ingest rejects"
