// swd-queue (DESIGN §8, seed 004): the queue manager and distribution manager of an
// intermediate server. Requests enter by `submit` (standard push), spool files, `pull-request`
// (trusted pull) and `login` (authoritative pull); `run` activates them with throttling and
// installs their package lists through each target's transport; every step is an event, every
// failure an alert e-mail, everything a line in the distribution log.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "libcore/base/cli.hpp"
#include "libcore/base/config.hpp"
#include "libcore/base/error.hpp"
#include "libcore/base/state.hpp"
#include "libcore/mail/smtp.hpp"
#include "libcore/queue/db.hpp"
#include "libcore/queue/distlog.hpp"

namespace swd::queue {

/// The [queue] keys.
const ConfigKeys& config_keys();

/// Everything the queue manager takes from the configuration, defaults resolved.
struct Settings {
    std::filesystem::path packages;  ///< the package store
    std::filesystem::path spool;     ///< SPOOL/{tmp,incoming,corrupt}
    std::filesystem::path log;       ///< the distribution log
    int max_active = 8;
    std::int64_t retry_interval = 900;  ///< seconds
    int push_retries = 3;
    int pull_retries = 1;
    std::chrono::seconds probe_timeout{10};
    std::chrono::seconds install_timeout{3600};
    std::chrono::seconds script_timeout{600};
    std::string wake_cmd;  ///< argv template; empty: no wake-on-LAN
    std::chrono::seconds boot_delay{120};
    std::chrono::seconds poll_interval{5};
    std::string server;                           ///< this server's name in alerts
    std::vector<std::string> alert_to;            ///< [alerts] to
    std::vector<timeutil::Duration> alert_retry;  ///< outbox ladder for alerts
    smtp::Settings smtp;
};

/// Reads the settings; throws Error(Exit::config) for bad values.
Settings settings_from(const Config& config);

/// Schemas `run` and every subcommand open the state file with.
std::vector<const Schema*> schemas();

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

/// Takes in a distribution command in-process, as `swd-queue submit` does (swd-redist uses
/// it): `words` is the command's argv, with or without a leading "swd-queue" and "submit".
/// Validates everything (names, parameters, known targets, durations) before anything is
/// stored, then enqueues one request per target in one transaction and logs the command
/// (`cmd`: process::shell_join of "swd-queue", "submit" and the words, as received) to the
/// distribution log. Throws Error(Exit::usage, "why") when the command is refused; the refusal
/// is logged too (event=rejected). Returns the new requests.
std::vector<Request> submit_words(State& state, const Settings& settings, distlog::Appender& log,
                                  std::vector<std::string> words,
                                  const std::string& default_origin = "");

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
