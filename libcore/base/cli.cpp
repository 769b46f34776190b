#include "libcore/base/cli.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstring>

namespace swd {

namespace {

std::atomic<int> g_signal{0};

extern "C" void on_signal(int sig) {
    // A second signal means the user does not want to wait for a clean stop.
    if (g_signal.exchange(sig) != 0) ::_exit(static_cast<int>(Exit::interrupted));
}

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

void install_signal_handlers() {
    std::signal(SIGPIPE, SIG_IGN);
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: a blocking read returns EINTR and the loop sees the flag
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
}

sigset_t stop_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    return set;
}

std::thread thread_without_stop_signals(std::function<void()> fn) {
    const sigset_t stops = stop_signals();
    sigset_t old;
    pthread_sigmask(SIG_BLOCK, &stops, &old);
    std::thread t(std::move(fn));
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    return t;
}

bool interrupted() {
    return g_signal.load() != 0;
}

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
    try {
        app_->parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app_->exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app_->exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app_->exit(e);
    } catch (const CLI::ParseError& e) {
        std::fprintf(stderr, "%s: %s\nTry '%s --help'.\n", name_.c_str(), e.what(), name_.c_str());
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
