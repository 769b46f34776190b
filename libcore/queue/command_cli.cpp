#include "libcore/queue/command_cli.hpp"

#include "libcore/base/error.hpp"

namespace swd::queue {

namespace {

// The common options a command line may carry after the subcommand; accepted and ignored, so a
// command is read the same way from the command line, a spool file and swd-redist.
struct IgnoredCommon {
    std::string text;
    int count = 0;
    bool flag = false;

    void add_to(CLI::App& app) {
        app.add_option("--state", text);
        app.add_option("--config", text);
        app.add_option("--format", text);
        app.add_flag("-v,--verbose", count);
        app.add_flag("-q,--quiet", flag);
        app.add_flag("--dry-run", flag);
    }
};

void parse_app(CLI::App& app, const std::vector<std::string>& args) {
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    try {
        app.parse(reversed);
    } catch (const CLI::ParseError& e) {
        throw Error(Exit::usage, e.what());
    }
}

}  // namespace

void add_submit_options(CLI::App& app, Submission& s) {
    app.add_option("--dist", s.dist, "distribution id (from the master)")
        ->required()
        ->type_name("ID");
    app.add_option("--package", s.packages, "package to install, in order (repeatable)")
        ->required()
        ->type_name("P");
    app.add_option("--target", s.targets, "target endpoint, with optional parameters: NAME[:p1,p2]")
        ->required()
        ->type_name("T");
    app.add_option("--push-retries", s.push_retries,
                   "push retries before pull mode ([queue] push_retries)")
        ->type_name("N");
    app.add_option("--pull-retries", s.pull_retries,
                   "authoritative pull attempts ([queue] pull_retries)")
        ->type_name("N");
    app.add_option("--retry-interval", s.retry_interval,
                   "wait between push retries ([queue] retry_interval)")
        ->type_name("D");
    app.add_option("--not-before", s.not_before,
                   "not before this time (RFC 3339) or this long from now")
        ->type_name("T");
    app.add_option("--origin", s.origin, "who sent the command (the master's name)")
        ->type_name("NAME");
    app.add_option("--redist-of", s.redist_of, "the distribution this one redistributes")
        ->type_name("ID");
}

Submission read_submit(const std::vector<std::string>& args) {
    CLI::App app("submit", "submit");
    app.set_help_flag();
    Submission s;
    add_submit_options(app, s);
    IgnoredCommon ignored;
    ignored.add_to(app);
    parse_app(app, args);
    return s;
}

PullRequestWords read_pull_request(const std::vector<std::string>& args) {
    CLI::App app("pull-request", "pull-request");
    app.set_help_flag();
    PullRequestWords w;
    app.add_option("--endpoint", w.endpoint)->required();
    app.add_option("--package", w.packages)->required();
    app.add_option("--dist", w.dist);
    IgnoredCommon ignored;
    ignored.add_to(app);
    parse_app(app, args);
    return w;
}

}  // namespace swd::queue
