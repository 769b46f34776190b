// The grammar of the commands a queue takes in, read with CLI11 exactly as `swd-queue submit`
// reads its own command line: from the command line, a spool file and swd-redist alike. The
// common options (--state, --config, --format, -v, -q, --dry-run) are accepted and ignored.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace swd::queue {

/// What a submit command asks, parsed.
struct Submission {
    std::string dist;
    std::vector<std::string> packages;
    std::vector<std::string> targets;  ///< "NAME[:param,...]" as given
    int push_retries = -1;             ///< -1: from the settings
    int pull_retries = -1;
    std::string retry_interval;  ///< duration text; empty: from the settings
    std::string not_before;      ///< RFC 3339 or a duration from now; empty: now
    std::string origin;
    std::string redist_of;
};

/// Adds the submit options (--dist --package --target --push-retries --pull-retries
/// --retry-interval --not-before --origin --redist-of) to `app`.
void add_submit_options(CLI::App& app, Submission& s);

/// Reads the words after `submit`. Throws Error(Exit::usage, CLI11's reason).
Submission read_submit(const std::vector<std::string>& args);

/// What a pull-request command asks: the endpoint (with optional parameters), its packages and
/// an optional distribution id.
struct PullRequestWords {
    std::string endpoint;
    std::vector<std::string> packages;
    std::string dist;
};

/// Reads the words after `pull-request` (--endpoint E --package P... [--dist ID]). Throws
/// Error(Exit::usage, CLI11's reason).
PullRequestWords read_pull_request(const std::vector<std::string>& args);

}  // namespace swd::queue
