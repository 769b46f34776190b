#!/usr/bin/env bash
# Every built tool's options and subcommands appear in its bash, zsh and fish completions, and
# the checker does notice a completion that misses one.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

read -ra tools <<<"$SWD_TOOLS"
[[ ${#tools[@]} -gt 0 ]] || { echo "no tools built yet"; exit 77; }
built=$(cd "$SWD_BIN_DIR" && ls swd-* | grep -vx swd-unit-tests | sort)
assert_eq "$built" "$(printf '%s\n' "${tools[@]}" | sort)" "the tools ctest names (SWD_TOOLS)"
for tool in "${tools[@]}"; do
    "$SRC/tests/cli/check-completions.sh" "$tool" "$SRC/completions" ||
        fail "$tool: completions out of date"
    "$tool" --list-options | grep -x -- --state >/dev/null || fail "$tool --list-options lacks --state"

    # Drop every line that mentions --state from copies: the checker must fail on each shell.
    cp -r "$SRC/completions" broken
    sed -i '/--state/d;/-l state/d' broken/bash/"$tool" broken/zsh/_"$tool" broken/fish/"$tool".fish
    out=$("$SRC/tests/cli/check-completions.sh" "$tool" broken) && fail "checker missed a gap"
    for shell in bash zsh fish; do
        grep -q "$shell completion lacks '--state'" <<<"$out" || fail "$shell gap not reported"
    done
    rm -rf broken
done
