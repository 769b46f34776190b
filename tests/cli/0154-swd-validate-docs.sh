#!/usr/bin/env bash
# The documentation keeps up with swd-validate: the man page builds with scdoc and defines every
# option of --list-options (but the hidden --list-options itself) in its OPTIONS section, every
# [validate] key of --print-config in CONFIGURATION, has EXAMPLES and an EXIT STATUS table with
# every status; the example files it names exist, and its sample-mail example gives what
# examples/mail/README says; swd-records(5) documents the reject record and the validate
# reasons; swd(7) shows the pipeline; the completions know every option.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

man=$SRC/man/swd-validate.1.scd
records=$SRC/man/swd-records.5.scd
overview=$SRC/man/swd.7.scd
check_man_page swd-validate "# OPTIONS" "# CONFIGURATION"
assert_eq "-h --help --version --state --config -v --verbose -q --quiet --format --print-config --domains --nodes --rejects" \
    "$(tr '\n' ' ' <listed | sed 's/ $//')" "options listed"
check_config_keys swd-validate validate
assert_eq "auto_reply_patterns domains nodes rejects reply_patterns" \
    "$(sort keys | tr '\n' ' ' | sed 's/ $//')" "[validate] keys"
grep -qE '^:- the input had records and none was valid' exit-status || fail "EXIT STATUS: 1"

# The example files the man page names exist, and its sample-mail example works: the rejects
# are the ones examples/mail/README lists for the Maildir and the mbox (and a line that is no
# JSON is malformed; without ingest.toml, mbox messages 2 and 3 name no device: incomplete).
paths=$(grep -oE 'examples/[A-Za-z0-9_./-]+' "$man" | sort -u)
assert_eq "examples/mail/alerts.mbox examples/mail/domains.txt examples/mail/maildir examples/mail/nodes.txt" \
    "$(tr '\n' ' ' <<<"$paths" | sed 's/ $//')" "example paths in the man page"
for p in $paths; do
    [[ -e $SRC/$p ]] || fail "the man page names $p, which does not exist"
done
cp -r "$SRC/examples/mail/maildir" mail
expect_status 6 swd-ingest --no-state mail "$SRC/examples/mail/alerts.mbox" 2>/dev/null >alerts.jsonl
printf 'not an alert\n' >>alerts.jsonl
expect_status 0 swd-validate --domains "$SRC/examples/mail/domains.txt" \
    --nodes "$SRC/examples/mail/nodes.txt" --rejects rejects.jsonl alerts.jsonl >valid.jsonl
assert_eq "domain 2, incomplete 2, malformed 1, node 1, subject 6" \
    "$(json_get rejects.jsonl '", ".join(f"{k} {v}" for k, v in sorted(__import__("collections").Counter(x["reason"] for x in r).items()))')"
assert_eq 8 "$(wc -l <valid.jsonl)" "valid sample alerts (without ingest.toml)"

# swd-records(5): the reject example is JSON, and the validate reasons are named.
grep -E '^\{"type":"reject",' "$records" >reject.example || fail "swd-records.5 lacks a reject example"
assert_eq "reject 1" "$(json_get reject.example 'r[0]["type"]+" "+str(r[0]["v"])')" "reject example"
awk '/^## alert, reject$/{on=1; next} /^## /{on=0} on' "$records" >types.scd
json_get rejects.jsonl '"\n".join(sorted({k for x in r for k in x} - {"type", "v"}))' >reject.keys
assert_eq "detail line reason record source stage" "$(tr '\n' ' ' <reject.keys | sed 's/ $//')" "reject keys"
while read -r key; do
    grep -qE "^\|  (.*, )?$key(,|$)" types.scd || fail "swd-records.5 lacks the reject field $key"
done <reject.keys
reasons=$(sed -n '/^Reasons of \*swd-validate\*/,/^$/p' types.scd)
for reason in domain subject node malformed; do
    grep -qF "*$reason*" <<<"$reasons" || fail "swd-records.5 lacks the validate reason $reason"
done

# swd(7) shows the pipeline (a command line, continuation lines joined).
sed -e ':a' -e '/\\$/{N; s/\\\n *//; ba}' "$overview" >overview.joined
grep -qE '^swd-ingest [^|]*\| *swd-validate[^|]*\| *swd-ticket( |$)' overview.joined ||
    fail "swd.7 lacks the swd-ingest | swd-validate | swd-ticket pipeline"
grep -qF '*swd-validate*(1)' "$overview" || fail "swd.7 does not list swd-validate(1)"

