#!/usr/bin/env bash
# The main job end to end on one host, in a temporary directory removed at the end:
# a relay server distributes two packages to six local endpoints, one of them down; its error
# alerts reach the service center by SMTP; swd-ingest | swd-validate | swd-ticket turns them into
# a ticket that a maintenance center receives by SMTP; the endpoint is repaired; swd-redist
# redistributes what failed, with the original parameters; swd-ticket resolve closes the loop.
#
# Usage: examples/demo.sh BIN_DIR   (what `make demo` runs after building)
set -euo pipefail
bin=$(cd "${1:?usage: demo.sh BIN_DIR}" && pwd)
examples=$(cd "$(dirname "$0")" && pwd)
export PATH="$bin:$PATH" TZ=UTC
py=/usr/bin/python3

work=$(mktemp -d "${TMPDIR:-/tmp}/swd-demo.XXXXXX")
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
free_port() {
    $py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
# A real SMTP server on loopback (Debian's python3-aiosmtpd) delivering into a Maildir.
smtp_server() {
    local port=$1 maildir=$2
    mkdir -p "$maildir"/{cur,new,tmp}
    $py -m aiosmtpd -n -l "127.0.0.1:$port" -c aiosmtpd.handlers.Mailbox "$maildir" \
        2>>"$work/smtpd.log" &
    pids+=("$!")
    for _ in $(seq 100); do
        $py -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" \
            2>/dev/null && return 0
        sleep 0.05
    done
    echo "demo: SMTP server on port $port did not start" >&2
    exit 5
}

today=$(date -u +%Y%m%d)
dist="D-$today-0042"
relay=$work/relay desk=$work/desk center=$work/center endpoints=$work/endpoints
mkdir -p "$relay" "$desk" "$center" "$endpoints"

say "Two real SMTP servers on loopback: the service center's and the maintenance center's"
desk_port=$(free_port)
smtp_server "$desk_port" "$desk/mail"
center_port=$(free_port)
smtp_server "$center_port" "$center/mail"
echo "service center mail: 127.0.0.1:$desk_port -> $desk/mail"
echo "maintenance center mail: 127.0.0.1:$center_port -> $center/mail"

# Two hosts' worth of configuration and state: the relay server and the service center.
cat >"$relay/swd.toml" <<EOF
[state]
path = "$relay/state.db"
[smtp]
url = "smtp://127.0.0.1:$desk_port"
from = "swd-queue <swd@relay-a.east.example.com>"
[alerts]
to = ["alerts@desk.example.com"]
[queue]
packages = "$relay/packages"
spool = "$relay/spool"
log = "$relay/log/distribution.log"
push_retries = 1
pull_retries = 0
retry_interval = "1s"
[redist]
server = "relay-a"
log_dir = "$relay/log"
EOF
cat >"$desk/swd.toml" <<EOF
[state]
path = "$desk/state.db"
[smtp]
url = "smtp://127.0.0.1:$center_port"
from = "swd-ticket <desk@example.com>"
[ticket]
default_center = "mc-east"
[ticket.thresholds]
connection = 2
EOF
relay_do() { SWD_CONFIG=$relay/swd.toml "$@"; }
desk_do() { SWD_CONFIG=$desk/swd.toml "$@"; }

say "Relay server relay-a: six endpoints (pos-0004 is down), two packages"
for n in 1 2 3 5 6; do mkdir -p "$endpoints/pos-000$n"; done
relay_do swd-queue targets add pos-0001 pos-0002 pos-0003 pos-0004 pos-0005 pos-0006 \
    --transport "local:$endpoints/{target}" --location "Building 12/Room 3" --region east \
    --address 127.0.0.1 >/dev/null
relay_do swd-queue packages add "$examples/packages/pkg-a-1.2" "$examples/packages/pkg-b-3.4" \
    >/dev/null
relay_do swd-queue --format table targets list

say "The master sends a distribution (pos-0004 with the per-target parameter 'replace')"
echo "$ swd-queue submit --dist $dist --origin master-1 --package pkg-a-1.2 --package pkg-b-3.4 --target pos-0001 ... --target pos-0004:replace ..."
relay_do swd-queue submit --dist "$dist" --origin master-1 \
    --package pkg-a-1.2 --package pkg-b-3.4 \
    --target pos-0001 --target pos-0002 --target pos-0003 --target pos-0004:replace \
    --target pos-0005 --target pos-0006 >/dev/null

say "The queue manager runs; pos-0004 fails, is retried once, then aborted"
relay_do swd-queue run --once >/dev/null || true
# The retry is due a second later; on a busy machine it may take a few more rounds before it
# is aborted and its alert mail is accepted by the service center.
for _ in $(seq 30); do
    sleep 1
    relay_do swd-queue run --once >/dev/null || true
    relay_do swd-queue send >/dev/null || true
    [[ -n $(ls "$desk/mail/new") ]] && break
done
echo "events (swd-queue events):"
relay_do swd-queue --format table events | cut -c1-150 | sed 's/^/  /'
echo "distribution log ($relay/log/distribution.log):"
# (Never `| head` under pipefail: a writer still writing when head leaves dies of SIGPIPE.)
cut -c1-160 "$relay/log/distribution.log" | sed -n '1,8s/^/  /p'
echo "  ..."

say "Service center: the alert mails that arrived"
ls "$desk/mail/new" | sed 's/^/  /'

say "Service center: device inventory, the maintenance center, and the pipeline"
cat >"$desk/devices.csv" <<EOF
name,address,domain,region,building,room,paging
relay-a,127.0.0.1,east.example.com,east,Building 1,Server room,no
pos-0001,127.0.0.1,east.example.com,east,Building 12,Room 3,no
pos-0002,127.0.0.1,east.example.com,east,Building 12,Room 3,no
pos-0003,127.0.0.1,east.example.com,east,Building 12,Room 3,no
pos-0004,127.0.0.1,east.example.com,east,Building 12,Room 4,no
pos-0005,127.0.0.1,east.example.com,east,Building 12,Room 3,no
pos-0006,127.0.0.1,east.example.com,east,Building 12,Room 3,no
EOF
desk_do swd-ticket devices import "$desk/devices.csv"
desk_do swd-ticket centers add mc-east --email mc-east@example.com
desk_do swd-ticket buildings set "Building 12" --center mc-east
printf 'example.com\n' >"$desk/domains"
printf 'relay-a\n' >"$desk/nodes"
echo '$ swd-ingest MAILDIR | swd-validate --domains FILE --nodes FILE | swd-ticket && swd-ticket send'
desk_do swd-ingest "$desk/mail" | tee "$work/alerts.jsonl" |
    desk_do swd-validate --domains "$desk/domains" --nodes "$desk/nodes" |
    desk_do swd-ticket >"$work/tickets.jsonl"
desk_do swd-ticket send
desk_do swd-ticket --format table list

say "Maintenance center mc-east receives this ticket"
for m in "$center/mail/new"/*; do
    sed -n '/^Subject:/p;/^To:/p' "$m" | sed 's/^/  /'
    echo
    sed '1,/^\r\{0,1\}$/d' "$m" | sed -n '1,30s/^/  | /p'
done

say "pos-0004 is repaired; the operator redistributes from relay-a"
mkdir -p "$endpoints/pos-0004"
echo '$ swd-ticket failed --server relay-a | swd-redist --yes -'
desk_do swd-ticket failed --server relay-a | relay_do swd-redist --yes - >"$work/redist.jsonl"
$py -c 'import json, shlex, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["type"] == "redist":
        print("  %s: %s %s -> %s for %s" % (r["id"], r["status"], r["dist"], r.get("new_dist", "-"),
                                         " ".join(r["recipients"])))
        print("  new command:", shlex.join(r.get("argv", [])))' "$work/redist.jsonl"
relay_do swd-queue run --once >/dev/null

say "Back at the service center: the redistributed jobs are resolved"
desk_do swd-ticket resolve "$work/redist.jsonl"

say "Summary"
alerts=$(wc -l <"$work/alerts.jsonl")
tickets=$(wc -l <"$work/tickets.jsonl")
redists=$(grep '"type":"redist"' "$work/redist.jsonl" | grep -c '"status":"issued"' || true)
open_failed=$(desk_do swd-ticket failed --server relay-a --status open | wc -l)
printf '  %-28s %s\n' "alerts ingested" "$alerts" "tickets" "$tickets" \
    "redistributed jobs" "$redists" "failed records still open" "$open_failed"
echo "  mail: SMTP, through two real SMTP servers on loopback (python3-aiosmtpd), not sendmail"
echo
printf '  %-10s %s\n' ENDPOINT "INSTALLED PACKAGES"
all_ok=1
for n in 1 2 3 4 5 6; do
    have=$(ls "$endpoints/pos-000$n/var/lib/swd/installed" 2>/dev/null | sed 's/\.json$//' | sort | tr '\n' ' ')
    printf '  %-10s %s\n' "pos-000$n" "${have:-(none)}"
    [[ $have == *pkg-a-1.2*pkg-b-3.4* ]] || all_ok=0
done
if [[ $all_ok == 1 && $open_failed == 0 ]]; then
    echo; echo "Every endpoint holds both packages; every failed job is resolved."
    echo "Shown: swd-ingest, swd-validate, swd-ticket, swd-queue, swd-redist (the whole main job)."
    echo "Not built yet: swd-scan, swd-fingerprint, swd-rollout (patch discovery, staged rollouts)."
else
    echo; echo "demo: the loop did not close (see above)" >&2
    exit 1
fi
