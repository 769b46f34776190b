#!/usr/bin/env bash
# Queue alerts through `sendmail:` (a fake sendmail given by its path): one failed attempt, one
# message, with the argv of sendmail (-i -f FROM -- TO) and every DESIGN §5 header and field;
# it parses back through swd-ingest. A sendmail that asks to try later (exit 75) is retried and
# the alert arrives once.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

queue_config
cat >>"$SWD_CONFIG" <<EOF
push_retries = 0
pull_retries = 0
alert_retry = ["0s", "1s"]
[alerts]
to = ["Service Center <service-center@example.com>"]
[smtp]
url = "sendmail:$T/fake-sendmail"
from = "swd@relay-a.east.example.com"
timeout = "10s"
EOF
mkdir -p sm
cat >fake-sendmail <<EOF
#!/bin/sh
# A sendmail that keeps each message as sm/N.eml with its argv in sm/N.args; it exits with
# what $T/sendmail.exit says (0 when there is no such file).
code=\$(cat "$T/sendmail.exit" 2>/dev/null || echo 0)
if [ "\$code" != 0 ]; then cat >/dev/null; echo "fake-sendmail: try later" >&2; exit "\$code"; fi
n=\$(ls "$T/sm" | grep -c '\.eml\$')
printf '%s\n' "\$@" >"$T/sm/\$n.args"
cat >"$T/sm/\$n.tmp" && mv "$T/sm/\$n.tmp" "$T/sm/\$n.eml"
EOF
chmod +x fake-sendmail

swd-queue packages add "$SRC/examples/packages/pkg-a-1.2" >/dev/null
swd-queue targets add pos-7 --transport "local:$T/ep/pos-7" --location "Building 12/Room 3" \
    --region east >/dev/null  # switched off
swd-queue submit --dist D-20261121-0042 --package pkg-a-1.2 --target pos-7 >/dev/null
expect_status 6 swd-queue run --once >run.jsonl 2>run.err
assert_eq 1 "$(ls sm/*.eml | wc -l)" "one alert through sendmail"
assert_eq "-i|-f|swd@relay-a.east.example.com|--|service-center@example.com" "$(paste -sd'|' sm/0.args)" \
    "sendmail argv"
assert_eq "sent 1" "$(swd-queue alerts | json_get /dev/stdin 'r[0]["status"] + " " + str(r[0]["attempts"])')" "alert sent"

m=sm/0.eml
for header in "From: swd-queue <swd@relay-a.east.example.com>" \
    "Subject: [SWD] connection failure: pos-7 (pkg-a-1.2) dist D-20261121-0042" \
    "To: Service Center <service-center@example.com>" \
    "Auto-Submitted: auto-generated" "X-SWD-Alert: 1"; do
    grep -qxF -- "$header" <(tr -d '\r' <"$m") || fail "alert lacks header [$header]"
done
grep -Eiq '^Message-ID: <[^@>]+@relay-a\.east\.example\.com>' "$m" || fail "Message-ID"
grep -Eq '^Date: ' "$m" || fail "Date"
tr -d '\r' <"$m" | sed '1,/^$/d' >body
$PY - body "$T" <<'PYEOF' || fail "alert body"
import re, sys
lines = [l for l in open(sys.argv[1]).read().split("\n") if l]
fields = dict(l.split(": ", 1) for l in lines)
assert list(fields) == ["Failure-Type", "Device", "Server", "Distribution-ID", "Package",
                        "Location", "Region", "Time", "Detail"], list(fields)
want = {"Failure-Type": "connection", "Device": "pos-7", "Server": "relay-a",
        "Distribution-ID": "D-20261121-0042", "Package": "pkg-a-1.2",
        "Location": "Building 12/Room 3", "Region": "east"}
for k, v in want.items():
    assert fields[k] == v, (k, fields[k])
assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", fields["Time"]), fields["Time"]
assert fields["Detail"].startswith(f"endpoint root {sys.argv[2]}/ep/pos-7"), fields["Detail"]
PYEOF

if command -v swd-ingest >/dev/null; then
    swd-ingest --no-state "$m" >alert.jsonl
    assert_eq "connection pos-7 relay-a D-20261121-0042 pkg-a-1.2 east relay-a east.example.com" \
        "$(json_get alert.jsonl '" ".join(r[0][k] for k in ("failure", "device", "server", "dist", "package", "region", "node", "domain"))')" \
        "ingested alert"
fi

# sendmail exits 75 (EX_TEMPFAIL): pending, retried, delivered once it takes the message.
echo 75 >sendmail.exit
swd-queue submit --dist D-TEMPFAIL --package pkg-a-1.2 --target pos-7 >/dev/null
expect_status 6 swd-queue run --once >/dev/null 2>&1
swd-queue alerts >alerts.jsonl
assert_eq "pending 1" "$(json_get alerts.jsonl 'r[1]["status"] + " " + str(r[1]["attempts"])')" "after a tempfail"
assert_contains <(json_get alerts.jsonl 'r[1]["last_error"]') "fake-sendmail: try later"
rm sendmail.exit
sleep 1.1
swd-queue send
assert_eq "sent 2" "$(swd-queue alerts | json_get /dev/stdin 'r[1]["status"] + " " + str(r[1]["attempts"])')" "retried"
assert_eq 2 "$(ls sm/*.eml | wc -l)" "two alerts in all"
assert_contains sm/1.eml "Distribution-ID: D-TEMPFAIL"
