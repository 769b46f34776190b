// The command-line frame every tool shares: common options, logging to stderr, the exit-status
// mapping, one-line errors, and the stdout check at exit (DESIGN §3, STYLE 1-2, 6-8).
#pragma once

#include <CLI/CLI.hpp>
#include <csignal>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "libcore/base/config.hpp"
#include "libcore/base/error.hpp"
#include "libcore/base/format.hpp"

namespace swd {

/// The options every tool takes.
struct CommonOptions {
    std::string state;            ///< --state PATH
    std::string config;           ///< --config PATH
    int verbose = 0;              ///< -v, repeatable
    bool quiet = false;           ///< -q
    std::string format = "auto";  ///< --format jsonl|table|auto
    bool dry_run = false;         ///< --dry-run, for tools that change anything
};

/// True once SIGINT or SIGTERM arrived; long loops check it and stop cleanly (Exit::interrupted).
bool interrupted();

/// SIGINT and SIGTERM set interrupted() (a second one ends the process at once, status 7) and
/// make a blocking read return; SIGPIPE is ignored. Tool's constructor calls it.
void install_signal_handlers();

/// The signals that stop a tool: SIGINT and SIGTERM.
sigset_t stop_signals();

/// Starts `fn` on a thread that never takes the stop signals (a thread inherits the signal mask
/// it is started with): they stay with the threads that stop on them.
std::thread thread_without_stop_signals(std::function<void()> fn);

/// A tool's frame. Typical main():
///
///     swd::Tool tool("swd-validate", "drop what is not a real alert",
///     swd::validate::config_keys()); swd::validate::Options opt;
///     swd::validate::add_options(tool.app(), opt);
///     return tool.run(argc, argv, [&] { return swd::validate::run(tool, opt); });
class Tool {
  public:
    /// `keys` are the tool's own configuration keys (the common ones are always included).
    Tool(std::string name, std::string description, ConfigKeys keys = {});
    ~Tool();

    CLI::App& app() { return *app_; }
    const std::string& name() const { return name_; }
    CommonOptions& common() { return common_; }

    /// Adds --dry-run (only for tools that change anything).
    void add_dry_run();

    /// The configuration, loaded on first use after parsing (--config / $SWD_CONFIG / default).
    const Config& config();
    /// --format resolved (auto: a table on a terminal).
    Format format() const;

    /// Parses argv and runs `body`. Handles --help, --version, --print-config and the hidden
    /// --list-options (every option and subcommand, for the completion tests); parse errors exit
    /// 2 with CLI11's message; swd::Error prints "NAME: message" and exits with its status;
    /// OutputClosed (EPIPE) is a normal stop; other exceptions exit 6 with their message. At the
    /// end stdout is flushed, and a write error other than EPIPE is reported (exit 6).
    int run(int argc, char** argv, const std::function<Exit()>& body);

  private:
    std::string name_;
    std::unique_ptr<CLI::App> app_;
    CommonOptions common_;
    ConfigKeys keys_;
    std::unique_ptr<Config> config_;
    bool print_config_ = false;
    bool list_options_ = false;
};

}  // namespace swd
