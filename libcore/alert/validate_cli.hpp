// The swd-validate tool (DESIGN §8): its options, the lists of a run and the run itself.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "libcore/alert/validate.hpp"
#include "libcore/base/cli.hpp"
#include "libcore/base/config.hpp"
#include "libcore/base/error.hpp"

namespace swd::validate {

struct Options {
    std::vector<std::string> inputs;  ///< FILE...; none means stdin
    std::string domains;              ///< --domains FILE
    std::string nodes;                ///< --nodes FILE
    std::string rejects;              ///< --rejects FILE
};

void add_options(CLI::App& app, Options& opt);

/// The lists and patterns for a run: each list from its file (flag, else [validate] key), else
/// from the devices in the state file (names, and their domains), which is only opened then.
/// Throws Error(Exit::config) naming how to give a list when one would be empty without a
/// file.
Rules load_rules(const Options& opt, const Config& config, const std::string& state_flag);

/// Reads alert JSONL from the inputs, writes valid lines to stdout byte for byte and a
/// `reject` record per other line to the rejects file (appended), or one stderr line each
/// without one. Returns Exit::ok; Exit::negative when there were records and none was valid;
/// Exit::partial when an input could not be read; Exit::interrupted on a signal.
Exit run(Tool& tool, const Options& opt);

}  // namespace swd::validate
