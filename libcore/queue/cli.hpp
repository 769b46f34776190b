// swd-queue (DESIGN §8, seed 004): the queue manager and distribution manager of an
// intermediate server. Requests enter by `submit` (standard push), spool files, `pull-request`
// (trusted pull) and `login` (authoritative pull); `run` activates them with throttling and
// installs their package lists through each target's transport; every step is an event, every
// failure an alert e-mail, everything a line in the distribution log.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "libcore/base/cli.hpp"
#include "libcore/base/error.hpp"
#include "libcore/queue/command_cli.hpp"

namespace swd::queue {

/// The tool's options: one member per subcommand option.
struct Options {
    std::vector<std::string> raw_argv;  ///< argv as received (for the submit log line)
    Submission submit;
    // run
    bool once = false, daemon = false;
    int max_active = 0;
    // pull-request
    std::string endpoint;
    std::vector<std::string> packages;
    std::string packages_from;
    std::string dist;
    // list / show / events
    std::string queue, target;
    bool open_only = false;
    std::string since;
    std::string request;
    // alerts, alerts retry
    std::string status;
    bool all = false;
    // undo
    std::string undo_target, undo_package;
    // targets add
    std::vector<std::string> names;
    std::string transport, probe_cmd, install_cmd, address, mac, location, region;
    // ids, paths
    std::vector<std::string> args;
};

/// Declares the subcommands and their options.
void add_options(Tool& tool, Options& opt);

/// Runs the chosen subcommand.
Exit run(Tool& tool, Options& opt);

}  // namespace swd::queue
