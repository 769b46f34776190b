#!/usr/bin/env bash
# check-completions.sh TOOL COMPLETIONS_DIR — compares what TOOL says it takes (--list-options)
# with its bash, zsh and fish completion files; prints every word a file misses and exits 1 if
# any is missing.
set -uo pipefail
tool=$1 dir=$2
bash_file=$dir/bash/$tool zsh_file=$dir/zsh/_$tool fish_file=$dir/fish/$tool.fish
status=0
for f in "$bash_file" "$zsh_file" "$fish_file"; do
    [[ -f $f ]] || { echo "$tool: missing completion file $f"; status=1; }
done
[[ $status == 0 ]] || exit 1

# has FILE REGEX — REGEX (extended) matches somewhere in FILE.
has() { grep -Eq -- "$2" "$1"; }
edge='(^|[^A-Za-z0-9_-])'
tail='($|[^A-Za-z0-9_-])'

while IFS= read -r line; do
    word=${line##* }
    case $word in
        --*) fish_re="-l ${word#--}$tail|--long-option ${word#--}$tail" ;;
        -?) fish_re="-s ${word#-}$tail|--short-option ${word#-}$tail" ;;
        *) fish_re="$edge$word$tail" ;;
    esac
    re="$edge$(printf '%s' "$word" | sed 's/[.[\*^$()+?{|]/\\&/g')$tail"
    has "$bash_file" "$re" || { echo "$tool: bash completion lacks '$line'"; status=1; }
    has "$zsh_file" "$re" || { echo "$tool: zsh completion lacks '$line'"; status=1; }
    has "$fish_file" "$fish_re" || { echo "$tool: fish completion lacks '$line'"; status=1; }
done < <("$tool" --list-options | grep -v -- '--list-options$')
exit $status
