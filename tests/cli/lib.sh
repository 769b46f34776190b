# Sourced by every tests/cli/NNNN-*.sh script (run by ctest). Gives each test its own temporary
# directory as $T (and $HOME), the freshly built tools first on PATH, an empty state file and
# config, and helpers to assert and to start real servers on free loopback ports.
set -euo pipefail

: "${SWD_BIN_DIR:?run through ctest (SWD_BIN_DIR unset)}"
: "${SWD_SOURCE_DIR:?run through ctest (SWD_SOURCE_DIR unset)}"
export PATH="$SWD_BIN_DIR:$PATH"
export LC_ALL=C.UTF-8 TZ=UTC

T=$(mktemp -d "${TMPDIR:-/tmp}/swd-test.XXXXXX")
export HOME="$T/home" XDG_STATE_HOME="$T/home/state" XDG_CONFIG_HOME="$T/home/config"
mkdir -p "$HOME"
export SWD_STATE="$T/state.db"
: >"$T/swd.toml"
export SWD_CONFIG="$T/swd.toml"
cd "$T"

_swd_pids=()
_swd_cleanup() {
    local pid
    [[ -f $T/slow.pids ]] && while read -r pid; do kill -9 "$pid" 2>/dev/null || true; done <"$T/slow.pids"
    for pid in "${_swd_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${_swd_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$T"
}
trap _swd_cleanup EXIT

PY=/usr/bin/python3
SRC=$SWD_SOURCE_DIR

# The test's own stderr, kept so that a failure inside `expect_status ... 2>file` still shows.
exec {_swd_stderr}>&2
fail() {
    echo "FAIL: $*" >&"$_swd_stderr"
    exit 1
}

# assert_eq EXPECTED ACTUAL [WHAT]
assert_eq() {
    [[ "$1" == "$2" ]] || fail "${3:-value}: expected [$1], got [$2]"
}

# assert_contains FILE TEXT — TEXT appears literally in FILE.
assert_contains() {
    grep -qF -- "$2" "$1" || { echo "--- $1:" >&2; cat "$1" >&2; fail "$1 lacks [$2]"; }
}

# expect_status N COMMAND... — runs COMMAND, fails unless it exits with N.
expect_status() {
    local want=$1 got=0
    shift
    "$@" || got=$?
    [[ $got == "$want" ]] || fail "'$*' exited $got, expected $want"
}

# check_man_page TOOL [SECTION...] — man/TOOL.1.scd and the shared pages build with scdoc (when
# it is installed); every word of `TOOL --list-options` (but the hidden --list-options) is
# defined on a line of its own that starts with "*" as *WORD*, and every subcommand is named as
# *sub cmd* or *sub* *cmd*; the page has EXAMPLES, EXIT STATUS (a row for each status 0-7), SEE
# ALSO and each SECTION given; the completions know every option.
check_man_page() {
    local tool=$1 page=$SRC/man/$1.1.scd p w n section
    shift
    if command -v scdoc >/dev/null; then
        for p in "$page" "$SRC"/man/swd-records.5.scd "$SRC"/man/swd.toml.5.scd "$SRC"/man/swd.7.scd; do
            scdoc <"$p" >scdoc.out 2>scdoc.err || fail "scdoc rejects $p: $(cat scdoc.err)"
            [[ -s scdoc.out ]] || fail "scdoc made nothing of $p"
        done
    fi
    "$tool" --list-options | grep -vx -- '--list-options' >listed
    [[ -s listed ]] || fail "$tool --list-options printed nothing"
    awk '$NF ~ /^-/ {print $NF}' listed | sort -u >options
    grep -E '^\*' "$page" >definitions
    while read -r w; do
        grep -qF -- "*$w*" definitions || fail "$tool.1 does not define *$w*"
    done <options
    grep -v -- ' -\|^-' listed >commands || true
    while read -r c; do
        grep -qF -- "*$c*" "$page" || grep -qF -- "*${c// /* *}*" "$page" ||
            fail "$tool.1 does not name the command *$c*"
    done <commands
    for section in "# EXAMPLES" "# EXIT STATUS" "# SEE ALSO" "$@"; do
        grep -qx -- "$section" "$page" || fail "$tool.1 lacks $section"
    done
    awk '/^# EXIT STATUS$/{on=1; next} /^# /{on=0} on' "$page" >exit-status
    for n in 0 1 2 3 4 5 6 7; do
        grep -qE "^(\[\[|\|) +\*$n\*$" exit-status || fail "$tool.1 EXIT STATUS lacks $n"
    done
    "$SRC/tests/cli/check-completions.sh" "$tool" "$SRC/completions" || fail "$tool completions out of date"
}

# check_config_keys TOOL SECTION — every key of [SECTION] that `TOOL --print-config` shows is
# described as "*key* = " in man/TOOL.1.scd and in the [SECTION] part of swd.toml(5). Leaves the
# keys, in --print-config's order, in ./keys.
check_config_keys() {
    local tool=$1 section=$2 k
    "$tool" --print-config | awk -v s="[$section]" '$0 == s {on=1; next} /^\[/{on=0}
        on && /^[a-z_]+ = /{print $1} on && /^# [a-z_]+ is not set$/{print $2}' >keys
    [[ -s keys ]] || fail "$tool --print-config shows no [$section] key"
    awk -v s="# [$section]" '$0 == s {on=1; next} /^# /{on=0} on' "$SRC/man/swd.toml.5.scd" >toml-section
    while read -r k; do
        grep -qF -- "*$k* = " "$SRC/man/$tool.1.scd" || fail "$tool.1 lacks [$section] *$k* ="
        grep -qF -- "*$k* = " toml-section || fail "swd.toml(5) lacks [$section] *$k* ="
    done <keys
}

# check_documented FILE... — every record in the JSONL files has its type in a section of
# swd-records(5) (an example line with "type":"T" under a "## " heading), and every key of it is
# described there (as *key* in the text or as a row of its field table).
check_documented() {
    $PY - "$SRC/man/swd-records.5.scd" "$@" <<'PYEOF' || fail "swd-records.5 does not describe what the tools print"
import json, re, sys
sections = open(sys.argv[1]).read().split("\n## ")
# A section describes a key as *key* in its text or as a row of its field table ("|  a, b").
described = [set(re.findall(r"\*([a-z0-9_]+)\*", s)) |
             {k for row in re.findall(r"^\|\s+(.+)$", s, re.M) for k in re.split(r",\s*", row.strip())}
             for s in sections]
missing = set()
for path in sys.argv[2:]:
    for line in open(path):
        if not line.strip():
            continue
        r = json.loads(line)
        home = [d for s, d in zip(sections, described) if '"type":"%s"' % r["type"] in s]
        if not home:
            missing.add("record type " + r["type"])
        for k in r:
            if k not in ("type", "v") and not any(k in d for d in home):
                missing.add(r["type"] + "." + k)
if missing:
    print("swd-records.5 lacks: " + ", ".join(sorted(missing)), file=sys.stderr)
    sys.exit(1)
PYEOF
}

# queue_config — the [queue] section of a swd-queue test: packages in $T/store, the spool in
# $T/spool, the distribution log $T/distribution.log. More [queue] keys may be appended after it.
queue_config() {
    cat >>"$SWD_CONFIG" <<EOF
[queue]
packages = "$T/store"
spool = "$T/spool"
log = "$T/distribution.log"
EOF
}

# free_port — prints a TCP port on 127.0.0.1 that nobody listens on now.
free_port() {
    $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_port PORT [SECONDS] — waits until something accepts connections on 127.0.0.1:PORT.
wait_port() {
    local port=$1 limit=${2:-10}
    $PY - "$port" "$limit" <<'PYEOF' || fail "nothing listens on 127.0.0.1:$1"
import socket, sys, time
port, limit = int(sys.argv[1]), float(sys.argv[2])
end = time.time() + limit
while time.time() < end:
    try:
        socket.create_connection(("127.0.0.1", port), 0.2).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
PYEOF
}

# slow_command — prints the path of a command that sleeps a minute, for diagnostics that a
# test kills swd-ticket in the middle of. The tools run such commands in process groups of
# their own, which outlive a killed tool: each one leaves its pid in $T/slow.pids, and they are
# killed when the test ends.
slow_command() {
    printf '#!/bin/sh\necho $$ >>"%s/slow.pids"\nexec sleep 60\n' "$T" >"$T/slow-command"
    chmod +x "$T/slow-command"
    echo "$T/slow-command"
}

# wait_state SQL N — waits (up to 10 s) until the query SQL on the state file answers at least N,
# and prints its last answer (0 while the file or its table is not there yet).
wait_state() {
    local sql=$1 want=$2 n=0
    for _ in $(seq 200); do
        n=$(sqlite3 "$SWD_STATE" "$sql" 2>/dev/null || echo 0)
        [[ $n -ge $want ]] && break
        sleep 0.05
    done
    echo "$n"
}

# start_bg COMMAND... — runs COMMAND in the background; it is stopped when the test ends.
start_bg() {
    "$@" &
    _swd_pids+=("$!")
}

# start_smtp PORT MAILDIR — a real SMTP server (aiosmtpd) on 127.0.0.1:PORT that delivers every
# message into MAILDIR. Sets SMTP_PID.
start_smtp() {
    local port=$1 maildir=$2
    mkdir -p "$maildir"
    $PY -m aiosmtpd -n -l "127.0.0.1:$port" -c aiosmtpd.handlers.Mailbox "$maildir" \
        2>>"$T/smtpd.log" &
    SMTP_PID=$!
    _swd_pids+=("$SMTP_PID")
    wait_port "$port"
}

# start_http PORT DIR — a real HTTP server serving DIR on 127.0.0.1:PORT. Sets HTTP_PID.
start_http() {
    local port=$1 dir=$2
    $PY -m http.server --bind 127.0.0.1 --directory "$dir" "$port" 2>>"$T/httpd.log" &
    HTTP_PID=$!
    _swd_pids+=("$HTTP_PID")
    wait_port "$port"
}

# on_tty OUT COMMAND... — runs COMMAND with stderr on a pseudo-terminal (stdout to /dev/null),
# writes what the terminal received to OUT and prints the exit status.
on_tty() {
    $PY - "$@" <<'PYEOF'
import os, pty, subprocess, sys
out, cmd = sys.argv[1], sys.argv[2:]
master, slave = pty.openpty()
p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=slave, stdin=subprocess.DEVNULL)
os.close(slave)
data = b""
while True:
    try:
        chunk = os.read(master, 4096)
    except OSError:
        break
    if not chunk:
        break
    data += chunk
open(out, "wb").write(data)
print(p.wait())
PYEOF
}

# json_get FILE EXPR — evaluates a Python expression over the JSON records of FILE (a list `r`).
json_get() {
    $PY -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1]) if l.strip()]; print(eval(sys.argv[2]))' "$1" "$2"
}
