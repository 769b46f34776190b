#!/usr/bin/env bash
# The service center's cron line, exactly as examples/cron/swd and swd(7) give it, run by sh on
# the example mail (issue 14, item 1): the alerts that name no device (alerts.mbox messages 2 and
# 3, read without ingest.toml) are swd-validate's rejects, not a failure of swd-ticket that would
# stop the line; the tickets go out. When a stage fails, "send" still delivers what is queued.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

cron_line=$(grep -E '^\* \* \* \* \* +swd +' "$SRC/examples/cron/swd" | sed -E 's/^([^ ]+ +){6}//')
[[ $cron_line == swd-ingest* ]] || fail "no pipeline line in examples/cron/swd"
# swd(7) shows the same command, wrapped once.
man_line=$(sed -n '/^swd-ingest \/var\/mail\/swd | swd-validate/,/^```/p' "$SRC/man/swd.7.scd" |
    sed '$d' | sed -E 's/ \\$//; s/^ +//' | paste -sd' ')
assert_eq "$cron_line" "$man_line" "swd(7)'s pipeline and the cron file's"

SMTP_PORT=$(free_port)
cat >>"$SWD_CONFIG" <<TOML
[validate]
domains = "$SRC/examples/mail/domains.txt"
nodes = "$SRC/examples/mail/nodes.txt"
[ticket]
default_center = "desk"
diagnostics = false
threshold = 1
thresholds = { connection = 1, install = 1, timeout = 1, access = 1 }
[smtp]
url = "smtp://127.0.0.1:$SMTP_PORT"
from = "swd-ticket <swd@service.example.com>"
TOML
swd-ticket centers add desk --email desk@example.com
mkdir -p log mail/{cur,new,tmp}
cp "$SRC/examples/mail/alerts.mbox" alerts.mbox
command=${cron_line//\/var\/mail\/swd/$T/alerts.mbox}
command=${command//\/var\/log\/swd/$T/log}
start_smtp "$SMTP_PORT" "$T/mail"

# swd-ingest exits 6 (message 12 is no mail), but the line's status is that of its last command.
sh -c "$command" 2>cron.err || fail "cron line: exit $?: $(cat cron.err)"
assert_eq "domain 1, incomplete 2, node 1, subject 3" \
    "$(json_get log/rejects.jsonl '", ".join(f"{k} {v}" for k, v in sorted(__import__("collections").Counter(x["reason"] for x in r).items()))')"
assert_eq "no device (swd-ticket needs it)" \
    "$(json_get log/rejects.jsonl '"|".join(sorted({x["detail"] for x in r if x["reason"] == "incomplete"}))')"
assert_eq 3 "$(wc -l <log/tickets.jsonl)" "tickets made"
assert_eq 3 "$(ls mail/new | wc -l)" "tickets delivered"

# A stage that fails (here the shell cannot open the ticket log) does not keep what is queued
# from going out: a ticket made by hand and not sent yet is sent by the line.
printf '%s\n' '{"type":"alert","v":1,"id":"A-20261121-900001","device":"pos-0099","failure":"disk"}' |
    swd-ticket >queued.jsonl 2>queued.err || fail "by hand: $(cat queued.err)"
assert_eq 1 "$(wc -l <queued.jsonl)" "ticket made by hand: $(cat queued.err)"
rm log/tickets.jsonl
mkdir log/tickets.jsonl
: >empty.mbox
command=${cron_line//\/var\/mail\/swd/$T/empty.mbox}
command=${command//\/var\/log\/swd/$T/log}
sh -c "$command" 2>cron2.err || true
assert_contains cron2.err "tickets.jsonl"
$PY - "$T/mail/new" <<'PYEOF' || fail "the queued ticket was not sent by the line"
import email, os, sys
subjects = [email.message_from_binary_file(open(os.path.join(sys.argv[1], f), "rb"))["Subject"]
            for f in os.listdir(sys.argv[1])]
assert len(subjects) == 4, subjects
assert any("pos-0099" in s for s in subjects), subjects
PYEOF
