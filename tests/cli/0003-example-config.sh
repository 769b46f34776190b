#!/usr/bin/env bash
# examples/swd.toml (DESIGN §11) is a configuration the tools take as it is: each built tool reads
# it without a warning, and every key it sets is one some tool uses (--print-config shows it as
# coming from the file).
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

unset SWD_STATE  # else [state] path would come from the environment
example=$SRC/examples/swd.toml
read -ra tools <<<"$SWD_TOOLS"
[[ ${#tools[@]} -gt 0 ]] || { echo "no tools built yet"; exit 77; }
for tool in "${tools[@]}"; do
    expect_status 0 "$tool" --config "$example" --print-config >"$tool.out" 2>"$tool.err"
    [[ ! -s $tool.err ]] || fail "$tool warns about examples/swd.toml: $(cat "$tool.err")"
done

$PY - "$example" ./*.out <<'PYEOF' || fail "examples/swd.toml sets keys no tool uses"
import re, sys, tomllib
shown = set()
for path in sys.argv[2:]:
    section = None
    for line in open(path):
        if m := re.match(r"^\[(\w+)\]$", line):
            section = m[1]
        elif m := re.match(r"^(\w+) = .*  # file$", line):
            shown.add((section, m[1]))
config = tomllib.load(open(sys.argv[1], "rb"))
unused = [(s, k) for s, keys in config.items() for k in keys if (s, k) not in shown]
assert not unused, unused
PYEOF
