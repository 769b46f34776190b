#!/usr/bin/env bash
# Done when 7: the man page names every option of --list-options and every [redist] key, has
# EXIT STATUS (every status 0-7) and EXAMPLES; swd-records(5) documents the redist and resolved
# records with example lines that parse as JSON and every field of the redist example; swd.7
# shows the whole loop; swd.toml(5) has every [redist] key; scdoc builds the pages; the
# completions know every option.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

page=$SRC/man/swd-redist.1.scd
records=$SRC/man/swd-records.5.scd
overview=$SRC/man/swd.7.scd
check_man_page swd-redist "# SYNOPSIS" "# DESCRIPTION" "# OPTIONS" "# CONFIGURATION"
assert_eq 23 "$(wc -l <listed)" "options listed"
examples=$(sed -n '/^# EXAMPLES$/,/^# /p' "$page")
for cmd in 'swd-redist --dry-run' 'swd-redist --yes' '--manager' 'swd-ticket failed' 'swd-ticket resolve -'; do
    grep -qF -- "$cmd" <<<"$examples" || fail "EXAMPLES lack $cmd"
done

# Every [redist] key, in the man page and in swd.toml(5).
check_config_keys swd-redist redist
assert_eq "server window lookback log_dir manager manager_timeout" "$(tr '\n' ' ' <keys | sed 's/ $//')" "[redist] keys"

# swd-records(5): redist and resolved, with example lines that are JSON, and every field of the
# redist example described.
$PY - "$records" <<'PYEOF' || fail "swd-records(5)"
import json, re, sys
text = open(sys.argv[1]).read()
examples = {}
for line in text.splitlines():
    if line.startswith('{"type":'):
        r = json.loads(line)  # must parse
        examples.setdefault(r["type"], r)
for t in ("redist", "resolved"):
    assert t in examples, "no %s example" % t
    assert list(examples[t])[:2] == ["type", "v"], examples[t]
redist = examples["redist"]
assert isinstance(redist["argv"], list) and redist["argv"][:2] == ["swd-queue", "submit"], redist["argv"]
assert redist["new_dist"] == redist["redist_of"] + "-R1"
assert set(redist["why"]) == set(redist["recipients"])
assert ["--redist-of", redist["redist_of"]] == redist["argv"][4:6]
section = text[text.index("\n## redist\n"):]
section = section[:section.find("\n## ", 1)] if "\n## " in section[1:] else section
for key in redist:
    if key in ("type", "v"):
        continue
    assert re.search(r"(^|[ ,])\*%s\*" % key, section, re.M), "redist field %s not described" % key
for status in ("issued", "declined", "dry-run", "not-found", "refused", "completed"):
    assert "*%s*" % status in section, "status %s not described" % status
resolved = examples["resolved"]
assert {"dist", "server", "device", "by", "new_dist"} <= set(resolved), resolved
PYEOF

# swd.7: the whole loop, each step in order, and swd-redist in the list of tools.
loop=$(sed -n '/^# THE WHOLE LOOP$/,/^# /p' "$overview" | tr '\n' ' ' | tr -s ' ')
[[ -n $loop ]] || fail "swd.7 lacks THE WHOLE LOOP"
$PY - "$loop" <<'PYEOF' || fail "swd.7's whole loop: $loop"
import sys
loop = sys.argv[1]
steps = ["make demo", "swd-ingest | swd-validate | swd-ticket", "swd-ticket failed | swd-redist --yes -",
         "swd-queue run", "swd-ticket resolve"]
at = [loop.find(s) for s in steps]
assert all(a >= 0 for a in at), list(zip(steps, at))
assert at == sorted(at), list(zip(steps, at))
PYEOF
grep -qF '*swd-redist*(1)' "$overview" || fail "swd.7 does not list swd-redist(1)"
grep -qF 'swd-redist -' "$overview" || fail "swd.7 lacks the pipeline into swd-redist"

# Completions.
