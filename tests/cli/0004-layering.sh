#!/usr/bin/env bash
# libcore's layering (libcore/README.md): no domain includes one above it, only a domain's cli
# includes CLI11 and base/cli.hpp, and no include cycle. The checker is shown failing first, on
# a copy of libcore with deliberately wrong includes.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"
check=$SRC/tests/cli/layering/check.py

cp -r "$SRC/libcore" wrong
# A lower layer including a higher one,
sed -i '1i #include "libcore/ticket/store.hpp"' wrong/base/text.hpp
# redist reaching into ticket elsewhere than ticket/failed,
sed -i '1i #include "libcore/ticket/processor.hpp"' wrong/redist/plan.cpp
# CLI11 outside a cli,
sed -i '1i #include <CLI/CLI.hpp>' wrong/queue/db.cpp
# and a cycle within a domain.
sed -i '1i #include "libcore/mail/outbox.hpp"' wrong/mail/smtp.cpp
mkdir tree && mv wrong tree/libcore
expect_status 1 $PY "$check" tree >wrong.txt
assert_contains wrong.txt "libcore/base/text.hpp: includes libcore/ticket/store.hpp: base may not include ticket"
assert_contains wrong.txt "libcore/redist/plan.cpp: includes libcore/ticket/processor.hpp: redist reaches ticket only through ticket/failed"
assert_contains wrong.txt "libcore/queue/db.cpp: includes CLI/CLI.hpp, but only a domain's cli does"
assert_contains wrong.txt "include cycle: mail/outbox -> mail/smtp -> mail/outbox"

$PY "$check" "$SRC" >right.txt || { cat right.txt >&2; fail "libcore breaks its layering"; }
