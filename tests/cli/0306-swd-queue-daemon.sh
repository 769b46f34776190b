#!/usr/bin/env bash
# run --daemon picks up new commands and spool files; SIGTERM lets the package in flight finish
# and stops cleanly, and the next run resumes after it without running it again. A second run on
# the same state is refused. Wake-on-LAN: the wake command and a boot delay, then a second probe.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

queue_config
cat >>"$SWD_CONFIG" <<EOF
poll_interval = "1s"
wake_cmd = "$T/wake.sh {mac} {target}"
boot_delay = "1s"
[alerts]
to = ["ops@example.com"]
[smtp]
url = "smtp://127.0.0.1:1"
EOF
swd-queue packages add "$SRC/examples/packages/pkg-a-1.2" "$SRC/examples/packages/pkg-b-3.4" >/dev/null
cat >slow.sh <<'EOF'
#!/bin/sh
# slow.sh DIR PACKAGE: a two-second install that notes its start and end.
echo "start $2" >>"$1/slow.log"
sleep 2
echo "end $2" >>"$1/slow.log"
EOF
chmod +x slow.sh
swd-queue targets add s1 --transport exec --install-cmd "$T/slow.sh $T {package}" >/dev/null

# Started as a daemon; a command arrives while it runs.
swd-queue run --daemon >daemon.jsonl 2>daemon.err &
daemon=$!
_swd_pids+=("$daemon")
swd-queue submit --dist D-1 --package pkg-a-1.2 --package pkg-b-3.4 --target s1 >sub.jsonl
r=$(json_get sub.jsonl 'r[0]["id"]')
for _ in $(seq 100); do [[ -s slow.log ]] && break; sleep 0.1; done
assert_eq "start pkg-a-1.2" "$(cat slow.log)" "the daemon started the first package"
expect_status 1 swd-queue run --once 2>second.err
assert_contains second.err "another swd-queue run is active"

# SIGTERM in the middle of pkg-a: it finishes, pkg-b does not start, the daemon exits 7.
kill -TERM "$daemon"
status=0
wait "$daemon" || status=$?
assert_eq 7 "$status" "daemon exit status after SIGTERM"
assert_eq "start pkg-a-1.2|end pkg-a-1.2" "$(paste -sd'|' slow.log)" "the package in flight finished"
swd-queue show "$r" >show.jsonl
assert_eq "incoming 1 pkg-b-3.4" "$(json_get show.jsonl 'r[0]["queue"] + " " + str(r[0]["done_packages"]) + " " + r[0]["next_package"]')" \
    "back in the queue, resuming at pkg-b"
assert_contains daemon.jsonl '"class":"SWD_Interrupted"'

swd-queue run --once >/dev/null
assert_eq "start pkg-a-1.2|end pkg-a-1.2|start pkg-b-3.4|end pkg-b-3.4" "$(paste -sd'|' slow.log)" \
    "resumed at pkg-b; pkg-a not run again"
assert_eq done "$(swd-queue show "$r" | json_get /dev/stdin 'r[0]["queue"]')" "request done"

# The daemon takes in spool files too.
swd-queue targets add s2 --transport exec --install-cmd "$T/slow.sh $T/s2 {package}" >/dev/null
mkdir -p s2
swd-queue run --daemon >daemon2.jsonl 2>/dev/null &
daemon=$!
_swd_pids+=("$daemon")
mkdir -p spool/tmp spool/incoming
echo "swd-queue submit --dist D-2 --package pkg-a-1.2 --target s2" >spool/tmp/cmd1
mv spool/tmp/cmd1 spool/incoming/cmd1
for _ in $(seq 100); do grep -q "end" s2/slow.log 2>/dev/null && break; sleep 0.1; done
sleep 0.5
kill -TERM "$daemon"
wait "$daemon" || true
assert_eq done "$(swd-queue list --dist D-2 | json_get /dev/stdin 'r[0]["queue"]')" "spool request done by the daemon"

# Wake-on-LAN: the endpoint's root appears once the wake command ran.
cat >wake.sh <<EOF
#!/bin/sh
echo "\$1 \$2" >>"$T/wake.log"
mkdir -p "$T/ep/\$2"
EOF
chmod +x wake.sh
swd-queue targets add sleepy --transport "local:$T/ep/sleepy" --mac 52:54:00:12:34:56 >/dev/null
swd-queue targets add nomac --transport "local:$T/ep/nomac" >/dev/null
swd-queue submit --dist D-3 --package pkg-a-1.2 --target sleepy --target nomac >/dev/null
expect_status 6 swd-queue run --once >wake.jsonl 2>/dev/null
assert_eq "52:54:00:12:34:56 sleepy" "$(cat wake.log)" "wake command for the target with a MAC only"
assert_eq "done hold" "$(swd-queue list --dist D-3 | json_get /dev/stdin '" ".join(x["queue"] for x in r)')" "after wake"
assert_eq "SWD_List_Start SWD_Wake SWD_Start SWD_Success SWD_List_Success" \
    "$(json_get wake.jsonl '" ".join(e["class"] for e in r if e["target"] == "sleepy")')" "events with wake-on-LAN"
