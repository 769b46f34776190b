// The swd-ingest tool (DESIGN §8): its options and its run. Reads the sources in batches,
// deduplicates them in the state file, writes `alert` records and rejects, and moves Maildir
// messages to cur/ once their records are out (swd(7), CONCURRENCY AND CRASHES).
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "libcore/base/cli.hpp"
#include "libcore/base/error.hpp"

namespace swd::ingest {

struct Options {
    std::vector<std::string> sources;  ///< mbox files, Maildirs, message files, "-"
    std::string rejects;               ///< --rejects FILE: `reject` records appended here
    bool all = false;                  ///< --all: also unseen mail in a Maildir's cur/
    bool keep = false;                 ///< --keep: leave Maildirs untouched
    bool no_state = false;             ///< --no-state: a pure filter (implies --keep)
};

void add_options(CLI::App& app, Options& opt);
/// The whole run. Returns Exit::ok, Exit::partial (a message was rejected, a source could not
/// be read, a Maildir message could not be moved) or Exit::interrupted; throws Error for
/// configuration and state-file errors.
Exit run(Tool& tool, const Options& opt);

}  // namespace swd::ingest
