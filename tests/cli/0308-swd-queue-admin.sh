#!/usr/bin/env bash
# The administrative subcommands, with their exact output: targets list/remove, packages
# list/remove, pull-request --package, ack with ids as arguments, release with ids on stdin,
# delete with an argument, events --since (later events listed, earlier ones not). Then the run:
# the default --max-active of 8 (10 slow installs on 10 targets: exactly 8 at once at the peak,
# measured by the install commands), an exec target whose probe fails (SWD_Unreachable, then
# hold or abort), and wake-on-LAN with the boot delay really waited between the wake command and
# the second probe.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

queue_config
cat >>"$SWD_CONFIG" <<EOF
wake_cmd = "$T/wake.sh {mac} {target}"
boot_delay = "2s"
[alerts]
to = ["ops@example.com"]
[smtp]
url = "smtp://127.0.0.1:1"
EOF
# Times in records are replaced by TIME, the test directory by T.
norm() { sed -E "s/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z/TIME/g; s|$T|T|g"; }

# ---- targets ----------------------------------------------------------------------------------
mkdir -p ep/l1
swd-queue targets add l1 --transport "local:$T/ep/{target}" >/dev/null
swd-queue targets add e1 --transport exec --probe-cmd '/bin/true {address}' \
    --install-cmd '/bin/echo {package} "a b"' --address 10.0.0.1 --mac 52:54:00:00:00:01 \
    --location 'Building 1' --region east >/dev/null
swd-queue targets list | norm >targets.jsonl
cat >want <<'EOF'
{"type":"target","v":1,"name":"e1","transport":"exec","probe_cmd":"/bin/true {address}","install_cmd":"/bin/echo {package} \"a b\"","address":"10.0.0.1","mac":"52:54:00:00:00:01","location":"Building 1","region":"east","added":"TIME"}
{"type":"target","v":1,"name":"l1","transport":"local:T/ep/l1","added":"TIME"}
EOF
diff want targets.jsonl >&2 || fail "targets list"
swd-queue targets remove e1
assert_eq "l1" "$(swd-queue targets list | json_get /dev/stdin '" ".join(t["name"] for t in r)')" "after targets remove"
expect_status 6 swd-queue targets remove e1 2>err
assert_eq "swd-queue: targets remove: e1: no such target" "$(cat err)" "removing a removed target"

# ---- packages ---------------------------------------------------------------------------------
swd-queue packages add "$SRC/examples/packages/pkg-a-1.2" "$SRC/examples/packages/pkg-b-3.4" >/dev/null
swd-queue packages list | norm >packages.jsonl
cat >want <<'EOF'
{"type":"package","v":1,"id":"pkg-a-1.2","name":"pkg-a","version":"1.2","title":"Example package A","files":3,"dependencies":[],"path":"T/store/pkg-a-1.2","manifest_sha256":"e7d0304ded34dc1bf5878d05e80c7bcda2b1061fedc5216cb115f75367bc8c81"}
{"type":"package","v":1,"id":"pkg-b-3.4","name":"pkg-b","version":"3.4","title":"Example package B","files":1,"dependencies":["install:pkg-a-1.2"],"path":"T/store/pkg-b-3.4","manifest_sha256":"c0dfa311f8bc116df297108d6ae38f65024abf4d47c744b757f62f6d29fa927b"}
EOF
diff want packages.jsonl >&2 || fail "packages list"
swd-queue --format table packages list >table.txt
cat >want <<'EOF'
ID         NAME   VERSION  TITLE              FILES  DEPENDENCIES
pkg-a-1.2  pkg-a  1.2      Example package A  3      []
pkg-b-3.4  pkg-b  3.4      Example package B  1      ["install:pkg-a-1.2"]
EOF
diff want table.txt >&2 || fail "packages list as a table"
swd-queue packages remove pkg-b-3.4
assert_eq "pkg-a-1.2" "$(swd-queue packages list | json_get /dev/stdin '" ".join(p["id"] for p in r)')" "after packages remove"
[[ ! -e store/pkg-b-3.4 ]] || fail "pkg-b still in the store"
expect_status 6 swd-queue packages remove pkg-b-3.4 2>err
assert_eq "swd-queue: packages remove: pkg-b-3.4: not in the store" "$(cat err)" "removing a removed package"

# ---- pull-request --package -----------------------------------------------------------------
swd-queue pull-request --endpoint l1 --package pkg-a-1.2 | norm >pull.jsonl
pr=$(json_get pull.jsonl 'r[0]["id"]')
pdist=$(json_get pull.jsonl 'r[0]["dist"]')
[[ $pdist =~ ^P-l1-[0-9]{14}$ ]] || fail "pull-request dist $pdist"
cat >want <<EOF
{"type":"request","v":1,"id":"$pr","dist":"$pdist","mode":"trusted-pull","queue":"incoming","packages":["pkg-a-1.2"],"targets":[{"name":"l1","params":[]}],"push_left":3,"pull_left":1,"not_before":"TIME","last_package":null,"redist_of":null,"next_package":"pkg-a-1.2","done_packages":0,"held":false,"attempts":0,"origin":"l1","push_retries":3,"pull_retries":1,"retry_interval":"15m","created":"TIME","updated":"TIME","cmd":"swd-queue pull-request --endpoint l1 --package pkg-a-1.2"}
EOF
diff want pull.jsonl >&2 || fail "pull-request record"
assert_eq "TIME dist=$pdist event=received origin=l1 mode=trusted-pull packages=pkg-a-1.2 targets=l1 cmd=\"swd-queue pull-request --endpoint l1 --package pkg-a-1.2\"" \
    "$(tail -1 distribution.log | sed -E 's/^ts=[^ ]+/TIME/')" "pull-request log line"
expect_status 2 swd-queue pull-request --endpoint l1 2>/dev/null

# ---- release (stdin), delete (argument), ack (arguments), events --since ----------------------
for _ in 1 2 3; do
    swd-queue submit --dist D-ADM --package pkg-a-1.2 --target l1 --not-before 1h
done >sub.jsonl
ra=$(json_get sub.jsonl 'r[0]["id"]') rb=$(json_get sub.jsonl 'r[1]["id"]') rc=$(json_get sub.jsonl 'r[2]["id"]')
swd-queue hold "$ra" "$rb" >/dev/null
printf '%s\n%s\n' "$ra" "$rb" | swd-queue release >released.jsonl
assert_eq "$ra incoming False|$rb incoming False" \
    "$(json_get released.jsonl '"|".join(x["id"] + " " + x["queue"] + " " + str(x["held"]) for x in r)')" "released from stdin"
expect_status 6 swd-queue release "$ra" 2>err
assert_eq "swd-queue: release: $ra: not held" "$(cat err)" "releasing twice"
swd-queue delete "$rc" >deleted.jsonl
assert_eq "$rc" "$(json_get deleted.jsonl 'r[0]["id"]')" "delete prints the request"
expect_status 1 swd-queue show "$rc" 2>/dev/null
assert_eq "$pr $ra $rb" "$(swd-queue list | json_get /dev/stdin '" ".join(x["id"] for x in r)')" "after delete"
grep -q "event=operator action=delete request=$rc target=l1 queue=deleted" distribution.log || fail "delete not logged"

# Two open error events (a target that does not exist any more), acked by argument.
swd-queue targets add gone1 gone2 --transport "local:$T/nowhere/{target}" >/dev/null
swd-queue submit --dist D-GONE --package pkg-a-1.2 --target gone1 --target gone2 --push-retries 0 \
    --pull-retries 0 >/dev/null
swd-queue hold "$pr" "$ra" "$rb" >/dev/null  # only the D-GONE requests run now
expect_status 6 swd-queue run --once >/dev/null 2>&1
swd-queue events --open >open.jsonl
# The two targets run at once: each one's events are in order, the two interleave freely.
assert_eq "SWD_Unreachable SWD_List_Failed|SWD_Unreachable SWD_List_Failed" \
    "$(json_get open.jsonl '"|".join(" ".join(e["class"] for e in r if e["target"] == t) for t in ("gone1", "gone2"))')" "open errors"
assert_eq 4 "$(wc -l <open.jsonl)" "open errors"
e1=$(json_get open.jsonl 'r[0]["id"]') e2=$(json_get open.jsonl 'r[2]["id"]')
swd-queue ack "$e1" "$e2" >acked.jsonl
assert_eq "$e1 False|$e2 False" "$(json_get acked.jsonl '"|".join(e["id"] + " " + str(e["open"]) for e in r)')" "acked"
[[ $(json_get acked.jsonl 'r[0]["acked"]') =~ ^[0-9-]{10}T[0-9:]{8}Z$ ]] || fail "ack time"
assert_eq "SWD_List_Failed SWD_List_Failed" "$(swd-queue events --open | json_get /dev/stdin '" ".join(e["class"] for e in r)')" \
    "still open"
expect_status 6 swd-queue ack "$e1" 2>err
assert_eq "swd-queue: ack: $e1: no such open event" "$(cat err)" "acking twice"

# --since DATE: the events from that second on, none before.
before=$(swd-queue events | wc -l)
sleep 1.1
cutoff=$(date -u +%Y-%m-%dT%H:%M:%SZ)
swd-queue submit --dist D-LATER --package pkg-a-1.2 --target l1 --not-before 1h >later.jsonl
swd-queue events --since "$cutoff" >since.jsonl
assert_eq "SWD_Received $(json_get later.jsonl 'r[0]["id"]') D-LATER" \
    "$(json_get since.jsonl '"|".join(e["class"] + " " + e["request"] + " " + e["dist"] for e in r)')" "events --since a date"
assert_eq "$((before + 1))" "$(swd-queue events --since 1h | wc -l)" "events --since 1h: all"
(( before > 5 )) || fail "only $before events before the cutoff"

# ---- the default --max-active: 8 --------------------------------------------------------------
cat >install.sh <<'EOF'
#!/bin/sh
# install.sh LOG TARGET: a slow install that notes its start and end under a lock.
exec 9>>"$1.lock"
flock 9; echo "start $2" >>"$1"; flock -u 9
sleep 4
flock 9; echo "end $2" >>"$1"; flock -u 9
EOF
chmod +x install.sh
names=$(seq -f 's%02g' 1 10 | paste -sd' ')
# shellcheck disable=SC2086
swd-queue targets add $names --transport exec --install-cmd "$T/install.sh $T/installs.log {target}" >/dev/null
swd-queue submit --dist D-MAX --package pkg-a-1.2 $(printf -- '--target %s ' $names) >/dev/null
swd-queue run --once >/dev/null
assert_eq 10 "$(swd-queue list --dist D-MAX --queue done | wc -l)" "all ten done"
assert_eq 20 "$(wc -l <installs.log)" "starts and ends"
$PY - installs.log <<'PYEOF' || fail "the default max_active is not 8"
import sys
running, peak = set(), 0
for line in open(sys.argv[1]):
    what, target = line.split()
    if what == "start":
        running.add(target)
        peak = max(peak, len(running))
    else:
        running.remove(target)
assert peak == 8, f"peak {peak}"
PYEOF

# ---- an exec probe that fails: SWD_Unreachable, then hold or abort ----------------------------
cat >probe.sh <<'EOF'
#!/bin/sh
# probe.sh LOG TARGET: notes the probe; fails unless LOG.up exists; prints why on stderr.
echo "probe $2 $(date +%s.%N)" >>"$1"
[ -e "$1.up" ] && exit 0
echo "no route to $2" >&2
exit 1
EOF
cat >wake.sh <<'EOF'
#!/bin/sh
echo "wake $2 $1 $(date +%s.%N)" >>"$(dirname "$0")/steps.log"
EOF
printf '#!/bin/sh\necho "install $1 $(date +%%s.%%N)" >>"%s/steps.log"\n' "$T" >inst.sh
chmod +x probe.sh wake.sh inst.sh
swd-queue targets add p1 p2 --transport exec --probe-cmd "$T/probe.sh $T/probes.log {target}" \
    --install-cmd "$T/inst.sh {target}" >/dev/null
swd-queue submit --dist D-P1 --package pkg-a-1.2 --target p1 --push-retries 1 >p1.jsonl
swd-queue submit --dist D-P2 --package pkg-a-1.2 --target p2 --push-retries 0 --pull-retries 0 >p2.jsonl
expect_status 6 swd-queue run --once >probe-run.jsonl 2>/dev/null
assert_eq "SWD_Received SWD_List_Start SWD_Unreachable SWD_Rescheduled" \
    "$(swd-queue show "$(json_get p1.jsonl 'r[0]["id"]')" | json_get /dev/stdin '" ".join(e["class"] for e in r[1:])')" "p1 events"
assert_eq "SWD_Received SWD_List_Start SWD_Unreachable SWD_List_Failed" \
    "$(swd-queue show "$(json_get p2.jsonl 'r[0]["id"]')" | json_get /dev/stdin '" ".join(e["class"] for e in r[1:])')" "p2 events"
assert_eq "hold abort" "$(swd-queue list --dist D-P1 | json_get /dev/stdin 'r[0]["queue"]') $(swd-queue list --dist D-P2 | json_get /dev/stdin 'r[0]["queue"]')" "queues"
assert_eq "p2 is not reachable: probe command failed: exit 1: no route to p2" \
    "$(json_get probe-run.jsonl '[e["message"] for e in r if e["class"] == "SWD_Unreachable" and e["target"] == "p2"][0]')" \
    "unreachable message"
assert_eq "probe p1|probe p2" "$(cut -d' ' -f1,2 probes.log | sort | paste -sd'|')" "one probe each, no wake (no MAC)"
[[ ! -e steps.log ]] || fail "an unreachable target was installed or woken"

# ---- wake-on-LAN: the boot delay is waited between the wake command and the second probe ------
: >probes.log
swd-queue targets add w1 --transport exec --mac 52:54:00:00:00:09 \
    --probe-cmd "$T/probe.sh $T/probes.log {target}" --install-cmd "$T/inst.sh {target}" >/dev/null
swd-queue submit --dist D-WAKE --package pkg-a-1.2 --target w1 >/dev/null
# The endpoint comes up one second after it was woken.
(
    for _ in $(seq 300); do [[ -s steps.log ]] && break; sleep 0.1; done
    sleep 1
    touch probes.log.up
) &
_swd_pids+=("$!")
swd-queue run --once >wake-run.jsonl
assert_eq done "$(swd-queue list --dist D-WAKE | json_get /dev/stdin 'r[0]["queue"]')" "woken and installed"
$PY - probes.log steps.log <<'PYEOF' || fail "the boot delay was not waited"
import sys
probes = [l.split() for l in open(sys.argv[1])]
steps = [l.split() for l in open(sys.argv[2])]
assert [p[:2] for p in probes] == [["probe", "w1"], ["probe", "w1"]], probes
assert [s[:2] for s in steps] == [["wake", "w1"], ["install", "w1"]], steps
assert steps[0][2] == "52:54:00:00:00:09", steps[0]
first, wake, second, install = float(probes[0][2]), float(steps[0][3]), float(probes[1][2]), float(steps[1][2])
assert first <= wake <= second <= install, (first, wake, second, install)
assert second - wake >= 2.0, f"second probe {second - wake:.3f} s after the wake command"
PYEOF
assert_eq "SWD_Wake" "$(json_get wake-run.jsonl '" ".join(e["class"] for e in r if e["class"] == "SWD_Wake")')" "wake event"

# Every record printed above is described in swd-records(5).
check_documented targets.jsonl packages.jsonl
