#!/usr/bin/env bash
# The main job end to end (issue 6, done-when 5 and 6): examples/demo.sh runs the relay server
# (swd-queue, swd-redist) and the service center (swd-ingest, swd-validate, swd-ticket) with
# separate state files joined by pipes, real SMTP on loopback, and must end with every endpoint
# holding both packages and every failed record resolved: the rebuilt command keeps pos-0004's
# parameter, the summary counts 2 alerts, 1 ticket, 1 redistributed job and 0 open failed
# records, mail went by SMTP. It finishes in under a minute and leaves nothing behind: no
# file, no SMTP server or other process.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

export TMPDIR="$T/tmp"
mkdir -p "$TMPDIR"
start=$(date +%s%N)
"$SRC/examples/demo.sh" "$SWD_BIN_DIR" >demo.out 2>demo.err || {
    cat demo.out demo.err >&2
    fail "demo did not close the loop"
}
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
((elapsed_ms < 60000)) || fail "the demo took ${elapsed_ms} ms (goal: under a minute)"

# Nothing left behind: no file in TMPDIR, no process that still has it in its command line or
# environment (the SMTP servers deliver into it; every swd tool gets its config from it).
[[ -z $(ls -A "$TMPDIR") ]] || fail "demo left files behind: $(ls -A "$TMPDIR")"
$PY - "$TMPDIR" <<'PYEOF' || fail "demo left processes behind"
import os, sys
needle = sys.argv[1].encode()
me = {os.getpid(), os.getppid()}
left = []
for pid in os.listdir("/proc"):
    if not pid.isdigit() or int(pid) in me:
        continue
    for what in ("cmdline", "environ"):
        try:
            data = open("/proc/%s/%s" % (pid, what), "rb").read()
        except OSError:
            continue
        # This test's own shells have TMPDIR in their environment: only look for paths below it.
        if needle + b"/" in data:
            left.append((pid, open("/proc/%s/cmdline" % pid, "rb").read().replace(b"\0", b" ")))
            break
assert not left, left
PYEOF

assert_contains demo.out "Every endpoint holds both packages; every failed job is resolved."
# It says which tools it shows and which are not built yet, matching the README's tool list.
for tool in $(ls "$SWD_BIN_DIR" | grep '^swd-' | grep -v unit-tests); do
    grep -q "^Shown: .*$tool" demo.out || fail "the demo does not say it shows $tool"
done
for tool in swd-scan swd-fingerprint swd-rollout; do
    if [[ -x $SWD_BIN_DIR/$tool ]]; then
        grep -q "^Not built yet: .*$tool" demo.out && fail "the demo calls $tool not built"
    else
        grep -q "^Not built yet: .*$tool" demo.out || fail "the demo does not say $tool is not built"
        grep -q "| $tool.*planned" "$SRC/README.md" || grep -q "$tool.*| planned" "$SRC/README.md" ||
            fail "README does not mark $tool planned"
    fi
done
dist=$(sed -n 's/^\$ swd-queue submit --dist \(D-[0-9]*-0042\) .*/\1/p' demo.out)
[[ $dist =~ ^D-[0-9]{8}-0042$ ]] || fail "the demo's distribution id: [$dist]"
# The rebuilt command, not the demo's echo of the original submit: exactly these words.
assert_eq "  new command: swd-queue submit --dist $dist-R1 --redist-of $dist --origin master-1 --package pkg-a-1.2 --package pkg-b-3.4 --target pos-0004:replace" \
    "$(grep '^  new command: ' demo.out)" "the rebuilt command"
grep -qE "^  X-[0-9]{8}-[0-9]{6}: issued $dist -> $dist-R1 for pos-0004$" demo.out ||
    fail "the redist job line: $(grep -F -- "-> " demo.out)"

# The summary.
summary=$(sed -n '/== Summary/,$p' demo.out)
for row in "alerts ingested              2" "tickets                      1" \
    "redistributed jobs           1" "failed records still open    0"; do
    grep -qx "  $row" <<<"$summary" || fail "summary lacks [$row]: $summary"
done
grep -qx "  mail: SMTP, through two real SMTP servers on loopback (python3-aiosmtpd), not sendmail" <<<"$summary" ||
    fail "the summary does not say mail went by SMTP"
for n in 1 2 3 4 5 6; do
    grep -qx "  pos-000$n   pkg-a-1.2 pkg-b-3.4 " <<<"$summary" || fail "pos-000$n lacks the packages: $summary"
done
