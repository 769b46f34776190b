#!/usr/bin/env bash
# The documentation keeps up with swd-ingest: the man page builds with scdoc and defines every
# option of --list-options (but the hidden --list-options itself) in its OPTIONS section, has
# EXAMPLES and an EXIT STATUS table with every status; swd-records(5) documents the alert and
# reject records, with an example line of each that is JSON of the right type and with every
# key that swd-ingest really writes; swd(7) shows the swd-ingest | swd-validate | swd-ticket
# pipeline; the completions know every option.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

man=$SRC/man/swd-ingest.1.scd
records=$SRC/man/swd-records.5.scd
overview=$SRC/man/swd.7.scd
check_man_page swd-ingest "# OPTIONS"
check_config_keys swd-ingest ingest
assert_eq "-h --help --version --state --config -v --verbose -q --quiet --format --print-config --dry-run --rejects --all --keep --no-state" \
    "$(tr '\n' ' ' <listed | sed 's/ $//')" "options listed"
grep -qE '^:- partial failure: a message was rejected' exit-status || fail "EXIT STATUS: 6"

# swd-records(5): one example line per record type, JSON of that type.
for type in alert reject; do
    grep -E "^\{\"type\":\"$type\"," "$records" >"$type.example" || fail "swd-records.5 lacks a $type example"
    assert_eq 1 "$(wc -l <"$type.example")" "$type example lines"
    assert_eq "$type 1" "$(json_get "$type.example" 'r[0]["type"]+" "+str(r[0]["v"])')" "$type example"
done
assert_eq "alert pos-0042 connection ingest malformed" \
    "$(json_get alert.example 'r[0]["type"]+" "+r[0]["device"]+" "+r[0]["failure"]')$(
        json_get reject.example '" "+r[0]["stage"]+" "+r[0]["reason"]')"

# Every key swd-ingest writes on the sample mail is a field of its table in swd-records(5), and
# every reject reason it can give is named there.
cp -r "$SRC/examples/mail/maildir" maildir
cat "$SRC/examples/mail/ingest.toml" >>"$SWD_CONFIG"
expect_status 6 swd-ingest --no-state --rejects rejects.jsonl maildir "$SRC/examples/mail/alerts.mbox" \
    >alerts.jsonl 2>/dev/null
awk '/^## alert, reject$/{on=1; next} /^## /{on=0} on' "$records" >types.scd
json_get alerts.jsonl '"\n".join(sorted({k for x in r for k in x}))' >alert.keys
json_get rejects.jsonl '"\n".join(sorted({k for x in r for k in x}))' >reject.keys
assert_eq "auto_submitted date detail device dist domain failure failure_text forwarded from id location message_id node package region server source subject time type v" \
    "$(tr '\n' ' ' <alert.keys | sed 's/ $//')" "keys swd-ingest writes"
assert_eq "detail reason source stage type v" "$(tr '\n' ' ' <reject.keys | sed 's/ $//')" "reject keys"
for key in $(grep -vxE 'type|v' alert.keys reject.keys | cut -d: -f2 | sort -u); do
    grep -qE "^\|  (.*, )?$key(,|$)" types.scd || fail "swd-records.5 lacks the field $key"
done
for reason in malformed too-large unreadable; do
    grep -qF "*$reason*" types.scd || fail "swd-records.5 lacks the ingest reason $reason"
done

# swd(7) shows the pipeline (a command line, continuation lines joined).
sed -e ':a' -e '/\\$/{N; s/\\\n *//; ba}' "$overview" >overview.joined
grep -qE '^swd-ingest [^|]*\| *swd-validate[^|]*\| *swd-ticket( |$)' overview.joined ||
    fail "swd.7 lacks the swd-ingest | swd-validate | swd-ticket pipeline"
grep -qF '*swd-ingest*(1)' "$overview" || fail "swd.7 does not list swd-ingest(1)"

