#!/usr/bin/env bash
# Done when 2: with --max-active 3 and 20 slow installs, never more than 3 run at once and never
# two on one target. Measured by the install commands themselves: each notes its start and end
# under a lock, in the order they happen. Requests on one target also run in creation order.
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

queue_config
cat >>"$SWD_CONFIG" <<EOF
[alerts]
to = ["ops@example.com"]
EOF
swd-queue packages add "$SRC/examples/packages/pkg-a-1.2" >/dev/null

cat >install.sh <<'EOF'
#!/bin/sh
# install.sh LOG TARGET PACKAGE DIST: a slow install that notes its start and end.
log=$1
exec 9>>"$log.lock"
flock 9; echo "start $2 $4" >>"$log"; flock -u 9
sleep 0.3
flock 9; echo "end $2 $4" >>"$log"; flock -u 9
EOF
chmod +x install.sh

swd-queue targets add t1 t2 t3 t4 t5 --transport exec \
    --install-cmd "$T/install.sh $T/installs.log {target} {package} {params}" >/dev/null
for d in 1 2 3 4; do
    swd-queue submit --dist "D-$d" --package pkg-a-1.2 --target "t1:d$d" --target "t2:d$d" \
        --target "t3:d$d" --target "t4:d$d" --target "t5:d$d" >/dev/null
done
assert_eq 20 "$(swd-queue list --queue incoming | wc -l)" "queued"

swd-queue run --once --max-active 3 >events.jsonl
assert_eq 20 "$(swd-queue list --queue done | wc -l)" "done"
assert_eq 40 "$(wc -l <installs.log)" "starts and ends"

$PY - installs.log <<'PYEOF' || fail "throttling broken"
import sys
running, peak, order = set(), 0, {}
for line in open(sys.argv[1]):
    what, target, dist = line.split()
    if what == "start":
        assert target not in {t for t, _ in running}, f"two installs on {target} at once"
        running.add((target, dist))
        peak = max(peak, len(running))
        assert len(running) <= 3, f"{len(running)} installs at once: {sorted(running)}"
        order.setdefault(target, []).append(dist)
    else:
        running.remove((target, dist))
assert peak == 3, f"never 3 at once (peak {peak}): the throttle was not exercised"
for target, dists in order.items():
    assert dists == ["d1", "d2", "d3", "d4"], (target, dists)
PYEOF

# The run printed each list's start and success as events.
assert_eq 20 "$(json_get events.jsonl 'sum(1 for e in r if e["class"] == "SWD_List_Success")')" "list successes"
