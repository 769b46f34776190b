// swd-redist (DESIGN §8; seed 002 FIG. 2 steps 120-154; claims 1-17 of 000/001): batch
// redistribution from a repaired intermediate server. Finds the failed jobs of this server in a
// window (failed records on stdin or in files, the state file, or --dist), records a
// redistribution entry per job, searches the distribution logs for each job's command and
// results, builds the new command for the recipients that did not complete, shows it, asks the
// operator (or --yes / --dry-run), issues what is approved to swd-queue in-process or to
// another manager (--manager), marks the failed records redistributed and prints `redist` and
// `resolved` records.
#pragma once

#include <string>
#include <vector>

#include "libcore/base/cli.hpp"
#include "libcore/base/config.hpp"
#include "libcore/base/error.hpp"

namespace swd::redist {

/// The [redist] keys, and the [queue] keys swd-redist reads (log, packages, server).
const ConfigKeys& config_keys();

struct Options {
    std::vector<std::string> inputs;  ///< failed records: files, "-"
    std::string server;
    std::string since, until, lookback;
    std::vector<std::string> dists;
    std::string log_dir;
    std::vector<std::string> logs;
    bool all_recipients = false;
    bool yes = false;
    std::string manager;
};

void add_options(Tool& tool, Options& opt);

/// Runs the tool. Exit::ok; Exit::negative when no failed job was found; Exit::partial when
/// some job was not found in the logs or refused, an input record was bad, or a log file could
/// not be read; Exit::usage without a terminal and without --yes or --dry-run.
Exit run(Tool& tool, const Options& opt);

}  // namespace swd::redist
