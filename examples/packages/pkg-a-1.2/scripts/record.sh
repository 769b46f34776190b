#!/bin/sh
# Notes the install in the target's package log. Idempotent: run again after a crash, it adds
# the same kind of line, which is harmless.
set -eu
mkdir -p "$SWD_ROOT/var/log"
printf '%s %s on %s (params: %s)\n' "$1" "$SWD_PACKAGE" "$SWD_TARGET" "${SWD_PARAMS:-none}" \
    >>"$SWD_ROOT/var/log/swd-packages.log"
