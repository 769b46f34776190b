// The queue manager loop (seed 004 FIG. 2-4): puts back requests a crashed run left active,
// takes in spool files, activates requests in creation order once their not-before time has
// come (at most max_active at once, one per target), probes the endpoint (optional wake-on-LAN
// and boot delay, then a second probe), installs the package list one package after another,
// and moves the request on: done, or on failure hold (push retries left), pull (authoritative
// pull), abort. Each step is an event (printed as JSONL), a distribution log line and, for
// failures, an alert e-mail queued in the outbox.
//
// Threads: one worker per active slot runs probes and installs; the calling thread owns the
// state file and applies the workers' reports in batches (one transaction per batch). A worker
// waits for its "package started" report to be committed before it installs, so after a crash
// the next run resumes at exactly the package that was in flight and never re-runs one whose
// success was recorded.
#pragma once

#include <filesystem>

#include "libcore/base/format.hpp"
#include "libcore/base/state.hpp"
#include "libcore/queue/distlog.hpp"
#include "libcore/queue/settings.hpp"

namespace swd::queue {

struct RunOptions {
    bool daemon = false;  ///< run until SIGTERM; else one pass (--once)
    int max_active = 8;
};

struct RunReport {
    int attempts = 0;  ///< requests activated
    int done = 0;
    int failed = 0;   ///< failed attempts
    int corrupt = 0;  ///< spool files set aside
};

/// Runs the manager. Only one run may work on a state file at a time: a second one fails with
/// Error(Exit::negative, "another swd-queue run is active ..."). With `--once`, every eligible
/// request is attempted at most once, then queued alerts are sent. SIGTERM/SIGINT: no new
/// activations; each worker finishes the package in flight, its request goes back to the
/// incoming queue to resume there, and run returns.
RunReport run_manager(State& state, const Settings& settings, distlog::Appender& log,
                      RecordOutput& out, const RunOptions& options);

}  // namespace swd::queue
