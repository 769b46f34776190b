#!/usr/bin/env bash
# The documentation keeps up with the tool: the man page names every option, subcommand,
# configuration key and template field; swd.toml(5) every key; swd-records(5) the ticket,
# failed and resolved records. The examples work: a custom template from a file is used, and
# the cron file runs the service center's pipeline.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"
man=$SRC/man/swd-ticket.1.scd
check_man_page swd-ticket "# CONFIGURATION" "# TEMPLATE"
check_config_keys swd-ticket ticket
[[ $(wc -l <keys) -ge 18 ]] || fail "too few [ticket] keys: $(tr '\n' ' ' <keys)"

template_section=$(sed -n '/^# TEMPLATE/,/^# CONFIGURATION/p' "$man")
fields=$(grep -oE '^\s+\{"[a-z_]+",' "$SRC/libcore/ticket/template.cpp" | grep -oE '[a-z_]+' | sort -u)
[[ $(wc -w <<<"$fields") -ge 25 ]] || fail "too few template fields: $fields"
for field in $fields ping traceroute name output time; do
    grep -qE "(^|[ ,*])$field([ ,*]|$)" <<<"$template_section" || fail "man page lacks template field $field"
done

records=$SRC/man/swd-records.5.scd
for type in ticket failed resolved; do
    grep -qF "{\"type\":\"$type\",\"v\":1," "$records" || fail "swd-records(5) lacks a $type example"
done

# The example template, given as [ticket] template, is what the mails are made from.
cat >>"$SWD_CONFIG" <<TOML
[ticket]
default_center = "desk"
diagnostics = false
template = "$T/custom.mustache"
[smtp]
url = "sendmail:$T/mta"
TOML
sed 's/^Device: /Gerät:  /' "$SRC/examples/ticket.mustache" >custom.mustache
printf '#!/bin/sh\ncat >"$0.msg"\n' >mta
chmod +x mta
swd-ticket centers add desk --email desk@example.com
printf '%s\n' '{"type":"alert","v":1,"id":"A-1","time":"2026-11-22T07:00:00Z","failure":"disk","device":"pos-9"}' |
    swd-ticket --now 2026-11-22T07:00:00Z process >/dev/null
swd-ticket --now 2026-11-22T07:00:00Z send
assert_contains mta.msg "Ger=C3=A4t:  "
assert_contains mta.msg "Job ticket T-20261122-0001"

# The cron file: job lines have five time fields, a user, and the pipeline.
cron=$SRC/examples/cron/swd
grep -qE '^\* \* \* \* \* +swd +swd-ingest /var/mail/swd \| swd-validate .*\| swd-ticket .*; swd-ticket send$' "$cron" ||
    fail "cron file lacks the pipeline"
while read -r m h dom mon dow user cmd; do
    [[ $user == swd && -n $cmd ]] || fail "cron line: $m $h $dom $mon $dow $user $cmd"
    for tool in $(grep -oE 'swd-[a-z]+' <<<"$cmd" | sort -u); do
        [[ -e $SRC/tools/$tool.cpp ]] || fail "cron file runs $tool, which is no swd tool"
    done
done < <(grep -E '^[0-9*]' "$cron")

# check-completions only sees options and subcommands: the words of `paging on|off` are
# checked here.
grep -qF "compgen -W 'on off'" "$SRC/completions/bash/swd-ticket" || fail "bash completion lacks paging on|off"
grep -qF "'1:switch:(on off)'" "$SRC/completions/zsh/_swd-ticket" || fail "zsh completion lacks paging on|off"
grep -qE "from paging; .* -a 'on off'$" "$SRC/completions/fish/swd-ticket.fish" || fail "fish completion lacks paging on|off"
