#!/usr/bin/env bash
# swd-validate's three checks in the seed's order (domain, subject, node), then the fields
# swd-ticket needs (id, device), each with alerts that pass and alerts that fail; valid lines pass byte for byte; every other line becomes a
# reject record with its reason, detail and the original record.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

printf '%s\n' '# served' 'east.example.com' '' 'West.Example.com  # any case' >domains
printf '%s\n' 'relay-a' 'relay-b' 'RELAY-C' >nodes

# Valid alerts, written in odd but legal ways: key order, blanks, escapes, UTF-8, unknown keys.
cat >valid.jsonl <<'EOF'
{"type":"alert","v":1,"id":"A-20261121-000001","from":"swd@relay-a.east.example.com","node":"relay-a","domain":"east.example.com","subject":"[SWD] connection failure: pos-0042","auto_submitted":"auto-generated","device":"pos-0042"}
{ "subject" : "[SWD] disk failure: ws-0107 (Geb\u00e4ude 9) \u2014 \"quoted\"",  "type":"alert", "from":"swd@relay-c.store-9.west.example.com", "extra":{"nested":[1,2]}, "id" : "A-2", "device" : "ws-0107" }
{"type":"alert","v":1,"id":"A-3","device":"pos-0043","from":"SWD@RELAY-B.EAST.EXAMPLE.COM","subject":"[SWD] Report: install failure on pos-0043","auto_submitted":"auto-generated"}
{"type":"alert","v":1,"id":"A-4","device":"relay-d","node":"relay-a","domain":"east.example.com","subject":"Distribution D-1 failed: Regional relay unreachable"}
EOF

# One alert per negative case; "want" is the expected reason (in order).
cat >invalid.jsonl <<'EOF'
{"type":"alert","v":1,"from":"swd@relay-a.partner.example.net","node":"relay-a","domain":"partner.example.net","subject":"[SWD] connection failure: pos-9001"}
{"type":"alert","v":1,"from":"swd@relay-a.example.com","subject":"[SWD] connection failure: pos-9002"}
{"type":"alert","v":1,"from":"swd@relay-a.noteast.example.com","subject":"[SWD] connection failure: pos-9003"}
{"type":"alert","v":1,"from":"swd@relay-z.partner.example.net","subject":"Re: [SWD] connection failure: pos-9004"}
{"type":"alert","v":1,"from":"jane@relay-a.east.example.com","subject":"Re: [SWD] connection failure: pos-0042"}
{"type":"alert","v":1,"from":"jane@relay-a.east.example.com","subject":"RE[2] : AW: [SWD] connection failure: pos-0042"}
{"type":"alert","v":1,"from":"jane@relay-a.east.example.com","subject":"[EXTERNAL] Fwd: [SWD] connection failure: pos-0042"}
{"type":"alert","v":1,"from":"jane@relay-a.east.example.com","subject":"WG: [SWD] x"}
{"type":"alert","v":1,"from":"jane@relay-a.east.example.com","subject":"sv:[SWD] x"}
{"type":"alert","v":1,"from":"jane@relay-a.east.example.com","subject":"TR : [SWD] x"}
{"type":"alert","v":1,"from":"jane@relay-a.east.example.com","subject":"Fw: [SWD] x"}
{"type":"alert","v":1,"from":"carol@relay-b.west.example.com","subject":"Automatic reply: [SWD] disk failure: ws-0107"}
{"type":"alert","v":1,"from":"carol@relay-b.west.example.com","subject":"Abwesenheitsnotiz: [SWD] x"}
{"type":"alert","v":1,"from":"carol@relay-b.west.example.com","subject":"R\u00e9ponse automatique : [SWD] x"}
{"type":"alert","v":1,"from":"carol@relay-b.west.example.com","subject":"[SWD] disk failure: ws-0107","auto_submitted":"auto-replied"}
{"type":"alert","v":1,"from":"swd@relay-z.east.example.com","subject":"[SWD] connection failure: pos-0053"}
{"type":"alert","v":1,"node":"relay","domain":"east.example.com","subject":"[SWD] x"}
{"type":"alert","v":1,"id":"A-5","from":"swd@relay-a.east.example.com","subject":"[SWD] connection failure"}
{"type":"alert","v":1,"device":"pos-0042","from":"swd@relay-a.east.example.com","subject":"[SWD] connection failure: pos-0042","id":""}
{"type":"ticket","v":1,"id":"T-20261121-0001"}
this is not JSON
[1,2,3]
EOF
want="domain domain domain domain subject subject subject subject subject subject subject subject subject subject subject node node incomplete incomplete malformed malformed malformed"

cat valid.jsonl invalid.jsonl >all.jsonl
swd-validate --domains domains --nodes nodes --rejects rejects.jsonl all.jsonl >out.jsonl 2>err ||
    fail "exit $? on a mixed input"
cmp out.jsonl valid.jsonl || fail "valid alerts were not passed through byte for byte"
[[ ! -s err ]] || fail "stderr not empty with --rejects and without -v: $(cat err)"

# Each reject: the right reason, stage validate, the original record (or line), in order.
$PY - invalid.jsonl rejects.jsonl "$want" <<'PYEOF' || fail "reject records are wrong"
import json, sys
lines = [l.rstrip("\n") for l in open(sys.argv[1])]
rejects = [json.loads(l) for l in open(sys.argv[2])]
want = sys.argv[3].split()
assert len(rejects) == len(lines) == len(want), (len(rejects), len(lines), len(want))
for n, (line, rec, reason) in enumerate(zip(lines, rejects, want), 1):
    assert list(rec)[:2] == ["type", "v"] and rec["type"] == "reject" and rec["v"] == 1, rec
    assert rec["stage"] == "validate", rec
    assert rec["reason"] == reason, (n, reason, rec)
    assert rec["detail"], rec
    try:
        original = json.loads(line)
    except ValueError:
        original = None
    if isinstance(original, dict):
        assert rec["record"] == original, (rec, original)
    else:
        assert rec["line"] == line and rec["source"] == "all.jsonl:%d" % (n + 4), rec
details = [r["detail"] for r in rejects]
assert details[0] == "domain 'partner.example.net' is not in the domain list", details[0]
assert details[4] == "subject starts with 'Re:'", details[4]
assert details[5] == "subject starts with 'RE[2] :'", details[5]
assert details[11] == "out-of-office or automatic reply: subject contains 'Automatic reply'"
assert details[14] == "Auto-Submitted: auto-replied", details[14]
assert details[15] == "node 'relay-z' is not in the node list", details[15]
assert details[17] == "no device (swd-ticket needs it)", details[17]
assert details[18] == "no id (swd-ticket needs it)", details[18]
assert details[19] == "not an alert record (type 'ticket')", details[19]
PYEOF

# Rejects are appended, so that cron runs add to one file.
swd-validate --domains domains --nodes nodes --rejects rejects.jsonl invalid.jsonl >/dev/null ||
    true
assert_eq 44 "$(wc -l <rejects.jsonl)" "rejects after two runs"

# Exit 1 when there were records and none was valid; 0 on empty input.
expect_status 1 swd-validate --domains domains --nodes nodes --rejects r2 invalid.jsonl
expect_status 0 swd-validate --domains domains --nodes nodes --rejects r3 /dev/null
printf '\n   \n' | swd-validate --domains domains --nodes nodes >out 2>err ||
    fail "blank lines only should exit 0"
[[ ! -s out && ! -s r3 ]] || fail "blank lines gave output"

# Without --rejects: one stderr line per reject, named by input and line; -q silences them.
swd-validate --domains domains --nodes nodes all.jsonl >out.jsonl 2>err || fail "exit $?"
cmp out.jsonl valid.jsonl || fail "output differs without --rejects"
assert_eq 22 "$(wc -l <err)" "stderr lines"
assert_contains err "swd-validate: all.jsonl:9: subject: subject starts with 'Re:'"
assert_contains err "swd-validate: all.jsonl:5: domain: domain 'partner.example.net' is not"
assert_contains err "swd-validate: all.jsonl:25: malformed: "
swd-validate -q --domains domains --nodes nodes all.jsonl >/dev/null 2>err || fail "-q: exit $?"
[[ ! -s err ]] || fail "-q did not silence rejects: $(cat err)"

# -v: the count summary.
swd-validate -v --domains domains --nodes nodes --rejects r4 all.jsonl >/dev/null 2>err ||
    fail "-v: exit $?"
assert_contains err \
    "swd-validate: 26 records: 4 valid, 22 rejected (domain 4, subject 11, node 2, incomplete 2, malformed 3)"

# stdin, and several inputs in turn.
swd-validate --domains domains --nodes nodes --rejects r5 <all.jsonl >out.jsonl || fail "stdin"
cmp out.jsonl valid.jsonl || fail "stdin output differs"
swd-validate --domains domains --nodes nodes --rejects r6 valid.jsonl - valid.jsonl \
    <valid.jsonl >out.jsonl || fail "several inputs"
assert_eq 12 "$(wc -l <out.jsonl)" "valid lines from three inputs"
[[ -e r6 && ! -s r6 ]] || fail "the rejects file should exist and be empty"

# --format table is for people: a header and one row per valid alert.
swd-validate --format table --domains domains --nodes nodes --rejects r7 valid.jsonl >table
assert_contains table "DATE"
assert_contains table "SUBJECT"
assert_eq 5 "$(wc -l <table)" "table lines"

# Both lists were files: the state file was never needed.
[[ ! -e "$SWD_STATE" ]] || fail "the state file was created although both lists were files"

# Every record printed above is described in swd-records(5).
check_documented rejects.jsonl
