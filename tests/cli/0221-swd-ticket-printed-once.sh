#!/usr/bin/env bash
# Each ticket is printed once, when it is made (issue 12, item 6): with a default center that
# does not exist (the ticket stays unrouted) and one alert per batch, the alerts after the
# ticket's do not print it again, and the summary counts what was printed.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

cat >>"$SWD_CONFIG" <<'TOML'
[ticket]
default_center = "nowhere"
diagnostics = false
batch = 1
TOML
$PY - >alerts.jsonl <<'PYEOF'
import json
for k in range(5):
    print(json.dumps({"type": "alert", "v": 1, "id": f"A-20261121-{k + 1:06d}",
                      "device": "pos-0001", "failure": "connection",
                      "time": f"2026-11-21T10:{k:02d}:00Z"}))
PYEOF
swd-ticket -v process alerts.jsonl >tickets.jsonl 2>err.txt || fail "exit $?"
assert_eq 1 "$(wc -l <tickets.jsonl)" "ticket records"
assert_eq unrouted "$(json_get tickets.jsonl 'r[0]["status"]')" "status"
assert_contains err.txt "5 alerts: 1 tickets"

# Later runs with nothing new print nothing, whatever the unrouted ticket's state.
swd-ticket -v process alerts.jsonl >again.jsonl 2>again.err || fail "second run: exit $?"
assert_eq 0 "$(wc -l <again.jsonl)" "records of a run with duplicates only"
assert_contains again.err "5 alerts: 0 tickets"
