#!/usr/bin/env bash
# The administration subcommands (devices, outages, centers, buildings, --dry-run) and hostile
# input: malformed lines, records that are not alerts, shell metacharacters in device names,
# unreadable and hostile paths. A bad item is one stderr line and exit 6, never a crash.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"
cat >>"$SWD_CONFIG" <<'TOML'
[ticket]
diagnostics = false
default_center = "desk"
TOML
swd-ticket centers add desk --email desk@example.com

# Devices: the example inventory, then a re-import that moves a device.
swd-ticket devices import "$SRC/examples/devices.csv"
swd-ticket devices list >devices.jsonl
assert_eq 13 "$(wc -l <devices.jsonl)" "example devices"
assert_contains devices.jsonl '{"type":"device","v":1,"name":"pos-0042","address":"10.1.2.3","domain":"east.example.com","region":"east","building":"Building 12","room":"Room 3","location":"Building 12/Room 3","paging":false}'
printf 'name,building,room,paging\npos-0042,Building 14,Room 9,yes\n' >move.csv
swd-ticket devices import move.csv
assert_contains <(swd-ticket devices list) '"name":"pos-0042","building":"Building 14","room":"Room 9","location":"Building 14/Room 9","paging":true}'
printf 'name,address\n"pos-1,10.0.0.1\n' >broken.csv
expect_status 2 swd-ticket devices import broken.csv 2>broken.err
assert_contains broken.err "broken.csv"
expect_status 6 swd-ticket devices import no-such.csv 2>missing.err
assert_contains missing.err "no-such.csv"

# Outages: add, import, list, remove.
swd-ticket --now 2026-11-22T08:00:00Z outages add pos-0042 --until 2026-11-22T12:00:00Z \
    --reason 'disk swap; "room" 3' >added.jsonl
assert_eq '{"type":"outage","v":1,"id":1,"device":"pos-0042","from":"2026-11-22T08:00:00Z","until":"2026-11-22T12:00:00Z","reason":"disk swap; \"room\" 3","created":"2026-11-22T08:00:00Z"}' \
    "$(cat added.jsonl)"
printf 'device,from,until,reason\npos-0041,2026-11-23,2026-11-24,"move, to annex"\n' >outages.csv
swd-ticket outages import outages.csv
assert_eq 2 "$(swd-ticket outages list | wc -l)"
assert_eq 1 "$(swd-ticket outages list --device POS-0041 | wc -l)"
swd-ticket outages remove 1
expect_status 1 swd-ticket outages remove 1 2>/dev/null
expect_status 2 swd-ticket outages remove one 2>/dev/null
expect_status 2 swd-ticket outages add relay-a --from 2026-11-22T12:00:00Z --until 2026-11-22T08:00:00Z 2>order.err
assert_contains order.err "--until must be after --from"
expect_status 2 swd-ticket outages add relay-a --until tomorrow 2>when.err
assert_contains when.err "--until: 'tomorrow' is neither a date"

# Centers and buildings.
swd-ticket centers add mc-east --email "a@example.com, b@example.com" --pager p@example.com
assert_contains <(swd-ticket centers list) '{"type":"center","v":1,"name":"mc-east","email":["a@example.com","b@example.com"],"pager":"p@example.com"}'
swd-ticket buildings set "Building 14" --center mc-east
swd-ticket buildings set Annex --served-by "Building 14"
assert_eq '{"type":"building","v":1,"name":"Annex","served_by":"Building 14"}' "$(swd-ticket buildings list | head -1)"
expect_status 2 swd-ticket buildings set X --center nowhere 2>/dev/null
expect_status 2 swd-ticket buildings set X --center mc-east --served-by Y 2>/dev/null

# --dry-run changes nothing.
swd-ticket --dry-run centers add other --email o@example.com
assert_eq 2 "$(swd-ticket centers list | wc -l)" "centers after a dry run"
printf '%s\n' '{"type":"alert","v":1,"id":"A-D","time":"2026-11-22T07:00:00Z","failure":"disk","device":"pos-0050"}' >one.jsonl
swd-ticket --dry-run --now 2026-11-22T07:00:00Z process one.jsonl >dry.jsonl
assert_eq "new pos-0050" "$(json_get dry.jsonl 'r[0]["status"] + " " + r[0]["device"]')"
assert_eq 0 "$(swd-ticket list | wc -l)" "tickets after a dry run"
assert_eq 0 "$(swd-ticket alerts | wc -l)" "alerts after a dry run"

# Hostile input: each bad line is one stderr line; the good alerts are still processed.
{
    echo 'not json at all'
    echo '[1,2,3]'
    echo '{"type":"reject","v":1,"reason":"subject"}'
    echo '{"type":"alert","v":1,"device":"pos-1"}'
    echo '{"type":"alert","v":1,"id":"A-H0"}'
    printf '%s\n' '{"type":"alert","v":1,"id":"A-H1","time":"2026-11-22T07:00:00Z","failure":"disk","device":"pos-1;touch pwned-$(id -u)","location":"`touch pwned2`"}'
    printf '%s\n' '{"type":"alert","v":1,"id":"A-H2","time":"2026-11-22T07:00:00Z","failure":"disk","device":"-oProxyCommand=touch pwned3","detail":"\u0000\u001b[31mred"}'
    printf '%s\n' '{"type":"alert","v":1,"id":"A-H3","time":"2026-11-22T07:00:00Z","failure":"disk","device":"pos-2\r\nBcc: victim@example.com"}'
} >hostile.jsonl
# Diagnostics on: a device name is never handed to a command that could take it as an option.
cat >diag.toml <<'TOML'
[ticket]
default_center = "desk"
ping = "ping -c 1 -W 1 {address}"
traceroute = ""
TOML
expect_status 6 swd-ticket --config diag.toml --now 2026-11-22T07:00:00Z process hostile.jsonl \
    /nonexistent/dir/alerts.jsonl >hostile-out.jsonl 2>hostile.err
assert_contains hostile.err "hostile.jsonl:1:"
assert_contains hostile.err "hostile.jsonl:2: expected a JSON object"
assert_contains hostile.err "hostile.jsonl:3: a 'reject' record, not an alert"
assert_contains hostile.err "hostile.jsonl:4: alert without an id"
assert_contains hostile.err "hostile.jsonl:5: alert A-H0 names no device"
assert_contains hostile.err "/nonexistent/dir/alerts.jsonl"
assert_eq 3 "$(wc -l <hostile-out.jsonl)" "tickets from the good alerts"
ls pwned* 2>/dev/null && fail "a shell ran"
assert_eq "not run: 'pos-1;touch pwned-\$(id -u)' is not a host name or address" \
    "$(json_get hostile-out.jsonl 'r[0]["diagnostics"]["ping"]')"
assert_eq "not run: '-oproxycommand=touch pwned3' is not a host name or address" \
    "$(json_get hostile-out.jsonl 'r[1]["diagnostics"]["ping"]')"
port=$(free_port)
mkdir -p maildir/{cur,new,tmp}
start_smtp "$port" "$T/maildir"
printf '[smtp]\nurl = "smtp://127.0.0.1:%s"\n' "$port" >>diag.toml
swd-ticket --config diag.toml --now 2026-11-22T07:01:00Z send
assert_eq 3 "$(ls maildir/new | wc -l)" "messages"
grep -l "^Bcc:" maildir/new/* && fail "a header was injected"
assert_contains <(grep -h '^Subject:' maildir/new/*) "pos-2  bcc: victim@example.com"
assert_eq "desk@example.com" "$(grep -h '^X-RcptTo:' maildir/new/* | sort -u | sed 's/X-RcptTo: //')"

# Bad flags.
expect_status 2 swd-ticket --now yesterday list 2>/dev/null
expect_status 2 swd-ticket list --since sometime 2>/dev/null
expect_status 2 swd-ticket report --by colour 2>/dev/null
expect_status 2 swd-ticket list --status lost 2>/dev/null
expect_status 3 swd-ticket --config /nonexistent/swd.toml list 2>/dev/null

# Every record printed above is described in swd-records(5).
check_documented devices.jsonl added.jsonl
