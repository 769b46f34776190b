#include "libcore/queue/cli.hpp"

#include <simdjson.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "libcore/base/input.hpp"
#include "libcore/base/jsonl.hpp"
#include "libcore/mail/outbox.hpp"
#include "libcore/package/manifest.hpp"
#include "libcore/package/store.hpp"
#include "libcore/queue/admin.hpp"
#include "libcore/queue/alert.hpp"
#include "libcore/queue/intake.hpp"
#include "libcore/queue/operator.hpp"
#include "libcore/queue/run.hpp"
#include "libcore/queue/settings.hpp"

namespace swd::queue {

namespace {

// Ids from the arguments, else from stdin when it is not a terminal: one per line, or JSONL
// records with an "id" (so `swd-queue list --queue abort | swd-queue requeue` works).
std::vector<std::string> ids_from(const std::vector<std::string>& args) {
    if (!args.empty()) return args;
    if (::isatty(STDIN_FILENO)) throw Error(Exit::usage, "no ids: name them, or pipe them in");
    std::vector<std::string> out;
    LineReader in(InputSpec{"-"});
    std::string_view line;
    simdjson::dom::parser parser;
    while (in.next(line)) {
        const auto first = line.find_first_not_of(" \t\r");
        if (first == std::string_view::npos) continue;
        if (line[first] == '{') {
            simdjson::dom::element doc;
            std::string copy(line);
            if (!parser.parse(copy).get(doc)) {
                std::int64_t number = 0;
                if (auto id = jsonl::get_string(doc, "id"))
                    out.emplace_back(*id);
                else if (!doc["id"].get(number))  // an alert's id is a number
                    out.push_back(std::to_string(number));
                else
                    spdlog::warn("stdin:{}: a record without an id", in.line_number());
                continue;
            }
            spdlog::warn("stdin:{}: not a JSON record with an id", in.line_number());
            continue;
        }
        auto last = line.find_last_not_of(" \t\r");
        out.emplace_back(line.substr(first, last - first + 1));
    }
    return out;
}

struct Env {
    Tool& tool;
    Options& opt;
    Settings settings;
    Access access;  ///< what the command does with the state file
    std::unique_ptr<State> state;
    std::unique_ptr<distlog::Appender> log;

    State& st() {
        if (!state)
            state = std::make_unique<State>(state_path(tool.common().state, tool.config()),
                                            schemas(), access);
        return *state;
    }
    distlog::Appender& dlog() {
        if (!log) log = std::make_unique<distlog::Appender>(settings.log);
        return *log;
    }
    bool dry() const { return tool.common().dry_run; }
};

// After the global options: the words of the subcommand as received, for the log.
std::vector<std::string> words_after(const std::vector<std::string>& argv,
                                     const std::string& verb) {
    static const std::set<std::string> with_value{"--state", "--config", "--format"};
    for (std::size_t i = 1; i < argv.size(); ++i) {
        if (with_value.count(argv[i])) {
            ++i;
            continue;
        }
        if (argv[i] == verb) return {argv.begin() + static_cast<std::ptrdiff_t>(i) + 1, argv.end()};
    }
    return {};
}

Exit do_submit(Env& env) {
    auto words = words_after(env.opt.raw_argv, "submit");
    words.insert(words.begin(), "submit");
    const auto requests =
        env.dry() ? parse_command(env.st().db(), env.settings, words, "", timeutil::now()).requests
                  : submit_words(env.st(), env.settings, env.dlog(), words);
    RecordOutput out(env.tool.format());
    for (const auto& r : requests)
        out.write(r.to_record());
    out.finish();
    return Exit::ok;
}

// Takes in a pull-request or login built from the command line, like a spool line.
Exit do_intake(Env& env, const std::vector<std::string>& words) {
    const auto now = timeutil::now();
    const auto in = parse_command(env.st().db(), env.settings, words, "", now);
    const auto requests = env.dry() ? in.requests : take_in(env.st(), env.dlog(), in, now);
    RecordOutput out(env.tool.format());
    for (const auto& r : requests)
        out.write(r.to_record());
    out.finish();
    if (in.kind == Intake::Kind::login && !env.dry())
        spdlog::info("{}: {} pull request(s) activated", in.endpoint, requests.size());
    return Exit::ok;
}

Exit do_pull_request(Env& env) {
    auto& o = env.opt;
    std::vector<std::string> packages = o.packages;
    if (!o.packages_from.empty()) {
        LineReader in(InputSpec{o.packages_from});
        std::string_view line;
        while (in.next(line)) {
            const auto first = line.find_first_not_of(" \t\r");
            if (first == std::string_view::npos || line[first] == '#') continue;
            const auto last = line.find_last_not_of(" \t\r");
            packages.emplace_back(line.substr(first, last - first + 1));
        }
    }
    if (packages.empty())
        throw Error(Exit::usage, "pull-request: no packages (--package or --packages-from)");
    std::vector<std::string> words{"pull-request", "--endpoint", o.endpoint};
    for (const auto& p : packages) {
        words.push_back("--package");
        words.push_back(p);
    }
    if (!o.dist.empty()) {
        words.push_back("--dist");
        words.push_back(o.dist);
    }
    return do_intake(env, words);
}

Exit do_run(Env& env) {
    auto& o = env.opt;
    if (o.once && o.daemon) throw Error(Exit::usage, "run: --once and --daemon exclude each other");
    RunOptions ro;
    ro.daemon = o.daemon;
    ro.max_active = o.max_active > 0 ? o.max_active : env.settings.max_active;
    RecordOutput out(Format::jsonl);
    if (env.dry()) {
        // What would be activated now, without doing it.
        const auto ts = timeutil::format_rfc3339(timeutil::now());
        std::set<std::string> busy;
        int n = 0;
        for (const auto& r : list_requests(env.st().db(), "incoming")) {
            if (n >= ro.max_active || r.not_before > ts || busy.count(r.target)) continue;
            busy.insert(r.target);
            ++n;
            out.write(r.to_record());
        }
        out.finish();
        return Exit::ok;
    }
    const auto rep = run_manager(env.st(), env.settings, env.dlog(), out, ro);
    out.finish();
    spdlog::info("run: {} activated, {} done, {} failed attempts, {} corrupt spool files",
                 rep.attempts, rep.done, rep.failed, rep.corrupt);
    return (rep.failed > 0 || rep.corrupt > 0) ? Exit::partial : Exit::ok;
}

Exit do_list(Env& env) {
    RecordOutput out(env.tool.format(),
                     {"id", "dist", "mode", "queue", "targets", "packages", "next_package",
                      "push_left", "pull_left", "not_before", "last_package"});
    for (const auto& r : list_requests(env.st().db(), env.opt.queue, env.opt.dist, env.opt.target))
        out.write(r.to_record());
    out.finish();
    return Exit::ok;
}

Exit do_show(Env& env) {
    if (env.opt.args.size() != 1) throw Error(Exit::usage, "show takes one request id");
    auto r = find_request(env.st().db(), env.opt.args.front());
    if (!r) throw Error(Exit::negative, "no request " + env.opt.args.front());
    RecordOutput out(Format::jsonl);  // a request and its events do not make one table
    out.write(r->to_record());
    EventFilter f;
    f.request = r->id;
    for (const auto& e : list_events(env.st().db(), f))
        out.write(e.to_record());
    out.finish();
    return Exit::ok;
}

// hold, release, requeue, delete, flush: each id is checked and changed in one transaction.
Exit do_operator(Env& env, Operation op) {
    std::vector<std::string> ids = env.opt.args;
    const bool flush = op == Operation::flush;
    if (!flush || !ids.empty() || !::isatty(STDIN_FILENO)) ids = ids_from(ids);
    // flush without ids: every waiting request (like postqueue -f).
    if (flush && ids.empty()) ids = waiting_requests(env.st().db());
    RecordOutput out(env.tool.format());
    bool partial = false;
    const auto now = timeutil::now();
    const auto ts = timeutil::format_rfc3339(now);
    for (const auto& id : ids) {
        Request changed;
        try {
            if (env.dry())
                changed = operate(env.st().db(), op, id, ts, true);
            else
                env.st().write([&](SQLite::Database& db) { changed = operate(db, op, id, ts); });
        } catch (const Error& e) {
            if (e.code() != Exit::negative) throw;
            spdlog::warn("{}: {}", verb(op), e.what());
            partial = true;
            continue;
        }
        if (!env.dry()) env.dlog().append(now, operation_log(op, changed));
        out.write(changed.to_record());
    }
    out.finish();
    return partial ? Exit::partial : Exit::ok;
}

Exit do_events(Env& env) {
    EventFilter f;
    f.open_only = env.opt.open_only;
    f.request = env.opt.request;
    if (!env.opt.since.empty()) {
        auto t = timeutil::parse_since(env.opt.since, timeutil::now());
        if (!t)
            throw Error(Exit::usage,
                        "--since '" + env.opt.since + "' is neither a duration nor a date");
        f.since = timeutil::format_rfc3339(*t);
    }
    RecordOutput out(env.tool.format(), {"id", "class", "severity", "open", "request", "target",
                                         "package", "message", "time"});
    for (const auto& e : list_events(env.st().db(), f))
        out.write(e.to_record());
    out.finish();
    return Exit::ok;
}

Exit do_ack(Env& env) {
    const auto ids = ids_from(env.opt.args);
    const auto ts = timeutil::format_rfc3339(timeutil::now());
    bool partial = false;
    RecordOutput out(env.tool.format());
    for (const auto& id : ids) {
        bool ok = false;
        if (!env.dry())
            env.st().write([&](SQLite::Database& db) { ok = ack_event(db, id, ts); });
        else
            ok = true;
        if (!ok) {
            spdlog::warn("ack: {}: no such open event", id);
            partial = true;
            continue;
        }
        if (auto e = find_event(env.st().db(), id)) out.write(e->to_record());
    }
    out.finish();
    return partial ? Exit::partial : Exit::ok;
}

Exit do_send(Env& env) {
    if (env.settings.alert_to.empty()) {
        spdlog::info("send: [alerts] to is empty: nothing to send");
        return Exit::ok;
    }
    if (env.dry()) {
        for (const auto& e : outbox::list(env.st().db(), "pending"))
            if (e.kind == "alert")
                spdlog::warn("would send alert {} (attempt {})", e.ref, e.attempts + 1);
        return Exit::ok;
    }
    const auto rep = send_alerts(env.st(), env.settings, timeutil::now()).mail;
    spdlog::info("send: {} sent, {} to retry, {} refused for good", rep.sent, rep.retry,
                 rep.failed);
    if (rep.retry + rep.failed > 0) {
        spdlog::warn(
            "send: {} alert(s) not taken by {} ({} will be retried; refused ones wait "
            "for swd-queue alerts retry)",
            rep.retry + rep.failed, smtp::masked_url(env.settings.smtp.url), rep.retry);
        return Exit::network;
    }
    return Exit::ok;
}

std::vector<outbox::Entry> queue_alerts(SQLite::Database& db, const std::string& status) {
    std::vector<outbox::Entry> out;
    for (auto& e : outbox::list(db, status))
        if (e.kind == alert_kind) out.push_back(std::move(e));
    return out;
}

const std::vector<std::string> alert_columns{"id",      "status",     "attempts", "request",
                                             "subject", "last_error", "next_at",  "sent_at"};

Exit do_alerts(Env& env) {
    RecordOutput out(env.tool.format(), alert_columns);
    for (const auto& e : queue_alerts(env.st().db(), env.opt.status))
        out.write(alert_record(e));
    out.finish();
    return Exit::ok;
}

// alerts retry: the named (or --all: every unsent) alerts are due now with a fresh ladder; then
// every due alert is sent, as `send` does, and the named ones are printed as they ended.
Exit do_alerts_retry(Env& env) {
    std::vector<std::int64_t> ids;
    bool partial = false;
    if (env.opt.all) {
        if (!env.opt.args.empty()) throw Error(Exit::usage, "alerts retry: ids or --all, not both");
        for (const auto* status : {"failed", "pending"})
            for (const auto& e : queue_alerts(env.st().db(), status))
                ids.push_back(e.id);
        std::sort(ids.begin(), ids.end());
    } else {
        for (const auto& text : ids_from(env.opt.args)) {
            std::int64_t id = 0;
            const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
            if (ec != std::errc() || end != text.data() + text.size() || id <= 0) {
                spdlog::warn("alerts retry: {}: not an alert id (a number)", text);
                partial = true;
                continue;
            }
            ids.push_back(id);
        }
    }
    const auto now = timeutil::now();
    std::vector<std::int64_t> taken;
    for (const auto id : ids) {
        bool ok = false;
        if (env.dry()) {
            const auto e = outbox::find(env.st().db(), id);
            ok = e && e->kind == alert_kind && (e->status == "failed" || e->status == "pending");
        } else {
            env.st().write(
                [&](SQLite::Database& db) { ok = outbox::retry(db, id, alert_kind, now); });
        }
        if (!ok) {
            const auto e = outbox::find(env.st().db(), id);
            spdlog::warn("alerts retry: {}: {}", id,
                         !e || e->kind != alert_kind ? std::string("no such alert")
                                                     : "not waiting (" + e->status + ")");
            partial = true;
            continue;
        }
        taken.push_back(id);
    }
    RecordOutput out(env.tool.format(), alert_columns);
    bool unsent = false;
    if (!env.dry() && !taken.empty()) {
        const auto rep = send_alerts(env.st(), env.settings, timeutil::now());
        for (const auto& e : rep.events)
            spdlog::warn("{}", e.message);
    }
    for (const auto id : taken) {
        const auto e = outbox::find(env.st().db(), id);
        if (!e) continue;
        if (e->status != "sent") unsent = true;
        out.write(alert_record(*e));
    }
    out.finish();
    if (partial) return Exit::partial;
    return unsent && !env.dry() ? Exit::network : Exit::ok;
}

// undo TARGET PACKAGE: the installer restores what the package's install changed.
Exit do_undo(Env& env) {
    const auto& name = env.opt.undo_target;
    const auto& id = env.opt.undo_package;
    const auto now = timeutil::now();
    const auto u = undo_install(env.st(), env.dlog(), name, id, now, env.dry());
    RecordOutput out(env.tool.format());
    out.write(undo_record(name, id, u, timeutil::format_rfc3339(now)));
    out.finish();
    if (u.result == "not_installed") return Exit::negative;
    if (u.result == "failed") {
        spdlog::error("undo: {} on {}: {}", id, name, u.detail);
        return Exit::partial;
    }
    return Exit::ok;
}

Exit do_targets_add(Env& env) {
    auto& o = env.opt;
    Target proto;
    proto.transport = o.transport;
    proto.probe_cmd = o.probe_cmd;
    proto.install_cmd = o.install_cmd;
    proto.address = o.address;
    proto.mac = o.mac;
    proto.location = o.location;
    proto.region = o.region;
    const auto targets = new_targets(o.names, proto, timeutil::format_rfc3339(timeutil::now()));
    if (!env.dry()) {
        env.st().write([&](SQLite::Database& db) {
            for (const auto& t : targets)
                upsert_target(db, t);
        });
    }
    RecordOutput out(env.tool.format());
    for (const auto& t : targets)
        out.write(target_record(t));
    out.finish();
    return Exit::ok;
}

Exit do_targets_list(Env& env) {
    RecordOutput out(env.tool.format());
    for (const auto& t : list_targets(env.st().db()))
        out.write(target_record(t));
    out.finish();
    return Exit::ok;
}

Exit do_targets_remove(Env& env) {
    bool partial = false;
    for (const auto& name : env.opt.names) {
        try {
            env.st().write([&](SQLite::Database& db) { retire_target(db, name, env.dry()); });
        } catch (const Error& e) {
            if (e.code() != Exit::negative) throw;
            spdlog::warn("targets remove: {}", e.what());
            partial = true;
        }
    }
    return partial ? Exit::partial : Exit::ok;
}

Exit do_packages_add(Env& env) {
    package::Store store(env.settings.packages);
    RecordOutput out(env.tool.format());
    bool partial = false;
    for (const auto& path : env.opt.args) {
        try {
            out.write(package_record(add_package(store, path, env.dry())));
        } catch (const Error& e) {
            if (e.code() != Exit::usage && e.code() != Exit::config) throw;
            spdlog::warn("packages add: {}", e.what());
            partial = true;
        }
    }
    out.finish();
    return partial ? Exit::partial : Exit::ok;
}

Exit do_packages_list(Env& env) {
    package::Store store(env.settings.packages);
    RecordOutput out(env.tool.format(),
                     {"id", "name", "version", "title", "files", "dependencies"});
    for (const auto& p : store.list())
        out.write(package_record(p));
    out.finish();
    return Exit::ok;
}

Exit do_packages_remove(Env& env) {
    package::Store store(env.settings.packages);
    bool partial = false;
    for (const auto& id : env.opt.args) {
        if (!remove_package(env.st().db(), store, id, env.dry())) {
            spdlog::warn("packages remove: {}: not in the store", id);
            partial = true;
        }
    }
    return partial ? Exit::partial : Exit::ok;
}

using Table = CommandTable<Env>;
using Row = Table::Row;

/// The subcommands, made by add_options and run by run().
std::unique_ptr<Table>& table() {
    static std::unique_ptr<Table> t;
    return t;
}

/// An operator's command: its only words are request ids (from stdin when none are given).
Row ids_row(Operation op, const char* summary, Options& o) {
    return {std::string(verb(op)), summary,
            [&o](CLI::App& a) { a.add_option("ID", o.args, "request ids (default: from stdin)"); },
            [op](Env& env) { return do_operator(env, op); }};
}

}  // namespace

void add_options(Tool& tool, Options& o) {
    tool.add_dry_run();
    std::vector<Row> rows{
        {"submit", "take in a distribution command (standard push)",
         [&o](CLI::App& a) { add_submit_options(a, o.submit); }, do_submit},
        {"pull-request", "take in an endpoint's package list (trusted pull)",
         [&o](CLI::App& a) {
             a.add_option("--endpoint", o.endpoint, "the endpoint asking")
                 ->required()
                 ->type_name("E");
             a.add_option("--package", o.packages, "package it asks for (repeatable)")
                 ->type_name("P");
             a.add_option("--packages-from", o.packages_from,
                          "file with one package per line (- for stdin)")
                 ->type_name("FILE");
             a.add_option("--dist", o.dist, "distribution id (default: P-ENDPOINT-TIME)")
                 ->type_name("ID");
         },
         do_pull_request},
        {"login", "an endpoint is online: activate its pull-queue requests",
         [&o](CLI::App& a) { a.add_option("ENDPOINT", o.endpoint, "the endpoint")->required(); },
         [](Env& env) {
             return do_intake(env, {"login", env.opt.endpoint});
         }},
        {"run", "activate and process requests (queue manager)",
         [&o](CLI::App& a) {
             a.add_flag("--once", o.once,
                        "one pass: every eligible request once, then exit (default)");
             a.add_flag("--daemon", o.daemon, "keep running until SIGTERM");
             a.add_option("--max-active", o.max_active,
                          "requests active at once ([queue] max_active)")
                 ->type_name("N")
                 ->check(CLI::Range(1, 1024));
         },
         do_run},
        {"list", "list requests",
         [&o](CLI::App& a) {
             a.add_option("--queue", o.queue, "only this queue")
                 ->check(CLI::IsMember({"incoming", "active", "hold", "pull", "abort", "done"}))
                 ->type_name("Q");
             a.add_option("--dist", o.dist, "only this distribution")->type_name("ID");
             a.add_option("--target", o.target, "only this target")->type_name("T");
         },
         do_list, Access::read},
        {"show", "show a request and its events",
         [&o](CLI::App& a) { a.add_option("ID", o.args, "request id")->required(); }, do_show,
         Access::read},
        ids_row(Operation::hold, "hold requests until released", o),
        ids_row(Operation::release, "release held requests", o),
        ids_row(Operation::requeue, "queue requests again now, retries restored", o),
        ids_row(Operation::remove, "delete requests", o),
        ids_row(Operation::flush,
                "retry waiting requests now (default: every hold and pull request)", o),
        {"events", "list events",
         [&o](CLI::App& a) {
             a.add_flag("--open", o.open_only,
                        "only open events (start events not yet ended, errors not acked)");
             a.add_option("--since", o.since, "only events since a duration ago or a date")
                 ->type_name("D");
             a.add_option("--request", o.request, "only events of this request")->type_name("ID");
         },
         do_events, Access::read},
        {"ack", "acknowledge (close) events",
         [&o](CLI::App& a) { a.add_option("ID", o.args, "event ids (default: from stdin)"); },
         do_ack},
        {"send", "send the alert e-mails waiting in the outbox", {}, do_send},
        {"alerts", "list the alert e-mails in the outbox",
         [&o](CLI::App& a) {
             a.add_option("--status", o.status, "only alerts with this status")
                 ->check(CLI::IsMember({"pending", "failed", "sent"}))
                 ->type_name("S");
         },
         do_alerts, Access::read},
        {"alerts retry", "send failed or waiting alerts again now, ladder afresh",
         [&o](CLI::App& a) {
             a.add_option("ID", o.args, "alert ids (default: from stdin)");
             a.add_flag("--all", o.all, "every alert not sent yet (failed or pending)");
         },
         do_alerts_retry},
        {"undo", "undo a package's install on a local: target",
         [&o](CLI::App& a) {
             a.add_option("TARGET", o.undo_target, "a local: target")->required();
             a.add_option("PACKAGE", o.undo_package, "the id of a package installed there")
                 ->required();
         },
         do_undo},
        {"targets", "manage endpoints"},
        {"targets add", "register (or update) endpoints",
         [&o](CLI::App& a) {
             a.add_option("NAME", o.names, "endpoint names")->required();
             a.add_option("--transport", o.transport, "local:/DIR (may hold {target}) or exec")
                 ->required()
                 ->type_name("T");
             a.add_option("--probe-cmd", o.probe_cmd, "exec: reachability check (argv template)")
                 ->type_name("TEMPLATE");
             a.add_option("--install-cmd", o.install_cmd,
                          "exec: install one package (argv template)")
                 ->type_name("TEMPLATE");
             a.add_option("--address", o.address, "network address")->type_name("A");
             a.add_option("--mac", o.mac, "MAC address, for wake-on-LAN")->type_name("M");
             a.add_option("--location", o.location, "where it is (for alerts)")->type_name("L");
             a.add_option("--region", o.region, "its region (for alerts)")->type_name("R");
         },
         do_targets_add},
        {"targets list", "list endpoints", {}, do_targets_list, Access::read},
        {"targets remove", "remove endpoints without queued requests",
         [&o](CLI::App& a) { a.add_option("NAME", o.names, "endpoint names")->required(); },
         do_targets_remove},
        {"packages", "manage the package store"},
        {"packages add", "verify and add packages (directories or tarballs)",
         [&o](CLI::App& a) {
             a.add_option("PATH", o.args, "package directories or .tar/.tar.gz files")->required();
         },
         do_packages_add},
        {"packages list", "list stored packages", {}, do_packages_list, Access::read},
        {"packages remove", "remove stored packages",
         [&o](CLI::App& a) { a.add_option("ID", o.args, "package ids")->required(); },
         do_packages_remove},
    };
    table() = std::make_unique<Table>(tool, std::move(rows));
}

Exit run(Tool& tool, Options& opt) {
    Env env{tool, opt, settings_from(tool.config()), table()->access(), nullptr, nullptr};
    return table()->run(env);
}

}  // namespace swd::queue
