#include "libcore/ticket/cli.hpp"

#include <spdlog/spdlog.h>

#include <functional>

#include "libcore/alert/devices.hpp"
#include "libcore/base/error.hpp"
#include "libcore/base/format.hpp"
#include "libcore/base/input.hpp"
#include "libcore/base/jsonl.hpp"
#include "libcore/base/progress.hpp"
#include "libcore/base/state.hpp"
#include "libcore/base/text.hpp"
#include "libcore/mail/outbox.hpp"
#include "libcore/ticket/admin.hpp"
#include "libcore/ticket/delivery.hpp"
#include "libcore/ticket/failed.hpp"
#include "libcore/ticket/feed.hpp"
#include "libcore/ticket/processor.hpp"

namespace swd::ticket {

namespace {

using timeutil::TimePoint;

const std::vector<std::string> ticket_columns{"id",    "status", "open", "device", "failure",
                                              "count", "first",  "last", "center", "location"};

/// A change: committed, or with --dry-run made in a transaction that is rolled back.
void change(State& state, bool dry, const std::function<void(SQLite::Database&)>& fn) {
    if (!dry) {
        state.write(fn);
        return;
    }
    SQLite::Database& db = state.db();
    db.exec("BEGIN IMMEDIATE");
    try {
        fn(db);
    } catch (...) {
        db.exec("ROLLBACK");
        throw;
    }
    db.exec("ROLLBACK");
}

TimePoint parse_time(const std::string& flag, const std::string& text) {
    if (auto t = timeutil::parse_rfc3339(text)) return *t;
    throw Error(Exit::usage, flag + ": '" + text + "' is not a time (2026-11-21T10:15:03Z)");
}

/// A time to come: a date, or a duration from `now` ("2h": two hours from now).
TimePoint parse_ahead(const std::string& flag, const std::string& text, TimePoint now) {
    if (auto t = timeutil::parse_rfc3339(text)) return *t;
    if (auto d = timeutil::parse_duration(text)) return now + *d;
    throw Error(Exit::usage, flag + ": '" + text +
                                 "' is neither a date (2026-11-21T10:15:03Z) nor a duration from "
                                 "now (2h, 3d)");
}

std::optional<TimePoint> parse_since(const std::string& text, TimePoint now) {
    if (text.empty()) return std::nullopt;
    if (auto t = timeutil::parse_since(text, now)) return t;
    throw Error(Exit::usage, "--since: '" + text + "' is neither a duration (7d) nor a date");
}

void print(Tool& tool, const std::vector<std::string>& records,
           std::vector<std::string> columns = {}) {
    RecordOutput out(tool.format(), std::move(columns));
    for (const auto& r : records)
        out.write(r);
    out.finish();
}

Exit process(Tool& tool, const Options& opt, State& state, const Settings& s, TimePoint now) {
    Processor processor(state, s, now);
    RecordOutput out(tool.format(), ticket_columns);
    BatchResult total;
    outbox::Report pages;
    std::size_t alerts = 0;
    BackgroundCheckpoints checkpoints(state);
    std::size_t printed = 0, recovered = 0;
    bool paged = false;
    Unrouted unrouted;
    const auto print_finished = [&](const std::vector<Ticket>& tickets) {
        for (const auto& t : tickets) {
            out.write(ticket_record(t));
            paged = paged || t.paged;
        }
        printed += tickets.size();
        count_unrouted(tickets, unrouted);
    };
    // Tickets a killed run made and never finished: finished (and printed) first.
    if (!tool.common().dry_run) {
        const auto orphans = recover_tickets(state, s, now, false);
        recovered = orphans.size();
        print_finished(orphans);
    }
    AlertFeed feed(opt.inputs, now, static_cast<std::size_t>(s.batch));
    std::span<const Alert> batch;
    std::vector<std::string> warnings;
    jsonl::LineWarnings bad_lines;
    Progress progress(tool.name(), stderr_is_terminal() && !tool.common().quiet);
    while (feed.next(batch, warnings)) {
        if (!warnings.empty()) progress.clear();
        for (const auto& w : warnings)
            bad_lines(w);
        if (batch.empty()) continue;
        alerts += batch.size();
        if (tool.common().dry_run) {
            BatchResult r;
            for (const auto& t : processor.dry_run(batch, r))
                out.write(ticket_record(t));
            total += r;
            continue;
        }
        const BatchResult r = processor.process(batch);
        checkpoints.committed();
        total += r;
        print_finished(finish_tickets(state, s, now, r.created));
        progress.update(std::to_string(alerts) + " alerts, " + std::to_string(printed) +
                        " tickets");
        // A page goes to the center at once, not at the next send.
        if (paged) pages += deliver_pages(state, s, now);
        paged = false;
    }
    if (paged) pages += deliver_pages(state, s, now);
    const bool bad = feed.finish();
    progress.clear();
    bad_lines.finish();
    out.finish();
    spdlog::info("{} alerts: {} tickets, {} updates, {} counted, {} suppressed, {} duplicates",
                 alerts, tool.common().dry_run ? total.created.size() : printed, total.updated,
                 total.counted, total.suppressed, total.duplicates);
    if (recovered > 0)
        spdlog::info("{} ticket{} a stopped run left unfinished, finished now", recovered,
                     recovered == 1 ? "" : "s");
    warn_unrouted(unrouted);
    if (pages.sent + pages.retry + pages.failed > 0)
        spdlog::info("pages: {} sent, {} to retry, {} failed", pages.sent, pages.retry,
                     pages.failed);
    if (pages.retry > 0)
        spdlog::warn("{} page{} not delivered yet: swd-ticket send retries {}", pages.retry,
                     pages.retry == 1 ? "" : "s", pages.retry == 1 ? "it" : "them");
    if (interrupted()) return Exit::interrupted;
    return bad ? Exit::partial : Exit::ok;
}

Exit send(Tool& tool, const Options& opt, State& state, const Settings& s, TimePoint now) {
    if (tool.common().dry_run) {
        std::vector<std::string> records;
        for (const auto& e : outbox::list(state.db(), "pending")) {
            if (e.next_at > timeutil::format_rfc3339(now)) continue;
            if (e.kind != "ticket" && e.kind != "update" && e.kind != "digest" && e.kind != "page")
                continue;
            jsonl::Record r("mail");
            r.field("kind", e.kind);
            r.field("ref", e.ref);
            r.field("to", e.rcpts);
            r.field("attempts", e.attempts);
            r.field("due", e.next_at);
            records.push_back(r.finish());
        }
        print(tool, records);
        return Exit::ok;
    }
    const SendReport r = ticket::send(state, s, now, opt.flush);
    warn_unrouted(r.unrouted);
    spdlog::info("{} sent, {} to retry, {} failed; {} tickets, {} merged, {} updates, {} recovered",
                 r.mail.sent, r.mail.retry, r.mail.failed, r.mails, r.digests, r.updates,
                 r.finished);
    if (r.mail.retry > 0)
        spdlog::warn("{} mail{} not delivered: {}; next attempt at {} (swd-ticket send)",
                     r.mail.retry, r.mail.retry == 1 ? "" : "s", escape_controls(r.mail.last_error),
                     r.mail.next_at);
    if (interrupted()) return Exit::interrupted;
    if (r.mail.failed > 0) return Exit::partial;
    if (r.mail.retry > 0) return Exit::network;
    return Exit::ok;
}

/// What the commands share, made once the command line is parsed.
struct Env {
    Tool& tool;
    const Options& opt;
    Settings settings;
    TimePoint now;
    State state;

    bool dry() const { return tool.common().dry_run; }
};

Exit devices_import(Env& env) {
    const auto list = devices::read_csv(env.opt.file);
    change(env.state, env.dry(), [&](SQLite::Database& db) {
        for (const auto& d : list)
            devices::upsert(db, d);
    });
    spdlog::info("{}: {} devices imported", env.opt.file, list.size());
    return Exit::ok;
}

Exit devices_list(Env& env) {
    print(env.tool, device_records(env.state.db()),
          {"name", "address", "region", "location", "paging"});
    return Exit::ok;
}

const std::vector<std::string> outage_columns{"id", "device", "from", "until", "reason"};

Exit outages_add(Env& env) {
    const Options& opt = env.opt;
    Outage o;
    o.device = opt.device;
    o.from = opt.from.empty() ? env.now : parse_ahead("--from", opt.from, env.now);
    o.until = parse_ahead("--until", opt.until, env.now);
    o.reason = opt.reason;
    std::vector<std::string> records;
    change(env.state, env.dry(), [&](SQLite::Database& db) {
        require_known("device", o.device, known_devices(db));
        records = outage_records(db, "", add_outage(db, o, env.now));
    });
    print(env.tool, records, outage_columns);
    return Exit::ok;
}

Exit outages_import(Env& env) {
    const auto list = read_outages_csv(env.opt.file);
    change(env.state, env.dry(), [&](SQLite::Database& db) {
        for (const auto& o : list)
            add_outage(db, o, env.now);
    });
    spdlog::info("{}: {} outages imported", env.opt.file, list.size());
    return Exit::ok;
}

Exit outages_list(Env& env) {
    print(env.tool, outage_records(env.state.db(), env.opt.device), outage_columns);
    return Exit::ok;
}

Exit outages_remove(Env& env) {
    const std::string& text = env.opt.id;
    std::int64_t id = 0;
    try {
        std::size_t used = 0;
        id = std::stoll(text, &used);
        if (used != text.size()) id = 0;
    } catch (const std::exception&) {
        id = 0;
    }
    if (id <= 0) throw Error(Exit::usage, "outages remove: '" + text + "' is not an id");
    bool removed = false;
    change(env.state, env.dry(), [&](SQLite::Database& db) { removed = remove_outage(db, id); });
    if (!removed) {
        spdlog::warn("outages remove: no outage {}", id);
        return Exit::negative;
    }
    return Exit::ok;
}

Exit thresholds_set(Env& env) {
    const Options& opt = env.opt;
    if (!opt.device.empty() && !opt.region.empty())
        throw Error(Exit::usage, "thresholds set: give --device or --region, not both");
    const std::string scope =
        !opt.device.empty() ? "device" : (!opt.region.empty() ? "region" : "failure");
    const std::string name = !opt.device.empty() ? opt.device : opt.region;
    std::optional<timeutil::Duration> window;
    if (!opt.window.empty()) {
        window = timeutil::parse_duration(opt.window);
        if (!window) throw Error(Exit::usage, "--window: '" + opt.window + "' is not a duration");
    }
    change(env.state, env.dry(), [&](SQLite::Database& db) {
        if (opt.failure != "*")
            require_known("failure type", opt.failure, known_failures(db, env.settings));
        if (!opt.device.empty()) require_known("device", opt.device, known_devices(db));
        set_threshold(db, scope, name, opt.failure, opt.limit, window);
    });
    return Exit::ok;
}

Exit thresholds_list(Env& env) {
    print(env.tool, threshold_records(env.state.db(), env.settings),
          {"scope", "name", "failure", "limit", "window"});
    return Exit::ok;
}

Exit centers_add(Env& env) {
    change(env.state, env.dry(), [&](SQLite::Database& db) {
        set_center(db, env.opt.center, env.opt.email, env.opt.pager);
    });
    return Exit::ok;
}

Exit centers_list(Env& env) {
    print(env.tool, center_records(env.state.db()), {"name", "email", "pager"});
    return Exit::ok;
}

Exit buildings_set(Env& env) {
    change(env.state, env.dry(), [&](SQLite::Database& db) {
        if (!env.opt.served_by.empty())
            require_known("building", env.opt.served_by, known_buildings(db));
        set_building(db, env.opt.file, env.opt.center, env.opt.served_by);
    });
    return Exit::ok;
}

Exit buildings_list(Env& env) {
    print(env.tool, building_records(env.state.db()), {"name", "center", "served_by"});
    return Exit::ok;
}

Exit paging(Env& env) {
    change(env.state, env.dry(), [&](SQLite::Database& db) {
        if (!env.opt.failure.empty())
            require_known("failure type", env.opt.failure, known_failures(db, env.settings));
        set_paging(db, env.opt.device, env.opt.on_off == "on", env.opt.failure);
    });
    return Exit::ok;
}

Exit list(Env& env) {
    const Options& opt = env.opt;
    TicketFilter f{opt.status, parse_since(opt.since, env.now), opt.device};
    std::vector<std::string> records;
    for (const auto& t : list_tickets(env.state.db(), f))
        records.push_back(ticket_record(t));
    print(env.tool, records, ticket_columns);
    return Exit::ok;
}

Exit show(Env& env) {
    const std::string& id = env.opt.id;
    if (auto t = find_ticket(env.state.db(), id)) {
        print(env.tool, {ticket_record(*t)}, ticket_columns);
        return Exit::ok;
    }
    if (auto a = alert_records(env.state.db(), {"", id, "", std::nullopt}); !a.empty()) {
        print(env.tool, a, {"id", "time", "device", "failure", "action", "ticket"});
        return Exit::ok;
    }
    spdlog::warn("show: no ticket or alert '{}'", id);
    return Exit::negative;
}

Exit alerts(Env& env) {
    const Options& opt = env.opt;
    print(env.tool,
          alert_records(env.state.db(),
                        {opt.device, "", opt.action, parse_since(opt.since, env.now)}),
          {"id", "time", "device", "failure", "action", "ticket"});
    return Exit::ok;
}

Exit report(Env& env) {
    print(env.tool, report_records(env.state.db(), env.opt.by, parse_since(env.opt.since, env.now)),
          {"by", "key", "alerts", "suppressed", "tickets", "open"});
    return Exit::ok;
}

Exit failed(Env& env) {
    const Options& opt = env.opt;
    print(env.tool,
          failed_records(env.state.db(),
                         {opt.server, parse_since(opt.since, env.now), opt.status == "all"}),
          {"dist", "server", "device", "package", "failed_at", "status"});
    return Exit::ok;
}

Exit resolve(Tool& tool, const Options& opt, State& state, TimePoint now) {
    RecordOutput out(tool.format(), {"dist", "server", "device", "package", "status", "by"});
    std::vector<std::string> changed;
    jsonl::LineWarnings warn;
    const bool bad = each_record(
        opt.inputs,
        [&](const jsonl::Item& item, std::string& why) {
            if (jsonl::get_string(item.doc, "type") != "resolved")
                return true;  // redist mixes types
            const auto get = [&](std::string_view key) {
                return std::string(jsonl::get_string(item.doc, key).value_or(""));
            };
            const std::string dist = get("dist"), device = get("device");
            if (dist.empty() || device.empty()) {
                why = "a resolved record needs dist and device";
                return false;
            }
            change(state, tool.common().dry_run, [&](SQLite::Database& db) {
                changed = mark_failed(db, dist, get("server"), device, "resolved", get("by"),
                                      get("new_dist"), now);
                for (const auto& id : close_device_tickets(db, device, now))
                    spdlog::info("{}: closed (resolved by {})", id, get("by"));
            });
            for (const auto& r : changed)
                out.write(r);
            return true;
        },
        warn);
    warn.finish();
    out.finish();
    if (interrupted()) return Exit::interrupted;
    return bad ? Exit::partial : Exit::ok;
}

Exit close(Env& env) {
    std::vector<std::string> missing;
    change(env.state, env.dry(), [&](SQLite::Database& db) {
        missing.clear();
        for (const auto& id : env.opt.ids)
            if (!close_ticket(db, id, env.now)) missing.push_back(id);
    });
    for (const auto& id : missing)
        spdlog::warn("close: no open ticket '{}'", id);
    return missing.empty() ? Exit::ok : Exit::negative;
}

using Table = CommandTable<Env>;

/// The subcommands, made by add_options and run by run().
std::unique_ptr<Table>& table() {
    static std::unique_ptr<Table> t;
    return t;
}

}  // namespace

const ConfigKeys& tool_config_keys() {
    return config_keys();
}

void add_options(Tool& tool, Options& o) {
    CLI::App& app = tool.app();
    tool.add_dry_run();
    app.add_option("--now", o.now, "act as if it were TIME (RFC 3339): replay, tests")
        ->type_name("TIME");
    app.add_flag("--no-diagnostics", o.no_diagnostics, "do not run ping and traceroute");
    app.add_option("files", o.inputs, "alert records (JSONL) to process; - is stdin")
        ->type_name("FILE");
    app.require_subcommand(0, 1);
    std::vector<Table::Row> rows{
        {"process", "turn alert records into tickets (the default)",
         [&o](CLI::App& a) {
             a.add_option("files", o.inputs, "alert records (JSONL); - is stdin")
                 ->type_name("FILE");
         },
         [](Env& e) { return process(e.tool, e.opt, e.state, e.settings, e.now); }},
        {"send", "send due tickets, updates and pages; release held tickets at the end of shift",
         [&o](CLI::App& a) {
             a.add_flag("--flush", o.flush, "send held tickets now, whatever the shift");
         },
         [](Env& e) { return send(e.tool, e.opt, e.state, e.settings, e.now); }},
        {"devices", "the device inventory"},
        {"devices import", "add or update devices from a CSV file",
         [&o](CLI::App& a) {
             a.add_option("file", o.file, "CSV: name,address,domain,region,building,room,paging")
                 ->required();
         },
         devices_import},
        {"devices list", "list the inventory", {}, devices_list, Access::read},
        {"outages", "devices out of service: no tickets for them"},
        {"outages add", "put a device on the outage list",
         [&o](CLI::App& a) {
             a.add_option("device", o.device, "device name")->required();
             a.add_option("--from", o.from, "start: a date, or a duration from now (default: now)")
                 ->type_name("WHEN");
             a.add_option("--until", o.until, "end: a date, or a duration from now (4h)")
                 ->type_name("WHEN")
                 ->required();
             a.add_option("--reason", o.reason, "why, for people")->type_name("TEXT");
         },
         outages_add},
        {"outages import", "add outages from a CSV file (device,from,until,reason)",
         [&o](CLI::App& a) { a.add_option("file", o.file, "CSV file")->required(); },
         outages_import},
        {"outages list", "list outages",
         [&o](CLI::App& a) {
             a.add_option("--device", o.device, "only this device")->type_name("NAME");
         },
         outages_list, Access::read},
        {"outages remove", "remove an outage",
         [&o](CLI::App& a) {
             a.add_option("id", o.id, "outage id (see outages list)")->required();
         },
         outages_remove},
        {"thresholds", "alerts per window that make a ticket"},
        {"thresholds set", "set a threshold for a failure type",
         [&o](CLI::App& a) {
             a.add_option("failure", o.failure,
                          "failure type (connection, ...; * with --device/--region)")
                 ->required();
             a.add_option("limit", o.limit, "alerts in the window that make a ticket")
                 ->required()
                 ->check(CLI::Range(1, 1000000));
             a.add_option("--device", o.device, "only for this device")->type_name("NAME");
             a.add_option("--region", o.region, "only for this region")->type_name("NAME");
             a.add_option("--window", o.window, "counting window for this rule (e.g. 12h)")
                 ->type_name("DURATION");
         },
         thresholds_set},
        {"thresholds list",
         "list thresholds, most specific first",
         {},
         thresholds_list,
         Access::read},
        {"centers", "maintenance centers and their addresses"},
        {"centers add", "add or change a center",
         [&o](CLI::App& a) {
             a.add_option("name", o.center, "center name")->required();
             a.add_option("--email", o.email, "where its tickets go (comma-separated for several)")
                 ->type_name("ADDR")
                 ->required();
             a.add_option("--pager", o.pager, "where its pages go")->type_name("ADDR");
         },
         centers_add},
        {"centers list", "list centers", {}, centers_list, Access::read},
        {"buildings", "which center serves which building"},
        {"buildings set", "route a building's tickets",
         [&o](CLI::App& a) {
             a.add_option("building", o.file, "building, as in the inventory")->required();
             auto* center = a.add_option("--center", o.center, "its center (it has staff)")
                                ->type_name("CENTER");
             a.add_option("--served-by", o.served_by, "the building whose center serves it")
                 ->type_name("BUILDING")
                 ->excludes(center);
         },
         buildings_set},
        {"buildings list", "list buildings", {}, buildings_list, Access::read},
        {"paging", "page the center at once for a device's tickets",
         [&o](CLI::App& a) {
             a.add_option("switch", o.on_off, "on or off")
                 ->required()
                 ->check(CLI::IsMember({"on", "off"}));
             a.add_option("device", o.device, "device name")->required();
             a.add_option("--failure", o.failure, "only for this failure type")->type_name("TYPE");
         },
         paging},
        {"list", "list tickets",
         [&o](CLI::App& a) {
             a.add_option("--status", o.status,
                          "all, open, closed, new, held, queued, sent, failed, unrouted")
                 ->type_name("STATUS")
                 ->check(CLI::IsMember({"all", "open", "closed", "new", "held", "queued", "sent",
                                        "failed", "unrouted"}));
             a.add_option("--since", o.since, "created since (7d, or a date)")->type_name("WHEN");
             a.add_option("--device", o.device, "only this device")->type_name("NAME");
         },
         list, Access::read},
        {"show", "show one ticket (T-...) or alert (A-...)",
         [&o](CLI::App& a) { a.add_option("id", o.id, "ticket or alert id")->required(); }, show,
         Access::read},
        {"alerts", "list processed alerts and what was done",
         [&o](CLI::App& a) {
             a.add_option("--device", o.device, "only this device")->type_name("NAME");
             a.add_option("--action", o.action, "counted, suppressed, ticket, updated, reopened")
                 ->type_name("ACTION");
             a.add_option("--since", o.since, "alert time since (7d, or a date)")
                 ->type_name("WHEN");
         },
         alerts, Access::read},
        {"report", "alerts and tickets per region, failure, ...",
         [&o](CLI::App& a) {
             a.add_option("--by", o.by, "region, failure, device or center")
                 ->required()
                 ->check(CLI::IsMember({"region", "failure", "device", "center"}));
             a.add_option("--since", o.since, "since (7d, or a date)")->type_name("WHEN");
         },
         report, Access::read},
        {"failed", "failed distributions, for swd-redist",
         [&o](CLI::App& a) {
             a.add_option("--server", o.server, "only this intermediate server")->type_name("NAME");
             a.add_option("--since", o.since, "failed since (7d, or a date)")->type_name("WHEN");
             a.add_option("--status", o.status, "open (default) or all")
                 ->type_name("STATUS")
                 ->check(CLI::IsMember({"open", "all"}));
         },
         failed, Access::read},
        {"resolve", "apply resolved records from swd-redist",
         [&o](CLI::App& a) {
             a.add_option("files", o.inputs, "JSONL; other record types are ignored")
                 ->type_name("FILE");
         },
         [](Env& e) { return resolve(e.tool, e.opt, e.state, e.now); }},
        {"close", "close tickets (the problem is fixed)",
         [&o](CLI::App& a) { a.add_option("ids", o.ids, "ticket ids")->required(); }, close},
    };
    table() = std::make_unique<Table>(tool, std::move(rows), "process");
}

Exit run(Tool& tool, const Options& opt) {
    const Config& config = tool.config();
    Settings settings = settings_from(config);
    if (opt.no_diagnostics) settings.diagnostics = false;
    const TimePoint now = opt.now.empty() ? timeutil::now() : parse_time("--now", opt.now);
    Env env{tool, opt, std::move(settings), now,
            State(state_path(tool.common().state, config), schemas(), table()->access())};
    return table()->run(env);
}

}  // namespace swd::ticket
