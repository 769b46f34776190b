#!/usr/bin/env bash
# The query options and the less common settings give exactly the expected records: report
# --by failure|device|region|center, report --since, the table header, list --since, the
# alerts filters, resolve FILE, no failed record for an alert without a distribution id, the
# package threshold's default of 1, a custom retry ladder, a non-default reopen window, and
# drop_outage_alerts = true.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"
. "$SRC/tests/cli/ticket/setup.sh"

# alert ID DEVICE FAILURE HH:MM [DIST [SERVER [PACKAGE]]] — one alert of 2026-11-21.
alert() {
    local dist=${5:+,\"dist\":\"$5\",\"server\":\"${6:-relay-a}\",\"package\":\"${7:-pkg-a}\"}
    printf '{"type":"alert","v":1,"id":"%s","time":"2026-11-21T%s:00Z","device":"%s","failure":"%s","region":"%s"%s}\n' \
        "$1" "$4" "$2" "$3" "$([[ $2 == pos-w* ]] && echo west || echo east)" "$dist"
}
ids() { json_get /dev/stdin '" ".join(x["id"] for x in r)'; }

{
    alert A-Q-01 pos-e1 connection 01:00 D-Q-1
    alert A-Q-02 pos-e1 connection 01:10 D-Q-1
    alert A-Q-03 pos-e1 connection 01:20
    alert A-Q-04 pos-e1 connection 01:30 D-Q-2
    alert A-Q-05 pos-w2 package 02:00 D-Q-3 relay-c pkg-b
    alert A-Q-06 pos-e4 access 03:00
} >first.jsonl
{
    alert A-Q-07 pos-e3 disk 09:00 D-Q-4
    alert A-Q-08 pos-e1 connection 10:00
    alert A-Q-09 pos-w1 connection 20:00 D-Q-5 relay-c
    alert A-Q-10 pos-w1 connection 20:30 D-Q-5 relay-c
} >second.jsonl
swd-ticket --now 2026-11-21T04:00:00Z process first.jsonl >first-tickets.jsonl
swd-ticket --now 2026-11-21T21:00:00Z process second.jsonl >second-tickets.jsonl
assert_eq "T-20261121-0001 T-20261121-0002" "$(ids <first-tickets.jsonl)" "first tickets"
assert_eq "T-20261121-0003" "$(ids <second-tickets.jsonl)" "second tickets"

# What was done with each alert.
assert_eq "A-Q-01=counted A-Q-02=counted A-Q-03=counted A-Q-04=ticket T-20261121-0001 A-Q-05=ticket T-20261121-0002 A-Q-06=counted A-Q-07=suppressed-outage A-Q-08=updated T-20261121-0001 A-Q-09=counted A-Q-10=ticket T-20261121-0003" \
    "$(swd-ticket alerts | json_get /dev/stdin '" ".join(a["id"] + "=" + a["action"] for a in r)')" "actions"

# The package threshold is 1 by default: one alert made T-0002.
assert_eq "package 1 1 ['A-Q-05']" \
    "$(swd-ticket show T-20261121-0002 | json_get /dev/stdin '"%s %d %d %s" % (r[0]["failure"], r[0]["threshold"], r[0]["count"], r[0]["alerts"])')" \
    "package ticket"

# Failed distributions: none from A-Q-03, A-Q-06 and A-Q-08, which name no distribution.
assert_eq "D-Q-1/pos-e1/A-Q-02 D-Q-2/pos-e1/A-Q-04 D-Q-3/pos-w2/A-Q-05 D-Q-4/pos-e3/A-Q-07 D-Q-5/pos-w1/A-Q-10" \
    "$(swd-ticket failed --status all | json_get /dev/stdin '" ".join("%s/%s/%s" % (f["dist"], f["device"], f["alert"]) for f in r)')" \
    "failed records"
assert_eq 0 "$(sqlite3 "$SWD_STATE" "SELECT count(*) FROM ticket_failed WHERE alert IN ('A-Q-03', 'A-Q-06', 'A-Q-08') OR device = 'pos-e4'")" \
    "failed rows of alerts without a distribution"

# resolve FILE: the resolved record closes pos-w2's ticket; other record types are ignored.
cat >resolved.jsonl <<'EOF'
{"type":"request","v":1,"id":"R-1","dist":"D-Q-3"}
{"type":"resolved","v":1,"dist":"D-Q-3","server":"relay-c","device":"pos-w2","by":"X-20261121-0001","new_dist":"D-Q-3-R1"}
EOF
swd-ticket --now 2026-11-21T22:00:00Z resolve resolved.jsonl >resolve.out
assert_eq '{"type":"failed","v":1,"dist":"D-Q-3","server":"relay-c","device":"pos-w2","package":"pkg-b","failed_at":"2026-11-21T02:00:00Z","alert":"A-Q-05","status":"resolved","by":"X-20261121-0001","new_dist":"D-Q-3-R1","resolved_at":"2026-11-21T22:00:00Z"}' \
    "$(cat resolve.out)" "resolve output"
assert_eq "T-20261121-0002 2026-11-21T22:00:00Z False" \
    "$(swd-ticket list --status closed | json_get /dev/stdin '" ".join("%s %s %s" % (t["id"], t["closed"], t["open"]) for t in r)')" \
    "closed by resolve"
assert_eq "D-Q-1 D-Q-2 D-Q-4 D-Q-5" "$(swd-ticket failed | json_get /dev/stdin '" ".join(f["dist"] for f in r)')" \
    "open failures after resolve"

# Reports.
r='{"type":"report","v":1,"by":'
assert_eq "$r\"failure\",\"key\":\"access\",\"alerts\":1,\"suppressed\":0,\"tickets\":0,\"open\":0}
$r\"failure\",\"key\":\"connection\",\"alerts\":7,\"suppressed\":0,\"tickets\":2,\"open\":2}
$r\"failure\",\"key\":\"disk\",\"alerts\":1,\"suppressed\":1,\"tickets\":0,\"open\":0}
$r\"failure\",\"key\":\"package\",\"alerts\":1,\"suppressed\":0,\"tickets\":1,\"open\":0}" \
    "$(swd-ticket report --by failure)" "report --by failure"
assert_eq "$r\"device\",\"key\":\"pos-e1\",\"alerts\":5,\"suppressed\":0,\"tickets\":1,\"open\":1}
$r\"device\",\"key\":\"pos-e3\",\"alerts\":1,\"suppressed\":1,\"tickets\":0,\"open\":0}
$r\"device\",\"key\":\"pos-e4\",\"alerts\":1,\"suppressed\":0,\"tickets\":0,\"open\":0}
$r\"device\",\"key\":\"pos-w1\",\"alerts\":2,\"suppressed\":0,\"tickets\":1,\"open\":1}
$r\"device\",\"key\":\"pos-w2\",\"alerts\":1,\"suppressed\":0,\"tickets\":1,\"open\":0}" \
    "$(swd-ticket report --by device)" "report --by device"
assert_eq "$r\"region\",\"key\":\"east\",\"alerts\":7,\"suppressed\":1,\"tickets\":1,\"open\":1}
$r\"region\",\"key\":\"west\",\"alerts\":3,\"suppressed\":0,\"tickets\":2,\"open\":1}" \
    "$(swd-ticket report --by region)" "report --by region"
assert_eq "$r\"center\",\"key\":\"mc-east\",\"tickets\":1,\"open\":1}
$r\"center\",\"key\":\"mc-west\",\"tickets\":2,\"open\":1}" \
    "$(swd-ticket report --by center)" "report --by center"
# --since: alerts from 05:00 on (A-Q-07..10), tickets created from then on (T-0003 only).
assert_eq "$r\"failure\",\"key\":\"connection\",\"alerts\":3,\"suppressed\":0,\"tickets\":1,\"open\":1}
$r\"failure\",\"key\":\"disk\",\"alerts\":1,\"suppressed\":1,\"tickets\":0,\"open\":0}" \
    "$(swd-ticket report --by failure --since 2026-11-21T05:00:00Z)" "report --since a date"
assert_eq "$r\"center\",\"key\":\"mc-west\",\"tickets\":1,\"open\":1}" \
    "$(swd-ticket --now 2026-11-21T21:30:00Z report --by center --since 1h)" "report --since 1h"
swd-ticket report --by region --format table >table.txt
read -r -a header <table.txt
assert_eq "BY KEY ALERTS SUPPRESSED TICKETS OPEN" "${header[*]}" "table header"
assert_eq 3 "$(wc -l <table.txt)" "table lines"
assert_eq "region west 3 0 2 1" "$(tail -n 1 table.txt | tr -s ' ' | sed 's/ $//')" "table row"

# list --since, as a date and as a duration.
assert_eq "T-20261121-0003" "$(swd-ticket list --since 2026-11-21T05:00:00Z | ids)" "list --since a date"
assert_eq "T-20261121-0003" "$(swd-ticket --now 2026-11-21T21:30:00Z list --since 1h | ids)" "list --since 1h"
assert_eq "T-20261121-0001 T-20261121-0002 T-20261121-0003" "$(swd-ticket list --since 2026-11-21T04:00:00Z | ids)" \
    "list --since, inclusive"
assert_eq "" "$(swd-ticket list --since 2026-11-21T21:00:01Z | ids)" "list --since after the last"

# The alerts filters, alone and together.
assert_eq "A-Q-01 A-Q-02 A-Q-03 A-Q-04 A-Q-08" "$(swd-ticket alerts --device pos-e1 | ids)" "alerts --device"
assert_eq "A-Q-04 A-Q-05 A-Q-10" "$(swd-ticket alerts --action ticket | ids)" "alerts --action ticket"
assert_eq "A-Q-08" "$(swd-ticket alerts --action updated | ids)" "alerts --action updated"
assert_eq "A-Q-07" "$(swd-ticket alerts --action suppressed | ids)" "alerts --action suppressed"
assert_eq "A-Q-07 A-Q-08 A-Q-09 A-Q-10" "$(swd-ticket alerts --since 2026-11-21T09:00:00Z | ids)" "alerts --since a date"
assert_eq "A-Q-09 A-Q-10" "$(swd-ticket --now 2026-11-21T21:00:00Z alerts --since 1h | ids)" "alerts --since 1h"
assert_eq "A-Q-01 A-Q-02 A-Q-03" "$(swd-ticket alerts --device pos-e1 --action counted | ids)" \
    "alerts --device --action"
assert_eq "A-Q-08" "$(swd-ticket alerts --device pos-e1 --since 2026-11-21T02:00:00Z | ids)" \
    "alerts --device --since"

# A fresh state file with only the default center, for the settings below.
fresh() {
    export SWD_STATE=$T/$1.db
    swd-ticket centers add desk --email desk@example.com
}

# A custom retry ladder: first attempt 15 s after the mail is written, then 45 s and 2 min after
# the first attempt; nothing listens on the SMTP port, so the third failure is the last.
fresh retry
sed -i 's/^\[ticket\]$/[ticket]\nretry = ["15s", "45s", "2m"]/' "$SWD_CONFIG"
alert A-R-1 pos-r1 disk 07:00 | swd-ticket --now 2026-11-22T00:00:00Z process >/dev/null
attempts() { swd-ticket show T-20261122-0001 | json_get /dev/stdin '"%s %d" % (r[0]["status"], r[0]["attempts"])'; }
swd-ticket --now 2026-11-22T00:00:00Z send
assert_eq "queued 0" "$(attempts)" "before the first rung"
swd-ticket --now 2026-11-22T00:00:14Z send
assert_eq "queued 0" "$(attempts)" "1 s before the first rung"
expect_status 5 swd-ticket --now 2026-11-22T00:00:15Z send 2>/dev/null
assert_eq "queued 1" "$(attempts)" "at the first rung"
swd-ticket --now 2026-11-22T00:00:59Z send
assert_eq "queued 1" "$(attempts)" "1 s before the second rung"
expect_status 5 swd-ticket --now 2026-11-22T00:01:00Z send 2>/dev/null
assert_eq "queued 2" "$(attempts)" "at the second rung"
swd-ticket --now 2026-11-22T00:02:14Z send
assert_eq "queued 2" "$(attempts)" "1 s before the third rung"
expect_status 6 swd-ticket --now 2026-11-22T00:02:15Z send 2>last.err
assert_eq "failed 3" "$(attempts)" "at the third rung"
assert_contains last.err "T-20261122-0001"
swd-ticket --now 2026-11-22T05:00:00Z send
assert_eq "failed 3" "$(attempts)" "no attempt after the ladder"
assert_eq "T-20261122-0001" "$(swd-ticket list --status failed | ids)" "list --status failed"
sed -i '/^retry = /d' "$SWD_CONFIG"

# reopen = "30m": 25 minutes after it was closed, an alert reopens the ticket; 31 minutes after,
# it makes a new one (the default 4 h would have reopened it).
fresh reopen
sed -i 's/^\[ticket\]$/[ticket]\nreopen = "30m"/' "$SWD_CONFIG"
alert A-O-1 pos-r2 disk 05:00 | swd-ticket --now 2026-11-21T05:00:00Z process >/dev/null
swd-ticket --now 2026-11-21T05:10:00Z close T-20261121-0001
alert A-O-2 pos-r2 disk 05:35 | swd-ticket --now 2026-11-21T05:35:00Z process >reopened.jsonl
assert_eq 0 "$(wc -l <reopened.jsonl)" "a new ticket within the reopen window"
swd-ticket --now 2026-11-21T06:00:00Z close T-20261121-0001
alert A-O-3 pos-r2 disk 06:31 | swd-ticket --now 2026-11-21T06:31:00Z process >new.jsonl
assert_eq "T-20261121-0002" "$(ids <new.jsonl)" "a new ticket after the reopen window"
assert_eq "A-O-1=ticket T-20261121-0001 A-O-2=reopened T-20261121-0001 A-O-3=ticket T-20261121-0002" \
    "$(swd-ticket alerts | json_get /dev/stdin '" ".join(a["id"] + "=" + a["action"] for a in r)')" "reopen actions"
assert_eq "2 1 ['A-O-1', 'A-O-2']" \
    "$(swd-ticket show T-20261121-0001 | json_get /dev/stdin '"%d %d %s" % (r[0]["count"], r[0]["reopened"], r[0]["alerts"])')" \
    "reopened ticket"
sed -i '/^reopen = /d' "$SWD_CONFIG"

# drop_outage_alerts: the same alerts (three during an outage, then one after it) with the
# setting off (the outage alerts count: the fourth alert meets the threshold of 4) and on (they
# leave the count: no ticket).
{
    alert A-D-1 pos-r3 connection 08:10
    alert A-D-2 pos-r3 connection 08:20
    alert A-D-3 pos-r3 connection 08:30
    alert A-D-4 pos-r3 connection 09:10
} >outage.jsonl
for drop in false true; do
    fresh "drop-$drop"
    printf 'name,address,domain,region,building,room,paging\npos-r3,10.9.0.3,east.example.com,east,B3,R1,no\n' >r3.csv
    swd-ticket devices import r3.csv 2>/dev/null
    swd-ticket outages add pos-r3 --from 2026-11-21T08:00:00Z --until 2026-11-21T09:00:00Z >/dev/null
    sed -i "s/^\[ticket\]\$/[ticket]\ndrop_outage_alerts = $drop/" "$SWD_CONFIG"
    swd-ticket --now 2026-11-21T10:00:00Z process outage.jsonl >"tickets-$drop.jsonl"
    swd-ticket alerts | json_get /dev/stdin '" ".join("%s=%s/%s" % (a["id"], a["action"], a["counted"]) for a in r)' >"actions-$drop"
    sed -i '/^drop_outage_alerts = /d' "$SWD_CONFIG"
done
assert_eq "T-20261121-0001 1 4" "$(json_get tickets-false.jsonl '" ".join("%s %d %d" % (t["id"], t["count"], t["threshold"]) for t in r)')" \
    "drop_outage_alerts = false"
assert_eq "A-D-1=counted/True A-D-2=counted/True A-D-3=counted/True A-D-4=ticket T-20261121-0001/True" \
    "$(cat actions-false)" "actions, outage alerts counted"
assert_eq 0 "$(wc -l <tickets-true.jsonl)" "drop_outage_alerts = true: tickets"
assert_eq "A-D-1=suppressed-outage/False A-D-2=suppressed-outage/False A-D-3=suppressed-outage/False A-D-4=counted/True" \
    "$(cat actions-true)" "actions, outage alerts dropped"

# Every record printed above is described in swd-records(5).
check_documented resolved.jsonl outage.jsonl
