#!/usr/bin/env bash
# swd-ticket process shows progress on a terminal (issue 14, item 13), as swd-ingest does with
# the same line: alerts and tickets so far, rewritten in place and cleared at the end; nothing
# when stderr is no terminal, or with -q.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

cat >>"$SWD_CONFIG" <<'EOF2'
[ticket]
batch = 1000
diagnostics = false
default_center = "desk"
EOF2
swd-ticket centers add desk --email desk@example.com
$PY - <<'PYEOF'
import json
with open("alerts.jsonl", "w") as f:
    for n in range(5000):
        f.write(json.dumps({"type": "alert", "v": 1, "id": "A-%06d" % n, "device": "pos-%d" % (n % 50),
                            "failure": "install", "time": "2026-11-21T10:00:00Z"}) + "\n")
PYEOF
assert_eq 0 "$(on_tty tty.txt swd-ticket --now 2026-11-21T12:00:00Z process alerts.jsonl)" "exit status on a terminal"
$PY - <<'PYEOF' || fail "progress line: $(cat -v tty.txt | head -c 300)"
data = open("tty.txt", "rb").read().decode()
assert data.startswith("\rswd-ticket: 1000 alerts, 50 tickets\x1b[K"), repr(data[:80])
assert data.endswith("\r\x1b[K"), repr(data[-40:])
assert "\n" not in data, repr(data)
PYEOF
assert_eq 0 "$(on_tty quiet.txt swd-ticket -q --now 2026-11-21T12:00:00Z process alerts.jsonl)" "exit status with -q"
[[ ! -s quiet.txt ]] || fail "-q on a terminal: $(cat -v quiet.txt)"
swd-ticket --now 2026-11-21T12:00:00Z process alerts.jsonl >/dev/null 2>pipe.err
[[ ! -s pipe.err ]] || fail "stderr no terminal: $(cat -v pipe.err)"
