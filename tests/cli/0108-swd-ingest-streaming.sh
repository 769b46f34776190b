#!/usr/bin/env bash
# Memory stays flat whatever the size of the mbox: a 150 MB mbox (with one 24 MB message in it)
# is read in well under 100 MB; the progress line appears only on a terminal.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

cp "$SRC/examples/mail/alerts.mbox" unit.mbox
$PY - <<'PYEOF'
unit = open("unit.mbox", "rb").read()
with open("big.mbox", "wb") as f:
    for _ in range(110 * 1024 * 1024 // len(unit)):
        f.write(unit)
    f.write(b"From x@y Sat Nov 21 10:00:00 2026\nFrom: swd@relay-a.east.example.com\n"
            b"Message-ID: <huge@x>\n\nDevice: huge\n" + b"y" * (24 << 20) + b"\n\n")
    f.write(unit)
PYEOF
size=$(stat -c %s big.mbox)
n_unit=$(grep -c '^From ' unit.mbox)
n=$(grep -c '^From ' big.mbox)

# Peak RSS of the child, measured with getrusage.
$PY - big.mbox <<'PYEOF' >rss.txt
import resource, subprocess, sys
with open("out.jsonl", "wb") as out:
    rc = subprocess.run(["swd-ingest", "--no-state", "-v", sys.argv[1]], stdout=out,
                        stderr=open("err.txt", "wb")).returncode
print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
PYEOF
read -r rc rss_mb <rss.txt
assert_eq 6 "$rc" "exit (the broken sample message is rejected)"
# AddressSanitizer's quarantine and shadow memory make RSS meaningless: bound it there loosely.
limit=100
[[ $(ldd "$(command -v swd-ingest)") == *libasan* ]] && limit=1000
[[ $rss_mb -lt $limit ]] || fail "peak RSS ${rss_mb} MB for a $((size >> 20)) MB mbox"
assert_contains err.txt "$n messages"
assert_eq huge "$(grep -F '<huge@x>' out.jsonl | $PY -c 'import json,sys; print(json.load(sys.stdin)["device"])')"
echo "peak RSS ${rss_mb} MB for $((size >> 20)) MB, $n messages"

# Progress: not when stderr is a file (above), but on a terminal, and only for a large source.
grep -q '%' err.txt && fail "progress on a non-terminal"
on_tty tty.txt swd-ingest --no-state big.mbox >/dev/null
grep -q "swd-ingest: big.mbox: [0-9]* messages, [0-9]*%" tty.txt || fail "no progress line on a terminal: $(head -c 300 tty.txt)"
