# Sourced by the 046x tests with N set: the cron line of swd(7) and DESIGN §9,
# swd-ingest MBOX | swd-validate | swd-ticket, on one state file, must never wait for a lock
# that a tool holds while it blocks on the pipe (issue 12). Ten runs of each variant, each
# under a timeout far below the 60 s a lock wait gives up after:
#   (a) a state file only swd-ingest had used (swd-ticket migrates its schema at open);
#   (b) a state file every tool has used, with [ticket] batch = 10 (swd-ticket wants the write
#       lock every ten alerts).
# Every run must store all N alerts, each once, and every tool must exit 0.
# Under AddressSanitizer (make check's second build) a run of 30,000 messages takes about 12 s
# instead of 2: there the 30,000-message variants run 4 rounds each, so that the test stays
# well inside its 300 s, each under 45 s; the release build runs all ten, each under 25 s.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"
: "${N:?set N}"
ROUNDS=${ROUNDS:-10}
asan=false
[[ $(ldd "$(command -v swd-ingest)") == *libasan* ]] && asan=true
[[ $N -gt 10000 && $asan == true ]] && ROUNDS=4
# Under AddressSanitizer on a loaded host (make check runs two tests at once; a VM's host may
# steal a third of the CPU) a run can take twice its 12 s: 45 s, still below the lock wait.
if [[ $asan == true ]]; then LIMIT=${LIMIT:-45}; else LIMIT=${LIMIT:-25}; fi

$PY "$SRC/tests/cli/pipeline/mbox.py" "$N" run alerts.mbox
$PY "$SRC/tests/cli/pipeline/mbox.py" 5 before before.mbox
echo east.example.com >domains.txt
echo relay-a >nodes.txt
queue_config

one_run() {
    local variant=$1 round=$2 state=$T/state-$1-$2.db statuses
    export SWD_STATE=$state
    : >"$SWD_CONFIG"
    queue_config
    swd-ingest before.mbox >before.jsonl 2>/dev/null
    if [[ $variant == b ]]; then
        swd-validate --domains domains.txt --nodes nodes.txt before.jsonl |
            swd-ticket >/dev/null 2>&1
        swd-queue list >/dev/null
        : >empty.log
        swd-redist --yes --server relay-a --log empty.log >/dev/null 2>&1 || true
        printf '[ticket]\nbatch = 10\ndiagnostics = false\n' >>"$SWD_CONFIG"
    else
        printf '[ticket]\ndiagnostics = false\n' >>"$SWD_CONFIG"
    fi
    set +e
    timeout -k 2 "$LIMIT" swd-ingest alerts.mbox 2>ingest.err |
        timeout -k 2 "$LIMIT" swd-validate --domains domains.txt --nodes nodes.txt 2>validate.err |
        timeout -k 2 "$LIMIT" swd-ticket >tickets.jsonl 2>ticket.err
    statuses="${PIPESTATUS[*]}"
    set -e
    [[ $statuses == "0 0 0" ]] || {
        cat ingest.err validate.err ticket.err >&2
        fail "variant ($variant), round $round: exit statuses $statuses (124: timed out)"
    }
    local stored
    stored=$(sqlite3 "$state" "SELECT count(*) FROM ticket_alerts WHERE id IN
        (SELECT alert FROM ingest_seen WHERE source LIKE 'mbox:alerts.mbox#%')")
    assert_eq "$N" "$stored" "variant ($variant), round $round: alerts stored"
    [[ -s tickets.jsonl ]] || fail "variant ($variant), round $round: no ticket"
    rm -f "$state" "$state"-wal "$state"-shm
}

for variant in a b; do
    for round in $(seq "$ROUNDS"); do
        one_run "$variant" "$round"
    done
done
echo "$((2 * ROUNDS)) runs of $N messages, none waited for a lock"
