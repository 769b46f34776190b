#include "libcore/redist/cli.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <unordered_set>

#include "libcore/base/format.hpp"
#include "libcore/base/ids.hpp"
#include "libcore/base/input.hpp"
#include "libcore/base/jsonl.hpp"
#include "libcore/base/process.hpp"
#include "libcore/base/state.hpp"
#include "libcore/base/text.hpp"
#include "libcore/base/time.hpp"
#include "libcore/package/manifest.hpp"
#include "libcore/package/store.hpp"
#include "libcore/queue/distlog.hpp"
#include "libcore/queue/intake.hpp"
#include "libcore/queue/settings.hpp"
#include "libcore/redist/command.hpp"
#include "libcore/redist/dialog.hpp"
#include "libcore/redist/log.hpp"
#include "libcore/redist/plan.hpp"
#include "libcore/redist/store.hpp"

namespace swd::redist {

namespace {

using timeutil::TimePoint;

std::optional<TimePoint> when(const std::string& text, const char* what, TimePoint now) {
    if (text.empty()) return std::nullopt;
    auto t = timeutil::parse_since(text, now);
    if (!t)
        throw Error(Exit::usage,
                    std::string(what) + " '" + text + "': neither a duration (7d) nor a date");
    return t;
}

timeutil::Duration duration(const std::string& text, const char* what) {
    const auto d = timeutil::parse_duration(text);
    if (!d) throw Error(Exit::usage, std::string(what) + " '" + text + "' is not a duration");
    return *d;
}

bool in_range(const Failure& f, std::optional<TimePoint> since, std::optional<TimePoint> until) {
    if (!f.failed_at) return true;
    return (!since || *f.failed_at >= *since) && (!until || *f.failed_at <= *until);
}

class Run {
  public:
    Run(Tool& tool, const Options& opt) : tool_(tool), opt_(opt), now_(timeutil::now()) {}

    Exit go();

  private:
    void settle();
    std::vector<Failure> read_inputs();
    void plan_job(Plan& plan, const std::map<std::string, Found>& found);
    std::optional<std::string> refusal(const Plan& plan, const std::vector<std::string>& argv);
    void decide(Plan& plan);
    void ask(Plan& plan);
    bool try_edit(Plan& plan);
    bool issue(Plan& plan);
    void finish_job(Plan& plan);
    void show(const Plan& plan);
    std::string redist_record(const Plan& plan) const;

    Tool& tool_;
    const Options& opt_;
    TimePoint now_;
    bool dry_ = false;
    queue::Settings settings_;
    std::string server_;
    std::optional<ManagerTemplate> manager_;
    std::chrono::seconds manager_timeout_{300};
    timeutil::Duration lookback_{0};
    std::unique_ptr<Terminal> term_;
    std::unique_ptr<State> st_;
    std::vector<LogFile> files_;  ///< the distribution logs to search, oldest first
    std::unique_ptr<distlog::Appender> log_;
    std::unique_ptr<RecordOutput> out_;
    bool holds_ = false;
    std::optional<TimePoint> since_, until_;
    std::map<std::string, int> next_n_;  // per original: the n of its next ORIGINAL-R<n>
    bool approve_all_ = false;
    bool quit_ = false;
    bool partial_ = false;
    SearchStats stats_;
};

// Options, configuration and the state file.
void Run::settle() {
    const Config& config = tool_.config();
    dry_ = tool_.common().dry_run;
    if (!dry_ && !opt_.yes) term_ = Terminal::open();
    settings_ = queue::settings_from(config);
    server_ = opt_.server;
    if (server_.empty()) server_ = config.text("redist.server");
    if (server_.empty()) server_ = settings_.server;
    const auto manager = opt_.manager.empty() ? config.text("redist.manager") : opt_.manager;
    if (!manager.empty()) manager_.emplace(manager);
    manager_timeout_ = std::chrono::seconds(config.seconds("redist.manager_timeout"));
    for (const auto& d : opt_.dists)
        package::check_name("--dist", d);
    lookback_ = duration(opt_.lookback.empty() ? config.text("redist.lookback") : opt_.lookback,
                         "--lookback");
    since_ = when(opt_.since, "--since", now_);
    until_ = when(opt_.until, "--until", now_);
    // The logs are found before the state file is opened (and its tables made), so that a
    // wrong --log changes nothing.
    const auto log_dir = opt_.log_dir.empty() ? config.text("redist.log_dir") : opt_.log_dir;
    if (!opt_.logs.empty())
        files_ = named_files(opt_.logs);
    else if (!log_dir.empty())
        files_ = rotation_set_in(log_dir, settings_.log.filename().string());
    else
        files_ = rotation_set(settings_.log);
    st_ = std::make_unique<State>(state_path(tool_.common().state, config), [] {
        auto s = queue::schemas();
        s.push_back(&schema());
        return s;
    }());
    holds_ = holds_failures(st_->db());
    if (!since_) {
        since_ = last_run(st_->db(), server_);
        if (!since_) since_ = now_ - timeutil::Duration(config.seconds("redist.window"));
    }
    out_ = std::make_unique<RecordOutput>(
        tool_.format(),
        std::vector<std::string>{"type", "id", "dist", "new_dist", "status", "device"});
}

std::vector<Failure> Run::read_inputs() {
    std::vector<Failure> failures;
    int other_server = 0;
    jsonl::LineWarnings warn;
    for (const auto& input : resolve_inputs(opt_.inputs)) {
        jsonl::Reader reader({input});
        jsonl::Item item;
        for (;;) {
            if (interrupted()) return failures;
            try {
                if (!reader.next(item)) break;
            } catch (const Error& e) {
                spdlog::warn("{}", e.what());
                partial_ = true;
                break;
            }
            const auto bad = [&](const std::string& why) {
                warn(escape_controls(item.source) + ":" + std::to_string(item.line) + ": " + why);
                partial_ = true;
            };
            if (!item.ok()) {
                bad(item.error);
                continue;
            }
            if (jsonl::get_string(item.doc, "type") != "failed") continue;  // other types: not ours
            const auto get = [&](std::string_view key) {
                return std::string(jsonl::get_string(item.doc, key).value_or(""));
            };
            Failure f{get("dist"),
                      get("server"),
                      get("device"),
                      get("package"),
                      get("alert"),
                      std::nullopt,
                      item.source + ":" + std::to_string(item.line)};
            if (f.dist.empty() || f.device.empty()) {
                bad("a failed record needs dist and device");
                continue;
            }
            try {
                package::check_name("distribution id", f.dist);
            } catch (const Error& e) {
                bad(e.what());
                continue;
            }
            if (const auto at = get("failed_at"); !at.empty()) {
                f.failed_at = timeutil::parse_rfc3339(at);
                if (!f.failed_at) {
                    bad("failed_at '" + at + "' is not an RFC 3339 time");
                    continue;
                }
            }
            if (!f.server.empty() && f.server != server_) {
                ++other_server;
                continue;
            }
            failures.push_back(std::move(f));
        }
    }
    warn.finish();
    if (other_server > 0)
        spdlog::warn("{} failed record(s) of other servers skipped (this is {}; see --server)",
                     other_server, server_);
    return failures;
}

// Fills in the plan of a job from what the logs hold about it.
void Run::plan_job(Plan& plan, const std::map<std::string, Found>& found) {
    const auto it = found.find(plan.dist);
    if (it == found.end() || !it->second.received) {
        plan.status = "not-found";
        plan.reason = "no received line for " + plan.dist + " in " +
                      std::to_string(stats_.files_read) + " log file(s) read";
        return;
    }
    const auto& received = *it->second.received;
    plan.original_cmd = received.cmd;
    plan.log_where = received.where;
    std::vector<std::string> words;
    CommandView view;
    try {
        words = process::split_words(received.cmd);
        view = read_command(words);
    } catch (const Error& e) {
        plan.status = "refused";
        plan.reason = "the logged command cannot be read: " + std::string(e.what());
        return;
    }
    plan.redist_of = view.redist_of.empty() ? plan.dist : view.redist_of;
    plan.original_packages = view.packages;
    plan.packages = view.packages;

    std::vector<Result> results = it->second.results;
    for (const auto& nd : issued_new_dists(st_->db(), plan.dist)) {
        if (const auto r = found.find(nd); r != found.end())
            results.insert(results.end(), r->second.results.begin(), r->second.results.end());
    }
    plan.choice = choose(view, plan.failures, results, opt_.all_recipients);
    if (plan.choice.recipients.empty()) {
        plan.status = "completed";
        return;
    }
    auto [slot, fresh] = next_n_.try_emplace(plan.redist_of, 0);
    if (fresh) slot->second = issued_count(st_->db(), plan.redist_of) + 1;
    plan.new_dist = plan.redist_of + "-R" + std::to_string(slot->second++);
    std::set<std::string> keep;
    for (const auto& r : plan.choice.recipients)
        keep.insert(r.name);
    plan.argv = rebuild(words, plan.new_dist, plan.redist_of, keep);
    plan.status = "open";
}

// Why `argv` may not be issued for `plan`, or nullopt.
std::optional<std::string> Run::refusal(const Plan& plan, const std::vector<std::string>& argv) {
    CommandView view;
    try {
        view = read_command(argv);
    } catch (const Error& e) {
        return std::string(e.what());
    }
    if (view.redist_of.empty())
        return "--redist-of was dropped: a redistribution must name its original (" +
               plan.redist_of + ")";
    if (view.redist_of != plan.redist_of)
        return "--redist-of must stay " + plan.redist_of + " (not " + view.redist_of + ")";
    if (view.dist == plan.dist || view.dist == plan.redist_of)
        return "--dist must be a new distribution id (not " + view.dist + ")";
    if (view.targets.empty()) return std::string("no --target left");
    if (view.packages.empty()) return std::string("no --package left");
    if (manager_) {
        for (const auto& p : view.packages)
            if (std::find(plan.original_packages.begin(), plan.original_packages.end(), p) ==
                plan.original_packages.end())
                return "unknown package '" + p + "' (not one of the original's)";
        try {
            package::check_name("distribution id", view.dist);
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::nullopt;
    }
    const package::Store store(settings_.packages);
    for (const auto& p : view.packages)
        if (!store.find(p))
            return "unknown package '" + p + "' (not in the package store " +
                   settings_.packages.string() + ")";
    // The queue's own checks, and that it reads the command as we do.
    queue::Intake intake;
    try {
        intake = queue::parse_command(st_->db(), settings_, argv, "", now_);
    } catch (const Error& e) {
        if (e.code() != Exit::usage) throw;
        return std::string(e.what());
    }
    std::vector<std::string> ours, theirs;
    for (const auto& t : view.targets)
        ours.push_back(ascii_lower(t.name));
    for (const auto& r : intake.requests) {
        theirs.push_back(ascii_lower(r.target));
        if (r.dist != view.dist || r.packages != view.packages)
            return std::string("swd-queue reads the command differently (dist or packages)");
    }
    std::sort(ours.begin(), ours.end());
    std::sort(theirs.begin(), theirs.end());
    if (intake.kind != queue::Intake::Kind::submit || ours != theirs)
        return std::string("swd-queue reads the command differently (targets)");
    return std::nullopt;
}

// Hands the command to the distribution manager. False (status refused, with the reason) when
// the manager refuses it.
bool Run::issue(Plan& plan) {
    const auto view = read_command(plan.argv);
    plan.new_dist = view.dist;
    plan.packages = view.packages;
    if (manager_) {
        process::Command cmd;
        cmd.argv = manager_->expand(plan.argv, plan.new_dist, plan.redist_of);
        cmd.timeout = manager_timeout_;
        const auto r = process::run(cmd);
        if (!r.ok()) {
            auto err = r.err.substr(0, r.err.find('\n'));
            plan.status = "refused";
            plan.reason = "manager " + r.describe() + (err.empty() ? "" : ": " + err);
            return false;
        }
        return true;
    }
    if (!log_) log_ = std::make_unique<distlog::Appender>(settings_.log);
    try {
        const auto requests = queue::submit_words(*st_, settings_, *log_, plan.argv);
        for (const auto& r : requests)
            spdlog::info("{}: {} queued as {}", plan.id, r.target, r.id);
    } catch (const Error& e) {
        if (e.code() != Exit::usage) throw;
        plan.status = "refused";
        plan.reason = e.what();
        return false;
    }
    return true;
}

void Run::show(const Plan& plan) {
    const auto text = describe(plan);
    if (term_)
        term_->write(text);
    else if (!tool_.common().quiet)
        write_all(stderr, text);
}

// An edit: false when the operator's command was refused or left as it was.
bool Run::try_edit(Plan& plan) {
    const std::string text = "# The redistribution of " + plan.dist +
                             ". Change the command, save and quit; lines starting with '#' are "
                             "ignored, an empty command keeps the old one.\n" +
                             process::shell_join(plan.argv) + "\n";
    std::vector<std::string> argv;
    try {
        const auto edited = term_->edit(text);
        std::string command;
        for (std::size_t pos = 0; pos < edited.size();) {
            auto end = edited.find('\n', pos);
            if (end == std::string::npos) end = edited.size();
            const auto line = edited.substr(pos, end - pos);
            const auto first = line.find_first_not_of(" \t");
            if (first == std::string::npos || line[first] != '#') command += line + "\n";
            pos = end + 1;
        }
        argv = process::split_words(command);
    } catch (const Error& e) {
        term_->write("refused: " + std::string(e.what()) + "\n");
        return false;
    }
    if (argv.empty()) {
        term_->write("empty command: the command is unchanged\n");
        return false;
    }
    if (const auto why = refusal(plan, argv)) {
        term_->write("refused: " + *why + "\n");
        return false;
    }
    plan.argv = std::move(argv);
    plan.choice.recipients = recipients_of(plan, plan.argv);
    plan.packages = read_command(plan.argv).packages;
    return true;
}

void Run::ask(Plan& plan) {
    for (;;) {
        if (quit_ || interrupted()) {
            plan.status = "declined";
            return;
        }
        switch (term_->ask("Redistribute " + plan.dist + "?")) {
            case Terminal::Answer::yes:
                break;
            case Terminal::Answer::no:
                plan.status = "declined";
                return;
            case Terminal::Answer::quit:
                quit_ = true;
                plan.status = "declined";
                return;
            case Terminal::Answer::all:
                approve_all_ = true;
                break;
            case Terminal::Answer::edit:
                if (try_edit(plan)) show(plan);
                continue;
        }
        if (const auto why = refusal(plan, plan.argv)) {
            term_->write("cannot issue: " + *why + "\n");
            approve_all_ = false;
            continue;
        }
        plan.status = issue(plan) ? "issued" : "refused";
        return;
    }
}

void Run::decide(Plan& plan) {
    if (plan.status != "open") return;
    if (dry_) {
        plan.status = "dry-run";
        return;
    }
    if (!term_ || approve_all_) {
        if (const auto why = refusal(plan, plan.argv)) {
            plan.status = "refused";
            plan.reason = *why;
            return;
        }
        plan.status = issue(plan) ? "issued" : "refused";
        return;
    }
    ask(plan);
}

std::string Run::redist_record(const Plan& plan) const {
    jsonl::Record r("redist");
    if (!plan.id.empty()) r.field("id", plan.id);
    r.field("server", server_).field("dist", plan.dist);
    if (!plan.redist_of.empty()) r.field("redist_of", plan.redist_of);
    // A new distribution only exists once issued (or, under --dry-run, would).
    if (plan.status == "issued" || plan.status == "dry-run") r.field("new_dist", plan.new_dist);
    if (!plan.argv.empty()) r.field("argv", plan.argv);
    if (!plan.original_cmd.empty()) r.field("original", plan.original_cmd);
    std::vector<std::string> names;
    for (const auto& x : plan.choice.recipients)
        names.push_back(x.name);
    r.field("recipients", names);
    r.key("why").begin_object();
    for (const auto& x : plan.choice.recipients)
        r.field(x.name, x.why);
    r.end_object();
    std::vector<std::string> left;
    for (const auto& x : plan.choice.left_out)
        left.push_back(x.name);
    if (!left.empty()) r.field("left_out", left);
    r.field("packages", plan.packages);
    r.field("status", plan.status);
    if (!plan.reason.empty()) r.field("reason", plan.reason);
    if (!plan.log_where.empty()) r.field("log", plan.log_where);
    return r.finish();
}

// Records the decision, does the housekeeping and prints the records.
void Run::finish_job(Plan& plan) {
    if (plan.status == "refused" || plan.status == "not-found") {
        partial_ = true;
        spdlog::warn("{}: {}: {}", plan.dist, plan.status, plan.reason);
    }
    // Who the failed records are closed for: the recipients of an issued job, the targets
    // that completed meanwhile for a completed one.
    std::vector<std::string> resolved;
    if (plan.status == "issued") {
        for (const auto& r : plan.choice.recipients)
            resolved.push_back(r.name);
    } else if (plan.status == "completed") {
        std::set<std::string> seen;
        for (const auto& f : plan.failures)
            if (seen.insert(ascii_lower(f.device)).second) resolved.push_back(f.device);
    }
    if (!dry_) {
        st_->write([&](SQLite::Database& db) {
            Entry e;
            e.id = plan.id;
            e.server = server_;
            e.dist = plan.dist;
            e.redist_of = plan.redist_of.empty() ? plan.dist : plan.redist_of;
            e.new_dist = plan.status == "issued" ? plan.new_dist : "";
            e.packages = plan.packages;
            e.original_cmd = plan.original_cmd;
            e.argv = plan.argv;
            for (const auto& r : plan.choice.recipients)
                e.recipients.push_back(r.name);
            e.status = plan.status;
            e.reason = plan.reason;
            e.created = e.updated = timeutil::format_rfc3339(now_);
            save_entry(db, e);
            if (!holds_) return;
            const char* status = plan.status == "issued" ? "redistributed" : "resolved";
            for (const auto& device : resolved)
                mark_failures(db, plan.dist, server_, device, status, plan.id, e.new_dist, now_);
        });
    }
    out_->write(redist_record(plan));
    if (dry_) return;
    for (const auto& device : resolved) {
        jsonl::Record r("resolved");
        r.field("dist", plan.dist).field("server", server_).field("device", device);
        r.field("by", plan.id);
        if (plan.status == "issued") r.field("new_dist", plan.new_dist);
        out_->write(r.finish());
    }
}

Exit Run::go() {
    settle();

    // 1. The failed jobs (step 122).
    std::vector<Failure> failures;
    const bool named = !opt_.dists.empty();
    if (!opt_.inputs.empty() || (!named && !isatty(STDIN_FILENO))) failures = read_inputs();
    if (holds_) {
        auto stored = open_failures(st_->db(), server_, named ? std::nullopt : since_,
                                    named ? std::nullopt : until_);
        failures.insert(failures.end(), stored.begin(), stored.end());
    }
    std::set<std::string> dists(opt_.dists.begin(), opt_.dists.end());
    int before = 0;
    std::vector<Failure> kept;
    std::set<std::tuple<std::string, std::string, std::string>> seen;
    for (auto& f : failures) {
        if (named ? !dists.count(f.dist) : !in_range(f, since_, until_)) {
            before += named ? 0 : 1;
            continue;
        }
        if (seen.insert({f.dist, ascii_lower(f.device), f.package}).second)
            kept.push_back(std::move(f));
    }
    if (before > 0)
        spdlog::warn("{} failed record(s) outside the window {} .. {} skipped (see --since)",
                     before, timeutil::format_rfc3339(*since_),
                     timeutil::format_rfc3339(until_.value_or(now_)));
    std::stable_sort(kept.begin(), kept.end(), [](const Failure& a, const Failure& b) {
        return a.failed_at.value_or(TimePoint::min()) < b.failed_at.value_or(TimePoint::min());
    });
    std::vector<Plan> plans;
    std::map<std::string, std::size_t> index;
    for (auto& f : kept) {
        auto [it, fresh] = index.try_emplace(f.dist, plans.size());
        if (fresh) {
            plans.emplace_back();
            plans.back().dist = f.dist;
        }
        plans[it->second].failures.push_back(std::move(f));
    }
    for (const auto& d : opt_.dists) {
        if (index.try_emplace(d, plans.size()).second) {
            plans.emplace_back();
            plans.back().dist = d;
        }
    }
    if (interrupted()) return Exit::interrupted;
    if (plans.empty()) {
        spdlog::info("no failed job for {} since {}", server_, timeutil::format_rfc3339(*since_));
        if (!dry_) st_->write([&](SQLite::Database& db) { set_last_run(db, server_, now_); });
        out_->finish();
        return partial_ ? Exit::partial : Exit::negative;
    }

    // 2. One entry per job (step 124); under --dry-run the ids it would get, nothing kept.
    const auto assign = [&](SQLite::Database& db) {
        for (auto& p : plans) {
            p.id = ids::next(db, 'X', now_);
            if (dry_) continue;
            Entry e;
            e.id = p.id;
            e.server = server_;
            e.dist = p.dist;
            e.redist_of = p.dist;
            e.status = "open";
            e.created = e.updated = timeutil::format_rfc3339(now_);
            save_entry(db, e);
        }
    };
    if (dry_) {
        SQLite::Transaction rollback(st_->db());
        assign(st_->db());
    } else {
        st_->write(assign);
    }

    // 3. The logs (steps 126-130), newest first: each job's received line is at most
    // --lookback before its earliest failure (or --since, when nothing dates the job); a job
    // with no date at all is looked for until found. Later results count too, so every newer
    // file is read.
    std::vector<Job> jobs;
    std::unordered_set<std::string> more;
    for (const auto& p : plans) {
        Job job{p.dist, std::nullopt};
        for (const auto& f : p.failures)
            if (f.failed_at && (!job.from || *f.failed_at < *job.from)) job.from = f.failed_at;
        if (!job.from && !opt_.since.empty()) job.from = since_;
        if (job.from) *job.from -= lookback_;
        jobs.push_back(std::move(job));
        for (const auto& nd : issued_new_dists(st_->db(), p.dist))
            more.insert(nd);
    }
    const auto found = search(files_, jobs, more, stats_);
    if (stats_.files_failed > 0) partial_ = true;
    spdlog::info("searched {} of {} log file(s), {} lines, for {} job(s)", stats_.files_read,
                 files_.size(), stats_.lines, plans.size());

    // 4-8. Build, show, approve, issue, record (steps 134-150).
    for (auto& plan : plans) {
        if (interrupted()) break;
        plan_job(plan, found);
        show(plan);
        decide(plan);
        finish_job(plan);
    }
    if (!dry_) st_->write([&](SQLite::Database& db) { set_last_run(db, server_, now_); });
    out_->finish();
    if (interrupted()) return Exit::interrupted;
    return partial_ ? Exit::partial : Exit::ok;
}

}  // namespace

const ConfigKeys& config_keys() {
    static const ConfigKeys keys = [] {
        ConfigKeys k{
            {"redist.server", KeyKind::string, "",
             "this intermediate server's name in failed records (default: [queue] server)"},
            {"redist.window", KeyKind::duration, "\"7d\"",
             "how far back to look for failed jobs on the first run (later: since the last run)"},
            {"redist.lookback", KeyKind::duration, "\"7d\"",
             "how long before its failure a distribution may have been received"},
            {"redist.log_dir", KeyKind::string, "",
             "where the distribution logs and their rotations are (default: beside [queue] log)"},
            {"redist.manager", KeyKind::string, "",
             "argv template of another distribution manager (default: swd-queue in-process)"},
            {"redist.manager_timeout", KeyKind::duration, "\"5m\"",
             "limit for one --manager command"},
        };
        const auto& q = queue::config_keys();
        k.insert(k.end(), q.begin(), q.end());
        return k;
    }();
    return keys;
}

void add_options(Tool& tool, Options& o) {
    CLI::App& app = tool.app();
    tool.add_dry_run();
    app.add_option("files", o.inputs, "failed records (JSONL); '-' or none: stdin when piped")
        ->type_name("FILE");
    app.add_option("--server", o.server, "this intermediate server ([redist] server)")
        ->type_name("NAME");
    app.add_option("--since", o.since, "failed since (7d, or a date; default: the last run)")
        ->type_name("WHEN");
    app.add_option("--until", o.until, "failed until (a duration back, or a date)")
        ->type_name("WHEN");
    // One value per --dist and --log, so that the files after them stay files.
    app.add_option("--dist", o.dists, "redistribute this distribution (repeatable)")
        ->type_name("ID")
        ->allow_extra_args(false);
    app.add_option("--log-dir", o.log_dir, "distribution logs and rotations ([redist] log_dir)")
        ->type_name("DIR");
    app.add_option("--log", o.logs, "search this log file instead (repeatable)")
        ->type_name("FILE")
        ->allow_extra_args(false);
    app.add_option("--lookback", o.lookback,
                   "how long before a failure its command may be logged ([redist] lookback)")
        ->type_name("D");
    app.add_flag("--all-recipients", o.all_recipients, "redistribute to the whole original list");
    app.add_flag("-y,--yes", o.yes, "issue every job without asking");
    app.add_option("--manager", o.manager,
                   "argv template of another distribution manager ([redist] manager)")
        ->type_name("TEMPLATE");
}

Exit run(Tool& tool, const Options& opt) {
    return Run(tool, opt).go();
}

}  // namespace swd::redist
