#!/usr/bin/env bash
# `make install` (cmake --install with DESTDIR and the prefix the build was configured for)
# puts the binaries, the man pages, the bash, zsh and fish completions and the examples where
# Debian looks for them, and writes nothing outside DESTDIR.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

build=$(dirname "$SWD_BIN_DIR")
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
[[ -n $prefix ]] || fail "no CMAKE_INSTALL_PREFIX in $build/CMakeCache.txt"
DESTDIR=$T/root cmake --install "$build" --prefix "$prefix" >install.log ||
    fail "cmake --install failed: $(cat install.log)"
grep -q '^-- Installing: ' install.log || fail "nothing installed: $(cat install.log)"
sed -n 's/^-- Installing: //p' install.log | grep -v "^$T/root$prefix/" >outside || true
[[ ! -s outside ]] || fail "installed outside DESTDIR/PREFIX: $(cat outside)"

root=$T/root$prefix
# Debian's zsh has /usr/share/zsh/vendor-completions (for packages) and
# /usr/local/share/zsh/site-functions (for the administrator) in its $fpath.
case $prefix in
/usr) zsh_dir=$root/share/zsh/vendor-completions ;;
*) zsh_dir=$root/share/zsh/site-functions ;;
esac
read -ra tools <<<"$SWD_TOOLS"
[[ ${#tools[@]} -gt 0 ]] || { echo "no tools built yet"; exit 77; }
for tool in "${tools[@]}"; do
    [[ -x $root/bin/$tool ]] || fail "$tool not installed in $prefix/bin"
    assert_eq "$("$tool" --version)" "$("$root/bin/$tool" --version)" "installed $tool --version"
    [[ -s $root/share/man/man1/$tool.1 ]] || fail "$tool.1 not installed"
    [[ -s $root/share/bash-completion/completions/$tool ]] || fail "$tool: no bash completion"
    [[ -s $zsh_dir/_$tool ]] || fail "$tool: no zsh completion in ${zsh_dir#"$T/root"}"
    [[ -s $root/share/fish/vendor_completions.d/$tool.fish ]] || fail "$tool: no fish completion"
done
for page in man7/swd.7 man5/swd-records.5 man5/swd.toml.5; do
    [[ -s $root/share/man/$page ]] || fail "$page not installed"
done
[[ -x $root/share/doc/swd/examples/demo.sh ]] || fail "examples/demo.sh not installed executable"
[[ -s $root/share/doc/swd/examples/cron/swd ]] || fail "examples/cron/swd not installed"
[[ -s $root/share/doc/swd/examples/swd.toml ]] || fail "examples/swd.toml not installed"
