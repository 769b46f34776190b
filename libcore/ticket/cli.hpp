// swd-ticket's command line: processing (the default), `send`, the administration
// subcommands (devices, outages, thresholds, centers, buildings, paging) and the queries
// (list, show, alerts, report, failed), resolve and close.
#pragma once

#include <string>
#include <vector>

#include "libcore/base/cli.hpp"
#include "libcore/base/config.hpp"

namespace swd::ticket {

/// Command-line options of every subcommand.
struct Options {
    std::string now;  ///< --now TIME: process as if at TIME
    std::vector<std::string> inputs;
    bool no_diagnostics = false;
    bool flush = false;
    std::string file, device, region, failure, window, from, until, reason, center, served_by;
    std::string email, pager, status, since, server, by, id, action, on_off;
    std::vector<std::string> ids;
    int limit = 0;
};

/// The [ticket] keys (the Tool adds [state], [smtp], [alerts]).
const ConfigKeys& tool_config_keys();
/// Adds --now, --no-diagnostics, --dry-run, the input files and every subcommand.
void add_options(Tool& tool, Options& opt);
/// The whole run. Returns Exit::ok; Exit::negative when show, close or `outages remove` finds
/// nothing; Exit::partial for input lines that are not usable alerts (process, resolve) or
/// when `send` gave a message up; Exit::network when `send` left messages for a retry;
/// Exit::interrupted. Throws Error for usage, configuration and state-file errors.
Exit run(Tool& tool, const Options& opt);

}  // namespace swd::ticket
