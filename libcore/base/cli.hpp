// The command-line frame every tool shares: common options, logging to stderr, the exit-status
// mapping, one-line errors, and the stdout check at exit (DESIGN §3, STYLE 1-2, 6-8).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libcore/base/config.hpp"
#include "libcore/base/error.hpp"
#include "libcore/base/format.hpp"
#include "libcore/base/signals.hpp"
#include "libcore/base/state.hpp"

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

    /// A subcommand's name ("list"; "targets add" for a command in the group "targets"), its
    /// one-line summary, and whether it is a group that needs one of its commands.
    struct CommandName {
        std::string name;
        std::string summary;
        bool group = false;
    };
    /// Declares the subcommands, in order, and returns their CLI::Apps for their options
    /// (CommandTable does this from a table). A word that names no command is refused before
    /// anything runs: "unknown command 'lsit'; did you mean 'list'?" (exit 2). `fallback` names
    /// the command that runs when none is given (swd-ticket's process); a word that is no
    /// command but an existing file, or "-", is then its argument.
    std::vector<CLI::App*> add_commands(const std::vector<CommandName>& names,
                                        const std::string& fallback = "");
    /// The index into add_commands' names of the command given (or the fallback); none when no
    /// command was given and there is no fallback.
    std::optional<std::size_t> command() const;

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
    std::vector<CommandName> command_names_;
    std::vector<CLI::App*> command_apps_;
    std::optional<std::size_t> fallback_;

    /// The refusal of an argv whose command word names no command, if it has one, with the
    /// --help to try.
    std::optional<std::string> unknown_command(int argc, char** argv) const;
    /// The message for CLI11's parse error `e` on the command line `words`: an unknown option
    /// gets a did-you-mean, and the --help to try is that of the command concerned.
    std::string parse_error(const CLI::ParseError& e, const std::vector<std::string>& words) const;
};

/// A tool's subcommands as a table (STYLE 5; ninja's kTools[], git's commands[]): each row
/// names a command, says in one line what it does, declares its options and runs it. `Ctx` is
/// what the actions share (settings, the state file), made once the command line is parsed.
template <class Ctx>
class CommandTable {
  public:
    struct Row {
        std::string name;     ///< "list", "targets add"
        std::string summary;  ///< one line, for --help
        std::function<void(CLI::App&)> options = {};
        /// Empty for a group that only holds commands ("targets").
        std::function<Exit(Ctx&)> action = {};
        /// Access::read for a command that only reads the state file: it opens the file
        /// read-only, so that anyone who can read it can run the command.
        Access access = Access::write;
    };

    CommandTable(Tool& tool, std::vector<Row> rows, const std::string& fallback = "")
        : tool_(tool), rows_(std::move(rows)) {
        std::vector<Tool::CommandName> names;
        for (const auto& r : rows_)
            names.push_back({r.name, r.summary, !r.action});
        const auto apps = tool_.add_commands(names, fallback);
        for (std::size_t i = 0; i < rows_.size(); ++i)
            if (rows_[i].options) rows_[i].options(*apps[i]);
    }

    /// What the command given does with the state file.
    Access access() const {
        const auto i = tool_.command();
        return i ? rows_[*i].access : Access::write;
    }

    /// Runs the action of the command given.
    Exit run(Ctx& ctx) const {
        const auto i = tool_.command();
        if (!i || !rows_[*i].action)
            throw Error(Exit::usage, "a subcommand is required (" + tool_.name() + " --help)");
        return rows_[*i].action(ctx);
    }

  private:
    Tool& tool_;
    std::vector<Row> rows_;
};

}  // namespace swd
