#include "libcore/base/cli.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "libcore/base/text.hpp"

namespace swd {

namespace {

void setup_logging(const std::string& name, const CommonOptions& common) {
    auto logger =
        std::make_shared<spdlog::logger>(name, std::make_shared<spdlog::sinks::stderr_sink_st>());
    logger->set_pattern(name + ": %v");
    spdlog::level::level_enum level = spdlog::level::warn;
    if (common.quiet)
        level = spdlog::level::err;
    else if (common.verbose >= 3)
        level = spdlog::level::trace;
    else if (common.verbose == 2)
        level = spdlog::level::debug;
    else if (common.verbose == 1)
        level = spdlog::level::info;
    logger->set_level(level);
    spdlog::set_default_logger(logger);
}

void list_options(const CLI::App& app, const std::string& prefix, std::string& out) {
    for (const CLI::Option* opt : app.get_options()) {
        for (const auto& s : opt->get_snames())
            out += prefix + "-" + s + "\n";
        for (const auto& l : opt->get_lnames())
            out += prefix + "--" + l + "\n";
    }
    for (const CLI::App* sub : app.get_subcommands({})) {
        out += prefix + sub->get_name() + "\n";
        list_options(*sub, prefix + sub->get_name() + " ", out);
    }
}

constexpr const char* exit_footer =
    "\nExit status: 0 success, 1 negative answer, 2 usage error, 3 configuration error,\n"
    "4 state-file error, 5 network or peer error, 6 partial failure, 7 interrupted.";

}  // namespace

Tool::Tool(std::string name, std::string description, ConfigKeys keys)
    : name_(std::move(name)),
      app_(std::make_unique<CLI::App>(std::move(description), name_)),
      keys_(std::move(keys)) {
    auto& app = *app_;
    app.set_version_flag("--version", name_ + " " SWD_VERSION);
    app.fallthrough();
    app.footer(std::string(exit_footer) + "\nSee man " + name_ + " for details.");
    app.option_defaults()->group("Common options");
    app.add_option("--state", common_.state, "state file (else $SWD_STATE, [state] path)")
        ->type_name("PATH");
    app.add_option("--config", common_.config, "configuration file (else $SWD_CONFIG)")
        ->type_name("PATH");
    app.add_flag("-v,--verbose", common_.verbose, "say more on stderr (repeatable)");
    app.add_flag("-q,--quiet", common_.quiet, "only errors on stderr");
    app.add_option("--format", common_.format, "output: jsonl, table, or auto (table on a tty)")
        ->check(CLI::IsMember({"auto", "jsonl", "json", "table"}))
        ->type_name("FMT");
    app.add_flag("--print-config", print_config_, "print the effective configuration and exit");
    app.add_flag("--list-options", list_options_,
                 "list every option and subcommand (for completions)")
        ->group("");
    app.option_defaults()->group("Options");
}

Tool::~Tool() = default;

std::vector<CLI::App*> Tool::add_commands(const std::vector<CommandName>& names,
                                          const std::string& fallback) {
    std::vector<CLI::App*> apps;
    for (const auto& n : names) {
        CLI::App* parent = app_.get();
        std::string leaf = n.name;
        if (const auto space = n.name.find(' '); space != std::string::npos) {
            parent = app_->get_subcommand(n.name.substr(0, space));
            leaf = n.name.substr(space + 1);
        }
        CLI::App* app = parent->add_subcommand(leaf, n.summary);
        if (n.group) app->require_subcommand(1);
        apps.push_back(app);
        if (n.name == fallback) fallback_ = apps.size() - 1;
    }
    if (!fallback.empty() && !fallback_)
        throw std::logic_error("fallback command '" + fallback + "' is not in the table");
    command_names_.insert(command_names_.end(), names.begin(), names.end());
    command_apps_.insert(command_apps_.end(), apps.begin(), apps.end());
    return apps;
}

std::optional<std::size_t> Tool::command() const {
    std::optional<std::size_t> best;
    for (std::size_t i = 0; i < command_apps_.size(); ++i) {
        if (!command_apps_[i]->parsed()) continue;
        if (!best || command_names_[i].name.size() > command_names_[*best].name.size()) best = i;
    }
    return best ? best : fallback_;
}

namespace {

/// The index of the first word of `words` from `from` on that is no option, skipping the values
/// of the options of `app` (and its parents) that take one.
std::size_t first_word(const CLI::App& app, const std::vector<std::string>& words,
                       std::size_t from) {
    std::size_t i = from;
    while (i < words.size()) {
        const std::string& w = words[i];
        if (w == "--") return words.size();
        if (w.size() < 2 || w[0] != '-') return i;
        ++i;
        if (w.find('=') != std::string::npos) continue;
        const CLI::Option* o = nullptr;
        for (const CLI::App* a = &app; a && !o; a = a->get_parent())
            o = a->get_option_no_throw(w);
        // An unknown option may take a value: which word is the command cannot be told, and
        // the parser's own error (with its did-you-mean) says what is wrong.
        if (!o) return words.size();
        if (o->get_items_expected_max() > 0) ++i;
    }
    return words.size();
}

std::vector<std::string> member_names(const CLI::App& app) {
    std::vector<std::string> names;
    for (const CLI::App* sub : app.get_subcommands({}))
        names.push_back(sub->get_name());
    return names;
}

const CLI::App* find_command(const CLI::App& app, const std::string& name) {
    for (const CLI::App* sub : app.get_subcommands({}))
        if (sub->check_name(name)) return sub;
    return nullptr;
}

bool takes_words(const CLI::App& app) {
    for (const CLI::Option* o : app.get_options())
        if (o->get_positional()) return true;
    return false;
}

std::string join(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words)
        out += (out.empty() ? "" : ", ") + w;
    return out;
}

}  // namespace

namespace {

/// A refused command line's message, on one line, with the --help of the command concerned:
/// "unknown command 'lsit'; did you mean 'list'? See 'swd-ticket --help'."
std::string see_help(const std::string& message, const std::string& command) {
    const bool ends = !message.empty() && (message.back() == '?' || message.back() == '.');
    return message + (ends ? " " : ". ") + "See '" + command + " --help'.";
}

}  // namespace

std::optional<std::string> Tool::unknown_command(int argc, char** argv) const {
    if (command_apps_.empty()) return std::nullopt;
    const std::vector<std::string> words(argv + 1, argv + argc);
    const std::size_t i = first_word(*app_, words, 0);
    if (i >= words.size()) return std::nullopt;
    const CLI::App* given = find_command(*app_, words[i]);
    if (!given) {
        if (fallback_ && (words[i] == "-" || std::filesystem::exists(words[i])))
            return std::nullopt;
        const auto known = member_names(*app_);
        const std::string near = nearest(words[i], known);
        if (!near.empty())
            return see_help("unknown command '" + words[i] + "'; did you mean '" + near + "'?",
                            name_);
        if (fallback_) return std::nullopt;  // the fallback's own word, a file to read
        return see_help("unknown command '" + words[i] + "' (commands: " + join(known) + ")",
                        name_);
    }
    // A group's command: "targets ad" is refused the same way, unless the group takes words.
    const auto members = member_names(*given);
    if (members.empty() || takes_words(*given)) return std::nullopt;
    const std::size_t j = first_word(*given, words, i + 1);
    if (j >= words.size() || find_command(*given, words[j])) return std::nullopt;
    const std::string near = nearest(words[j], members);
    const std::string group = given->get_name();
    const std::string path = name_ + " " + group;
    if (!near.empty())
        return see_help("unknown command '" + group + " " + words[j] + "'; did you mean '" + group +
                            " " + near + "'?",
                        path);
    return see_help("unknown command '" + group + " " + words[j] + "' (" + group +
                        " commands: " + join(members) + ")",
                    path);
}

std::string Tool::parse_error(const CLI::ParseError& e,
                              const std::vector<std::string>& words) const {
    // The command the error is in: the deepest one given, whose --help tells its options.
    const CLI::App* in = app_.get();
    std::string path = name_;
    for (bool deeper = true; deeper;) {
        deeper = false;
        for (const CLI::App* sub : in->get_subcommands({})) {
            if (!sub->parsed()) continue;
            in = sub;
            path += " " + sub->get_name();
            deeper = true;
            break;
        }
    }
    // A word that looks like an option and is none: named with a did-you-mean, whatever CLI11
    // complained of first (a required option may seem missing only because of the typo).
    std::string message = e.what();
    std::vector<std::string> options;
    std::string unknown;
    bool found = false;
    for (const CLI::App* a = in; a; a = a->get_parent()) {
        for (const CLI::Option* o : a->get_options()) {
            for (const auto& l : o->get_lnames())
                options.push_back("--" + l);
            for (const auto& sn : o->get_snames())
                options.push_back("-" + sn);
        }
        for (const auto& w : a->remaining()) {
            if (found || w.size() < 2 || w[0] != '-' || w == "--") continue;
            unknown = w.substr(0, w.find('='));
            found = true;
        }
    }
    if (found) {
        const std::string near = nearest(unknown, options);
        message = "unknown option '" + unknown + "'" +
                  (near.empty() ? "" : "; did you mean '" + near + "'?");
        // With fallthrough, CLI11 hands an unknown option up to the tool: the command it was
        // given to is the last one named before it.
        path = name_;
        std::size_t at = 0;
        std::vector<const CLI::App*> chain;
        for (const CLI::App* a = in; a && a != app_.get(); a = a->get_parent())
            chain.insert(chain.begin(), a);
        for (const CLI::App* a : chain) {
            const auto it = std::find(words.begin() + static_cast<std::ptrdiff_t>(at), words.end(),
                                      a->get_name());
            const auto bad = std::find_if(
                words.begin() + static_cast<std::ptrdiff_t>(at), words.end(),
                [&](const std::string& w) { return w.substr(0, w.find('=')) == unknown; });
            if (it == words.end() || bad < it) break;
            path += " " + a->get_name();
            at = static_cast<std::size_t>(it - words.begin()) + 1;
        }
    }
    return see_help(message, path);
}

void Tool::add_dry_run() {
    app_->add_flag("--dry-run", common_.dry_run, "show what would be done, change nothing")
        ->group("Common options");
}

const Config& Tool::config() {
    if (!config_) config_ = std::make_unique<Config>(Config::load(common_.config, keys_));
    return *config_;
}

Format Tool::format() const {
    return resolve_format(common_.format);
}

int Tool::run(int argc, char** argv, const std::function<Exit()>& body) {
    install_signal_handlers();
    setup_logging(name_, common_);
    if (const auto why = unknown_command(argc, argv)) {
        std::fprintf(stderr, "%s: %s\n", name_.c_str(), why->c_str());
        return static_cast<int>(Exit::usage);
    }
    try {
        app_->parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app_->exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app_->exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app_->exit(e);
    } catch (const CLI::ParseError& e) {
        std::fprintf(stderr, "%s: %s\n", name_.c_str(),
                     parse_error(e, std::vector<std::string>(argv + 1, argv + argc)).c_str());
        return static_cast<int>(Exit::usage);
    }
    setup_logging(name_, common_);

    Exit code = Exit::ok;
    try {
        if (list_options_) {
            std::string out;
            list_options(*app_, "", out);
            write_all(stdout, out);
        } else if (print_config_) {
            config().print(stdout);
        } else {
            code = body();
        }
    } catch (const Error& e) {
        std::fprintf(stderr, "%s: %s\n", name_.c_str(), e.what());
        code = e.code();
    } catch (const OutputClosed&) {
        code = Exit::ok;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", name_.c_str(), e.what());
        code = Exit::partial;
    }

    if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
        if (errno != EPIPE) {
            std::fprintf(stderr, "%s: writing standard output: %s\n", name_.c_str(),
                         std::strerror(errno));
            if (code == Exit::ok) code = Exit::partial;
        }
    }
    if (code == Exit::ok && interrupted()) code = Exit::interrupted;
    return static_cast<int>(code);
}

}  // namespace swd
