# Sourced by the swd-ticket CLI tests after lib.sh: the scenario's inventory, centers,
# buildings, outage and threshold overrides, its alert stream in $T/alerts.jsonl, and mail to
# 127.0.0.1:$SMTP_PORT (nothing listens there until a test starts a server).
TICKET_DIR=$SRC/tests/cli/ticket
SMTP_PORT=$(free_port)
cat >>"$SWD_CONFIG" <<TOML
[ticket]
default_center = "desk"
diagnostics = false
[smtp]
url = "smtp://127.0.0.1:$SMTP_PORT"
from = "swd-ticket <swd@service.example.com>"
TOML
swd-ticket devices import "$TICKET_DIR/devices.csv"
swd-ticket centers add mc-east --email mc-east@example.com --pager page-east@example.com
swd-ticket centers add mc-west --email mc-west@example.com
swd-ticket centers add desk --email desk@example.com
swd-ticket buildings set "Building 12" --center mc-east
swd-ticket buildings set "Gebäude 7" --center mc-west
swd-ticket buildings set "Building 30" --served-by "Building 12"
swd-ticket outages add pos-e3 --from 2026-11-21T08:00:00Z --until 2026-11-21T12:00:00Z \
    --reason "disk swap" >/dev/null
swd-ticket thresholds set connection 2 --region west
swd-ticket thresholds set timeout 1 --device pos-e2
$PY "$TICKET_DIR/scenario.py" >"$T/alerts.jsonl"

# start_answering_smtp — the SMTP server of ticket/smtpd.py on $SMTP_PORT: messages go to
# $T/smtpd/NNNNNN.eml; its answer is what $T/smtpd.answer says (250, 451 or 550).
start_answering_smtp() {
    $PY "$TICKET_DIR/smtpd.py" "$SMTP_PORT" "$T/smtpd" "$T/smtpd.answer" 2>>"$T/smtpd.log" &
    SMTP_PID=$!
    _swd_pids+=("$SMTP_PID")
    wait_port "$SMTP_PORT"
}
