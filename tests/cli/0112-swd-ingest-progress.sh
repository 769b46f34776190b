#!/usr/bin/env bash
# The progress line (stderr a terminal, a large source) where it must not show: a small mbox on
# a terminal gives only its reject line; a Maildir of 9999 messages gives nothing, one of 10000
# (the documented threshold) the progress line, and -q silences it. (The large mbox on a
# terminal is in 0108.)
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

# A small mbox on a terminal: exactly the reject line of its broken message, nothing else.
cp "$SRC/examples/mail/alerts.mbox" small.mbox
off=$(grep -b '^From MAILER-DAEMON' small.mbox | cut -d: -f1)
assert_eq 6 "$(on_tty small.txt swd-ingest --no-state small.mbox)" "exit status, small mbox"
assert_eq "swd-ingest: mbox:small.mbox#$off: no header block"$'\r' "$(cat small.txt)" "terminal, small mbox"

# Maildirs of tiny messages just below and at the threshold.
$PY - <<'PYEOF'
import os
for d in ("md/new", "md/cur", "md/tmp"):
    os.makedirs(d)
for i in range(9999):
    with open("md/new/%010d.M%dP1.mx1" % (1795300000 + i, i), "w") as f:
        f.write("From: swd@relay-a.east.example.com\nMessage-ID: <p%d@x>\n\nDevice: pos-%d\n" % (i, i))
PYEOF
assert_eq 0 "$(on_tty below.txt swd-ingest --no-state md)" "exit status, 9999 messages"
assert_eq 0 "$(stat -c %s below.txt)" "bytes on the terminal for 9999 messages: $(od -c below.txt | head -3)"

printf 'From: swd@relay-a.east.example.com\nMessage-ID: <last@x>\n\nDevice: pos-last\n' \
    >md/new/1795399999.M99999P1.mx1
assert_eq 0 "$(on_tty at.txt swd-ingest --no-state md)" "exit status, 10000 messages"
# "\rswd-ingest: md: N messages, P%\e[K" at least once, and the line cleared at the end.
$PY - at.txt <<'PYEOF' || fail "no progress line for 10000 messages: $(od -c at.txt | head -5)"
import re, sys
data = open(sys.argv[1], "rb").read()
lines = re.findall(rb"\rswd-ingest: md: (\d+) messages, (\d+)%\x1b\[K", data)
assert lines, data[:300]
assert all(1 <= int(n) <= 10000 and 0 <= int(p) <= 100 for n, p in lines), lines
assert data.endswith(b"\r\x1b[K"), data[-20:]
# Nothing else: progress lines and the clearing of the line (before records are written).
rest = re.sub(rb"\rswd-ingest: md: \d+ messages, \d+%\x1b\[K", b"", data)
assert rest.replace(b"\r\x1b[K", b"") == b"", data[:300]
PYEOF

assert_eq 0 "$(on_tty quiet.txt swd-ingest -q --no-state md)" "exit status, -q"
assert_eq 0 "$(stat -c %s quiet.txt)" "bytes on the terminal with -q"
