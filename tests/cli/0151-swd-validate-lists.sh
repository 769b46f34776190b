#!/usr/bin/env bash
# Where swd-validate's lists and patterns come from: --domains/--nodes files, else [validate]
# in the configuration, else the device inventory in the state file; an empty list with no
# file is a configuration error (exit 3) that says how to give one.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

cat >alerts.jsonl <<'EOF'
{"type":"alert","v":1,"id":"A-1","device":"pos-0001","from":"swd@relay-a.east.example.com","subject":"[SWD] connection failure: pos-0042"}
{"type":"alert","v":1,"id":"A-2","device":"pos-0002","from":"swd@pos-0042.store-9.west.example.com","subject":"[SWD] disk failure: pos-0042"}
{"type":"alert","v":1,"id":"A-3","device":"pos-0003","from":"swd@relay-b.north.example.com","subject":"[SWD] install failure: pos-0050"}
{"type":"alert","v":1,"id":"A-4","device":"pos-0004","from":"ops@relay-a.east.example.com","subject":"Antw: [SWD] connection failure: pos-0042"}
{"type":"alert","v":1,"id":"A-5","device":"pos-0005","from":"ops@relay-a.east.example.com","subject":"[SWD] connection failure: pos-0042 (I am on vacation)"}
EOF
# passed OUT — the line numbers of alerts.jsonl whose exact line is in OUT.
passed() {
    $PY - alerts.jsonl "$1" <<'PYEOF'
import sys
out = open(sys.argv[2]).read().splitlines(True)
print(" ".join(str(n) for n, line in enumerate(open(sys.argv[1]), 1) if line in out))
PYEOF
}

# The example lists.
swd-validate --domains "$SRC/examples/mail/domains.txt" --nodes "$SRC/examples/mail/nodes.txt" \
    --rejects rej alerts.jsonl >out || fail "examples: exit $?"
assert_eq "1 4 5" "$(passed out)" "with the example lists"

# [validate] in the configuration; a flag beats the file's key.
printf '%s\n' east.example.com west.example.com north.example.com >domains
printf '%s\n' relay-a relay-b pos-0042 >nodes
printf '%s\n' relay-b >only-b
cat >>"$SWD_CONFIG" <<EOF
[validate]
domains = "$T/domains"
nodes = "$T/nodes"
rejects = "$T/config-rejects.jsonl"
reply_patterns = ['^\\s*antw\\s*:']
auto_reply_patterns = ["on vacation"]
EOF
swd-validate alerts.jsonl >out || fail "config: exit $?"
assert_eq "1 2 3" "$(passed out)" "with [validate]"
assert_eq "subject subject" "$(json_get config-rejects.jsonl '" ".join(x["reason"] for x in r)')"
assert_eq "subject matches reply pattern '^\\s*antw\\s*:'" \
    "$(json_get config-rejects.jsonl 'r[0]["detail"]')" "detail of a configured pattern"
swd-validate --nodes only-b --rejects flag-rejects.jsonl alerts.jsonl >out || fail "flag: exit $?"
assert_eq "3" "$(passed out)" "--nodes over [validate] nodes"
assert_eq 4 "$(wc -l <flag-rejects.jsonl)" "--rejects over [validate] rejects"
swd-validate --print-config | grep -E "^nodes = [\"']$T/nodes[\"']  # file$" >/dev/null ||
    fail "--print-config lacks validate.nodes"
[[ ! -e "$SWD_STATE" ]] || fail "the state file was created although both lists were files"

# A bad pattern or list is a configuration error naming it.
printf '[validate]\nauto_reply_patterns = ["(unclosed"]\n' >bad.toml
expect_status 3 swd-validate --config bad.toml --domains domains --nodes nodes alerts.jsonl 2>err
assert_contains err "validate.auto_reply_patterns: '(unclosed' is not a regular expression"
printf 'relay-a\nrelay b\n' >bad-nodes
expect_status 3 swd-validate --domains domains --nodes bad-nodes alerts.jsonl 2>err
assert_contains err "swd-validate: bad-nodes:2: 'relay b': one entry per line, without blanks inside"
expect_status 3 swd-validate --domains domains --nodes missing-file alerts.jsonl 2>err
assert_contains err "swd-validate: missing-file: No such file or directory"
# An empty list file is taken at its word, with a warning.
printf '# nobody yet\n' >empty
expect_status 1 swd-validate --domains domains --nodes empty --rejects r alerts.jsonl 2>err
assert_contains err "empty: the node list is empty: every alert will be rejected"

# No list anywhere (no [validate] keys, no device in the state file): exit 3, no output, and a
# message that says how to give one.
export SWD_CONFIG="$T/empty.toml"
: >"$SWD_CONFIG"
expect_status 3 swd-validate alerts.jsonl >out 2>err
[[ ! -s out ]] || fail "output despite a configuration error"
assert_contains err "swd-validate: no domain list: give --domains FILE, set [validate] domains, or import the device inventory into the state file $SWD_STATE"
expect_status 3 swd-validate --domains "$SRC/examples/mail/domains.txt" alerts.jsonl 2>err
assert_contains err "swd-validate: no node list: give --nodes FILE, set [validate] nodes"

# No state file is an empty inventory: the same error, and no state file made.
[[ ! -e "$SWD_STATE" ]] || fail "swd-validate made a state file"

# The device inventory in the state file: device names are the nodes, their domains the domains.
printf 'name,address,domain,region,building,room,paging\n' >no-devices.csv
swd-ticket devices import no-devices.csv 2>/dev/null
$PY - "$SWD_STATE" <<'PYEOF' || fail "cannot add devices"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executemany("INSERT INTO devices(name, address, domain, region, building, room, paging) "
               "VALUES(?, ?, ?, ?, ?, ?, ?)",
               [("relay-a", "10.0.0.1", "east.example.com", "east", "B1", "", 0),
                ("POS-0042", "10.0.9.42", "store-9.west.example.com", "west", "B9", "R3", 1)])
db.commit()
PYEOF
swd-validate --rejects state-rejects.jsonl alerts.jsonl >out || fail "from the state: exit $?"
assert_eq "1 2 4 5" "$(passed out)" "with the device inventory"
assert_eq "domain" "$(json_get state-rejects.jsonl 'r[0]["reason"]')"
# The domain list from a file, the nodes still from the devices.
swd-validate --domains domains --rejects r2 alerts.jsonl >out || fail "mixed: exit $?"
assert_eq "1 2 4 5" "$(passed out)" "domains from a file, nodes from the devices"
assert_eq "node 'relay-b' is not in the node list" "$(json_get r2 'r[0]["detail"]')"
