#include "libcore/queue/intake.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "libcore/base/beneath.hpp"
#include "libcore/base/digest.hpp"
#include "libcore/base/error.hpp"
#include "libcore/base/ids.hpp"
#include "libcore/base/process.hpp"
#include "libcore/base/text.hpp"
#include "libcore/package/manifest.hpp"
#include "libcore/package/store.hpp"
#include "libcore/queue/command_cli.hpp"

namespace swd::queue {

namespace {

std::string join(const std::vector<std::string>& v, std::string_view sep = ",") {
    std::string out;
    for (const auto& s : v) {
        if (!out.empty()) out += sep;
        out += s;
    }
    return out;
}

// A per-target parameter is data handed to the install as it is (an argv word, SWD_PARAMS),
// never to a shell, so it may hold any character but the separator ',' and control characters.
void check_param(std::string_view target, std::string_view p) {
    const auto control = [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u < 0x20 || u == 0x7f;
    };
    const auto bad = [&](const std::string& why) {
        // Shown with its control characters as \xHH, so that none reaches a terminal.
        std::string shown;
        for (const char c : p) {
            if (!control(c)) {
                shown += c;
                continue;
            }
            static constexpr char hex[] = "0123456789abcdef";
            const auto u = static_cast<unsigned char>(c);
            shown += {'\\', 'x', hex[u >> 4], hex[u & 15]};
        }
        return Error(Exit::usage,
                     "target '" + std::string(target) + "': parameter '" + shown + "': " + why);
    };
    if (p.empty()) throw bad("empty");
    if (p.size() > 128) throw bad("longer than 128 characters");
    if (std::any_of(p.begin(), p.end(), control))
        throw bad("control characters (newline, tab, escape, ...) are not allowed");
}

struct TargetSpec {
    std::string name;
    std::vector<std::string> params;
};

TargetSpec parse_target(std::string_view spec) {
    TargetSpec t;
    const auto colon = spec.find(':');
    t.name = std::string(spec.substr(0, colon));
    package::check_name("target", t.name);
    if (colon != std::string_view::npos) {
        std::string_view rest = spec.substr(colon + 1);
        std::size_t start = 0;
        while (start <= rest.size()) {
            auto end = rest.find(',', start);
            if (end == std::string_view::npos) end = rest.size();
            const auto p = rest.substr(start, end - start);
            check_param(t.name, p);
            t.params.emplace_back(p);
            start = end + 1;
        }
    }
    return t;
}

int retries(int given, int fallback, std::string_view what) {
    const int v = given < 0 ? fallback : given;
    if (v < 0 || v > 1000)
        throw Error(Exit::usage, std::string(what) + " must be between 0 and 1000");
    return v;
}

Request base_request(const std::string& dist, const std::string& mode, const TargetSpec& t,
                     const std::vector<std::string>& packages, timeutil::TimePoint now) {
    Request r;
    r.dist = dist;
    r.mode = mode;
    r.first_mode = mode;
    r.queue = "incoming";
    r.target = t.name;
    r.params = t.params;
    r.packages = packages;
    r.not_before = timeutil::format_rfc3339(now);
    r.created = r.updated = r.not_before;
    return r;
}

void require_target(SQLite::Database& db, const std::string& name) {
    if (find_target(db, name)) return;
    std::vector<std::string> known;
    for (const auto& t : list_targets(db))
        known.push_back(t.name);
    throw Error(Exit::usage,
                unknown_name("target", name, known) + " (register it with swd-queue targets add)");
}

/// A package a request names must be in the store: one that is not would be retried and
/// alerted about until the retries ran out.
void require_package(const package::Store& store, const std::string& id) {
    if (store.find(id)) return;
    std::vector<std::string> known;
    for (const auto& p : store.list())
        known.push_back(p.manifest.id());
    throw Error(Exit::usage,
                unknown_name("package", id, known) + " (add it with swd-queue packages add)");
}

Intake parse_submit(SQLite::Database& db, const Settings& settings,
                    const std::vector<std::string>& args, const std::string& default_origin,
                    timeutil::TimePoint now) {
    const Submission s = read_submit(args);

    package::check_name("distribution id", s.dist);
    const package::Store store(settings.packages);
    for (const auto& p : s.packages) {
        package::check_name("package", p);
        require_package(store, p);
    }
    std::vector<TargetSpec> targets;
    for (const auto& spec : s.targets) {
        targets.push_back(parse_target(spec));
        for (std::size_t i = 0; i + 1 < targets.size(); ++i)
            if (targets[i].name == targets.back().name)
                throw Error(Exit::usage, "target '" + targets.back().name +
                                             "' given twice (one request per target)");
    }
    for (const auto& t : targets)
        require_target(db, t.name);
    const int push = retries(s.push_retries, settings.push_retries, "--push-retries");
    const int pull = retries(s.pull_retries, settings.pull_retries, "--pull-retries");
    std::int64_t interval = settings.retry_interval;
    if (!s.retry_interval.empty()) {
        const auto d = timeutil::parse_duration(s.retry_interval);
        if (!d)
            throw Error(Exit::usage,
                        "--retry-interval '" + s.retry_interval + "' is not a duration");
        interval = d->count();
    }
    auto not_before = now;
    if (!s.not_before.empty()) {
        if (auto t = timeutil::parse_rfc3339(s.not_before))
            not_before = *t;
        else if (auto d = timeutil::parse_duration(s.not_before))
            not_before = now + *d;
        else
            throw Error(Exit::usage,
                        "--not-before '" + s.not_before + "' is neither a time nor a duration");
    }
    std::string origin = s.origin.empty() ? default_origin : s.origin;
    if (!origin.empty()) package::check_name("origin", origin);
    if (!s.redist_of.empty()) package::check_name("--redist-of", s.redist_of);

    Intake in;
    in.kind = Intake::Kind::submit;
    std::vector<std::string> argv{"swd-queue", "submit"};
    argv.insert(argv.end(), args.begin(), args.end());
    in.cmd = process::shell_join(argv);
    std::vector<std::string> names;
    for (const auto& t : targets) {
        auto r = base_request(s.dist, "push", t, s.packages, now);
        r.push_retries = r.push_left = push;
        r.pull_retries = r.pull_left = pull;
        r.retry_interval = interval;
        r.not_before = timeutil::format_rfc3339(not_before);
        r.origin = origin;
        r.redist_of = s.redist_of;
        r.cmd = in.cmd;
        in.requests.push_back(std::move(r));
        names.push_back(t.name);
    }
    in.log = {{"dist", s.dist}, {"event", "received"}};
    if (!origin.empty()) in.log.emplace_back("origin", origin);
    in.log.emplace_back("mode", "push");
    in.log.emplace_back("packages", join(s.packages));
    in.log.emplace_back("targets", join(names));
    if (!s.redist_of.empty()) in.log.emplace_back("redist_of", s.redist_of);
    in.log.emplace_back("cmd", in.cmd);
    return in;
}

Intake parse_pull_request(SQLite::Database& db, const Settings& settings,
                          const std::vector<std::string>& args, const std::string& default_origin,
                          timeutil::TimePoint now) {
    auto [endpoint, packages, dist] = read_pull_request(args);
    const auto spec = parse_target(endpoint);
    require_target(db, spec.name);
    for (const auto& p : packages)
        package::check_name("package", p);
    if (dist.empty())
        dist = "P-" + spec.name + "-" + timeutil::format_day(now) +
               timeutil::format_rfc3339(now).substr(11, 8);
    std::erase(dist, ':');
    package::check_name("distribution id", dist);

    Intake in;
    in.kind = Intake::Kind::pull_request;
    std::vector<std::string> argv{"swd-queue", "pull-request"};
    argv.insert(argv.end(), args.begin(), args.end());
    in.cmd = process::shell_join(argv);
    auto r = base_request(dist, "trusted-pull", spec, packages, now);
    r.push_retries = r.push_left = settings.push_retries;
    r.pull_retries = r.pull_left = settings.pull_retries;
    r.retry_interval = settings.retry_interval;
    r.origin = default_origin.empty() ? spec.name : default_origin;
    r.cmd = in.cmd;
    in.requests.push_back(std::move(r));
    in.log = {{"dist", dist},
              {"event", "received"},
              {"origin", in.requests.front().origin},
              {"mode", "trusted-pull"},
              {"packages", join(packages)},
              {"targets", spec.name},
              {"cmd", in.cmd}};
    return in;
}

Intake parse_login(SQLite::Database& db, const std::vector<std::string>& args) {
    if (args.size() != 1) throw Error(Exit::usage, "login takes exactly one endpoint name");
    package::check_name("endpoint", args.front());
    require_target(db, args.front());
    Intake in;
    in.kind = Intake::Kind::login;
    in.endpoint = args.front();
    in.cmd = process::shell_join({"swd-queue", "login", args.front()});
    in.log = {{"event", "login"}, {"target", in.endpoint}};
    return in;
}

}  // namespace

Intake parse_command(SQLite::Database& db, const Settings& settings, std::vector<std::string> words,
                     const std::string& default_origin, timeutil::TimePoint now) {
    if (!words.empty() && std::filesystem::path(words.front()).filename() == "swd-queue")
        words.erase(words.begin());
    if (words.empty()) throw Error(Exit::usage, "empty command");
    const std::string verb = words.front();
    const std::vector<std::string> args(words.begin() + 1, words.end());
    if (verb == "submit") return parse_submit(db, settings, args, default_origin, now);
    if (verb == "pull-request") return parse_pull_request(db, settings, args, default_origin, now);
    if (verb == "login") return parse_login(db, args);
    throw Error(Exit::usage,
                "unknown command '" + verb + "' (expected submit, pull-request or login)");
}

std::vector<Request> store(SQLite::Database& db, const Intake& in, timeutil::TimePoint now) {
    const auto ts = timeutil::format_rfc3339(now);
    std::vector<Request> out;
    if (in.kind == Intake::Kind::login) {
        for (auto r : list_requests(db, "pull", "", in.endpoint)) {
            r.queue = "incoming";
            r.not_before = ts;
            r.updated = ts;
            update_request(db, r);
            out.push_back(std::move(r));
        }
        Event e;
        e.cls = "SWD_Login";
        e.severity = harmless;
        e.target = in.endpoint;
        e.message =
            "endpoint logged in: " + std::to_string(out.size()) + " pull request(s) activated";
        e.time = ts;
        add_event(db, e);
        return out;
    }
    for (auto r : in.requests) {
        r.id = ids::next(db, 'R', now);
        insert_request(db, r);
        add_event(db, request_event(r, "SWD_Received", harmless, false, "",
                                    r.mode + " request received: " + join(r.packages, " "), ts));
        out.push_back(std::move(r));
    }
    return out;
}

std::vector<Request> submit_words(State& state, const Settings& settings, distlog::Appender& log,
                                  std::vector<std::string> words,
                                  const std::string& default_origin) {
    const auto now = timeutil::now();
    if (!words.empty() && std::filesystem::path(words.front()).filename() == "swd-queue")
        words.erase(words.begin());
    if (words.empty() || words.front() != "submit") words.insert(words.begin(), "submit");
    Intake in;
    try {
        in = parse_command(state.db(), settings, words, default_origin, now);
    } catch (const Error& e) {
        if (e.code() != Exit::usage) throw;
        std::vector<std::string> argv{"swd-queue"};
        argv.insert(argv.end(), words.begin(), words.end());
        log.append(
            now, {{"event", "rejected"}, {"reason", e.what()}, {"cmd", process::shell_join(argv)}});
        throw;
    }
    return take_in(state, log, in, now);
}

std::vector<Request> take_in(State& state, distlog::Appender& log, const Intake& in,
                             timeutil::TimePoint now) {
    log.append(now, in.log);
    std::vector<Request> out;
    state.write([&](SQLite::Database& db) { out = store(db, in, now); });
    return out;
}

void ensure_spool(const std::filesystem::path& spool) {
    with_context(
        "spool " + spool.string(),
        [&] {
            for (const char* sub : {"tmp", "incoming", "corrupt"})
                std::filesystem::create_directories(spool / sub);
        },
        Exit::config);
}

SpoolReport ingest_spool(State& state, const Settings& settings, distlog::Appender& log) {
    SpoolReport report;
    ensure_spool(settings.spool);
    const auto incoming = settings.spool / "incoming";
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(incoming)) {
        const auto n = e.path().filename().string();
        if (!n.starts_with(".")) names.push_back(n);
    }
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
        const auto path = incoming / name;
        struct stat st {};
        if (::lstat(path.c_str(), &st) != 0) continue;  // taken meanwhile
        ++report.files;
        const auto now = timeutil::now();
        std::string content;
        try {
            if (!S_ISREG(st.st_mode)) throw Error(Exit::usage, "not a regular file");
            if (st.st_size > (1 << 20)) throw Error(Exit::usage, "larger than 1 MiB");
            std::ifstream f(path, std::ios::binary);
            std::ostringstream ss;
            ss << f.rdbuf();
            content = ss.str();
            const auto sha = digest::sha256_hex(content);
            if (spool_seen(state.db(), name, sha)) {
                std::filesystem::remove(path);
                continue;
            }
            std::vector<Intake> intakes;
            std::istringstream lines(content);
            std::string line;
            int number = 0;
            while (std::getline(lines, line)) {
                ++number;
                const auto first = line.find_first_not_of(" \t\r");
                if (first == std::string::npos || line[first] == '#') continue;
                if (!line.empty() && line.back() == '\r') line.pop_back();
                with_context(
                    "line " + std::to_string(number),
                    [&] {
                        intakes.push_back(parse_command(state.db(), settings,
                                                        process::split_words(line), "spool", now));
                    },
                    Exit::usage);
            }
            if (intakes.empty()) throw Error(Exit::usage, "no command in the file");
            for (const auto& in : intakes) {
                auto fields = in.log;
                fields.emplace_back("spool", name);
                log.append(now, fields);
            }
            int stored = 0;
            state.write([&](SQLite::Database& db) {
                stored = 0;
                for (const auto& in : intakes)
                    stored += static_cast<int>(store(db, in, now).size());
                mark_spool_seen(db, name, sha, timeutil::format_rfc3339(now));
            });
            report.requests += stored;
            std::filesystem::remove(path);
        } catch (const Error& e) {
            if (e.code() != Exit::usage) throw;
            ++report.corrupt;
            const auto corrupt = settings.spool / "corrupt";
            // An earlier corrupt file of the same name is kept: this one gets a suffix.
            std::string kept = name;
            for (int n = 1;
                 std::filesystem::exists(std::filesystem::symlink_status(corrupt / kept)); ++n)
                kept = name + "." + std::to_string(n);
            std::filesystem::rename(path, corrupt / kept);
            std::ofstream(corrupt / (kept + ".reason")) << e.what() << "\n";
            spdlog::warn("spool file {}: {} (moved to {})", name, e.what(),
                         (corrupt / kept).string());
            log.append(now, {{"event", "corrupt"},
                             {"file", name},
                             {"kept_as", "corrupt/" + kept},
                             {"reason", e.what()}});
            state.write([&](SQLite::Database& db) {
                Event ev;
                ev.cls = "SWD_Spool_Corrupt";
                ev.severity = minor;
                ev.open = true;
                ev.message = "spool file " + name + " moved to corrupt/: " + e.what();
                ev.time = timeutil::format_rfc3339(now);
                add_event(db, ev);
            });
        }
    }
    return report;
}

}  // namespace swd::queue
