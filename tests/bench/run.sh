#!/usr/bin/env bash
# Runs every benchmark (tests/bench/bench-*.sh) against the tools in BIN_DIR. Each benchmark
# measures swd against its peer tool in the same run and prints the ratio.
set -euo pipefail
bin=$(cd "${1:?usage: run.sh BIN_DIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
export PATH="$bin:$PATH"
shopt -s nullglob
benches=("$here"/bench-*.sh)
[[ ${#benches[@]} -gt 0 ]] || { echo "no benchmarks yet"; exit 0; }
for b in "${benches[@]}"; do
    echo "== $(basename "$b" .sh)"
    bash "$b"
done
