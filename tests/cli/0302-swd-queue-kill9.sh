#!/usr/bin/env bash
# Done when 3: `kill -9` of `run` in the middle of package lists, repeated at random points, then
# `run` again: every request ends in done, each package is installed once (the record the
# installer keeps on the target is the only one ever written for it: every success the
# distribution log reports for it names that record's install id), each list completes once,
# and no half-written file is left behind.
#
# What is asserted about executions, exactly (check.py below):
#  - the queue: each (request, package) has exactly one SWD_Success and each request one
#    SWD_List_Success: a package whose success was recorded is never run again (a package cut by
#    a kill had no success recorded; it gets its first one when it is resumed);
#  - the scripts: the post script of pkg-c..pkg-f appends, as its last action, a line
#    "done TARGET PACKAGE INSTALL_ID STATUS" to runs.log, outside the target root (STATUS: the
#    install record's status when the script started). Every package has a done line; all of
#    them carry the install id of the final record (one install, never a second one); none was
#    written by a script run for an install already complete (STATUS "installed"); and a package
#    has more than one only when a kill landed while it was in flight (at most one more per
#    SWD_Resumed naming it): the installer reruns the script of an install cut in the middle,
#    never of a finished one.
# The checker is shown to fail when a finished package list is run again (requeue).
. "$SWD_SOURCE_DIR/tests/cli/lib.sh"

queue_config
cat >>"$SWD_CONFIG" <<EOF
[alerts]
to = ["ops@example.com"]
[smtp]
url = "smtp://127.0.0.1:1"
EOF

# make_pkg NAME VERSION: a package with three files and a command script that takes a while.
make_pkg() {
    local dir="$T/src/$1-$2" files="" i
    mkdir -p "$dir/payload"
    for i in 1 2 3; do
        head -c $((20000 + RANDOM)) /dev/urandom >"$dir/payload/f$i"
        files+="<FILE SOURCE=\"payload/f$i\" DESTINATION=\"opt/$1/f$i\" SHA256=\"$(sha256sum "$dir/payload/f$i" | cut -d' ' -f1)\"/>"
    done
    mkdir -p "$dir/scripts"
    cat >"$dir/scripts/mark.sh" <<'SH'
#!/bin/sh
# mark.sh LOG: notes, as its last action, that this package's install ran to its end.
rec="$SWD_ROOT/var/lib/swd/installed/$SWD_PACKAGE.json"
status=$(grep -o '"status":"[a-z]*"' "$rec" | cut -d'"' -f4)
id=$(grep -o '"install_id":"[^"]*"' "$rec" | cut -d'"' -f4)
sleep 0.05
echo "done $SWD_TARGET $SWD_PACKAGE $id $status" >>"$1"
SH
    chmod +x "$dir/scripts/mark.sh"
    cat >"$dir/swd-package.xml" <<XML
<SOFTPKG NAME="$1" VERSION="$2"><IMPLEMENTATION><CODEBASE>$files</CODEBASE>
<SCRIPT TYPE="command">/bin/sleep 0.1</SCRIPT>
<SCRIPT TYPE="post">scripts/mark.sh $T/runs.log</SCRIPT></IMPLEMENTATION></SOFTPKG>
XML
    swd-queue packages add "$dir" >/dev/null
}
swd-queue packages add "$SRC/examples/packages/pkg-a-1.2" "$SRC/examples/packages/pkg-b-3.4" >/dev/null
for p in pkg-c pkg-d pkg-e pkg-f; do make_pkg "$p" 1; done
packages=(pkg-a-1.2 pkg-b-3.4 pkg-c-1 pkg-d-1 pkg-e-1 pkg-f-1)

targets=()
for n in 1 2 3 4 5 6; do
    mkdir -p "ep/pos-$n/etc"
    echo "local settings $n" >"ep/pos-$n/etc/pkg-a.conf"  # pkg-a replaces it: a backup is taken
    targets+=(--target "pos-$n")
done
swd-queue targets add pos-1 pos-2 pos-3 pos-4 pos-5 pos-6 --transport "local:$T/ep/{target}" >/dev/null
pkg_args=()
for p in "${packages[@]}"; do pkg_args+=(--package "$p"); done
swd-queue submit --dist D-KILL "${pkg_args[@]}" "${targets[@]}" >submitted.jsonl

kills=0
for round in $(seq 1 40); do
    [[ $(swd-queue list --queue done | wc -l) == 6 ]] && break
    swd-queue run --once --max-active 3 >>events.jsonl 2>>run.err &
    pid=$!
    sleep "0.$(printf '%03d' $((RANDOM % 600)))"
    if kill -9 "$pid" 2>/dev/null; then kills=$((kills + 1)); fi
    wait "$pid" 2>/dev/null || true
done
swd-queue run --once >>events.jsonl 2>>run.err || true
(( kills >= 3 )) || fail "only $kills kills landed: the test did not exercise crashes"

swd-queue list >final.jsonl
assert_eq "done done done done done done" "$(json_get final.jsonl '" ".join(x["queue"] for x in r)')" "every request done"

cat >check.py <<'PYEOF'
import json, os, shlex, sys
from collections import Counter
T, packages = sys.argv[1], sys.argv[2:]
events = [json.loads(l) for l in open(f"{T}/all-events.jsonl")]
successes = Counter((e["request"], e["package"]) for e in events if e["class"] == "SWD_Success")
assert sorted(successes.values()) == [1] * 36, \
    f"a package run again after its success was recorded: {[k for k, v in successes.items() if v != 1]}"
lists = Counter(e["request"] for e in events if e["class"] == "SWD_List_Success")
assert sorted(lists.values()) == [1] * 6, f"list successes per request: {lists}"
target_of = {e["request"]: e["target"] for e in events if e.get("target")}
# A kill after a list's last success and before the list's own leaves nothing to resume: that
# SWD_Resumed names no package.
resumed = Counter((target_of[e["request"]], e["package"]) for e in events
                  if e["class"] == "SWD_Resumed" and "package" in e)
done = {}
for line in open(f"{T}/runs.log"):
    _, target, package, install_id, status = line.split()
    assert status == "partial", f"{package} on {target}: script run for a complete install"
    done.setdefault((target, package), []).append(install_id)
success_ids = {}
for line in open(f"{T}/distribution.log"):
    rec = dict(w.split("=", 1) for w in shlex.split(line))
    if rec.get("event") == "result" and rec.get("result") == "success":
        success_ids.setdefault((rec["target"], rec["package"]), set()).add(rec.get("install_id"))
for n in range(1, 7):
    root, target = f"{T}/ep/pos-{n}", f"pos-{n}"
    for p in packages:
        rec = json.load(open(f"{root}/var/lib/swd/installed/{p}.json"))
        assert rec["status"] == "installed", (n, p, rec["status"])
        ids = success_ids.get((target, p))
        assert ids == {rec["install_id"]}, (n, p, ids, rec["install_id"])
        if p in ("pkg-a-1.2", "pkg-b-3.4"):
            continue
        runs = done.get((target, p), [])
        assert runs, f"{p} on {target}: its script never ran to its end"
        assert set(runs) == {rec["install_id"]}, (target, p, runs, rec["install_id"])
        assert len(runs) <= 1 + resumed[(target, p)], \
            f"{p} on {target}: {len(runs)} complete runs, resumed {resumed[(target, p)]} times"
    for dirpath, dirs, files in os.walk(root):
        for f in files:
            assert not f.startswith(".swd-tmp."), os.path.join(dirpath, f)
    assert open(f"{root}/var/backups/pkg-a/etc/pkg-a.conf").read() == f"local settings {n}\n"
PYEOF
swd-queue events >all-events.jsonl
$PY check.py "$T" "${packages[@]}" || fail "a package was run again or a list completed twice"
for n in 1 2 3 4 5 6; do
    for p in pkg-c pkg-d pkg-e pkg-f; do
        cmp -s "ep/pos-$n/opt/$p/f2" "store/$p-1/payload/f2" || fail "pos-$n: $p/f2 differs"
    done
done
echo "kills: $kills, package runs cut and resumed: $(($(wc -l <runs.log) - 24))" >&2

# The checker does catch a finished package list run again.
swd-queue list --target pos-1 | swd-queue requeue >/dev/null
swd-queue run --once >/dev/null
swd-queue events >all-events.jsonl
$PY check.py "$T" "${packages[@]}" 2>check.err && fail "the checker missed a package list run twice"
assert_contains check.err "a package run again after its success was recorded"
