#include "libcore/ticket/store.hpp"

#include <simdjson.h>

#include <limits>
#include <map>
#include <set>
#include <tuple>

#include "libcore/alert/devices.hpp"
#include "libcore/base/error.hpp"
#include "libcore/base/ids.hpp"
#include "libcore/base/jsonl.hpp"
#include "libcore/base/text.hpp"
#include "libcore/mail/outbox.hpp"

namespace swd::ticket {

namespace {

using timeutil::format_rfc3339;

timeutil::TimePoint time_of(const SQLite::Column& c) {
    return c.isNull() ? timeutil::TimePoint{}
                      : timeutil::parse_rfc3339(c.getString()).value_or(timeutil::TimePoint{});
}

std::optional<timeutil::TimePoint> optional_time(const SQLite::Column& c) {
    if (c.isNull()) return std::nullopt;
    return timeutil::parse_rfc3339(c.getString());
}

/// Times swd-ticket computes with are stored as Unix seconds.
timeutil::TimePoint seconds_of(const SQLite::Column& c) {
    return timeutil::TimePoint(timeutil::Duration(c.isNull() ? 0 : c.getInt64()));
}

std::int64_t secs(timeutil::TimePoint t) {
    return t.time_since_epoch().count();
}

std::string text(const SQLite::Column& c) {
    return c.isNull() ? "" : c.getString();
}

std::vector<std::string> split_list(const std::string& s) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= s.size()) {
        const auto end = s.find('\n', start);
        std::string item = s.substr(start, end == std::string::npos ? end : end - start);
        if (!item.empty()) out.push_back(std::move(item));
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return out;
}

std::vector<std::pair<std::string, std::string>> parse_diagnostics(const std::string& json) {
    std::vector<std::pair<std::string, std::string>> out;
    if (json.empty() || json == "{}") return out;  // most tickets: no parser to set up
    simdjson::dom::parser parser;
    simdjson::dom::object obj;
    if (parser.parse(json).get(obj) != simdjson::SUCCESS) return out;
    for (auto field : obj) {
        std::string_view value;
        if (field.value.get(value) == simdjson::SUCCESS)
            out.emplace_back(std::string(field.key), std::string(value));
    }
    return out;
}

/// The delivery status from the ticket's stage and its mail's outbox status.
constexpr const char* status_sql =
    "CASE WHEN t.stage IN ('new', 'diagnosing') THEN 'new' "
    "WHEN t.stage IN ('held', 'unrouted') THEN t.stage "
    "WHEN o.status IS NULL OR o.status IN ('pending', 'sending') THEN 'queued' "
    "ELSE o.status END";

std::string ticket_select() {
    return std::string("SELECT t.id, t.device, t.failure, ") + status_sql +
           ", t.count, t.threshold, t.window_s, t.first_at, t.last_at, t.created, t.trigger_at, "
           "t.closed, t.held_until, t.center, t.rcpts, t.location, t.location_corrected_from, "
           "t.location_unverified, t.region, t.building, t.address, t.package, t.server, t.dist, "
           "t.detail, t.diagnostics, t.message_id, t.mail, coalesce(o.attempts, 0), "
           "coalesce(o.last_error, ''), t.updates, t.reopened, t.paged, t.window_start "
           "FROM tickets t LEFT JOIN outbox o ON o.id = t.mail ";
}

Ticket ticket_row(SQLite::Statement& q) {
    Ticket t;
    t.id = q.getColumn(0).getString();
    t.device = q.getColumn(1).getString();
    t.failure = q.getColumn(2).getString();
    t.status = q.getColumn(3).getString();
    t.count = q.getColumn(4).getInt();
    t.threshold = q.getColumn(5).getInt();
    t.window = timeutil::Duration(q.getColumn(6).getInt64());
    t.first = seconds_of(q.getColumn(7));
    t.last = seconds_of(q.getColumn(8));
    t.created = time_of(q.getColumn(9));
    t.trigger = seconds_of(q.getColumn(10));
    if (!q.getColumn(11).isNull()) t.closed = seconds_of(q.getColumn(11));
    t.held_until = optional_time(q.getColumn(12));
    t.center = text(q.getColumn(13));
    t.to = split_list(text(q.getColumn(14)));
    t.location = text(q.getColumn(15));
    t.location_corrected_from = text(q.getColumn(16));
    t.location_unverified = q.getColumn(17).getInt() != 0;
    t.region = text(q.getColumn(18));
    t.building = text(q.getColumn(19));
    t.address = text(q.getColumn(20));
    t.package = text(q.getColumn(21));
    t.server = text(q.getColumn(22));
    t.dist = text(q.getColumn(23));
    t.detail = text(q.getColumn(24));
    t.diagnostics = parse_diagnostics(text(q.getColumn(25)));
    t.message_id = text(q.getColumn(26));
    t.mail = q.getColumn(27).isNull() ? 0 : q.getColumn(27).getInt64();
    t.attempts = q.getColumn(28).getInt();
    t.last_error = text(q.getColumn(29));
    t.updates = q.getColumn(30).getInt();
    t.reopened = q.getColumn(31).getInt();
    t.paged = q.getColumn(32).getInt() != 0;
    return t;
}

const std::string alerts_sql = std::string("SELECT id, at FROM ticket_alerts WHERE key = ") +
                               key_sql + " AND at > ? AND ticket = ? ORDER BY at, id";

void load_alerts(SQLite::Statement& q, Ticket& t, std::int64_t window_start) {
    q.reset();
    q.bind(1, t.device);
    q.bind(2, t.failure);
    q.bind(3, window_start);
    q.bind(4, t.id);
    while (q.executeStep()) {
        t.alerts.push_back(q.getColumn(0).getString());
        t.alert_times.push_back(seconds_of(q.getColumn(1)));
    }
}

std::vector<Ticket> query_tickets(SQLite::Database& db, SQLite::Statement& q) {
    std::vector<std::pair<Ticket, std::int64_t>> rows;
    while (q.executeStep())
        rows.emplace_back(ticket_row(q), q.getColumn(33).getInt64());
    std::vector<Ticket> out;
    SQLite::Statement alerts(db, alerts_sql);
    for (auto& [t, start] : rows) {
        load_alerts(alerts, t, start);
        out.push_back(std::move(t));
    }
    return out;
}

}  // namespace

const Schema& schema() {
    static const Schema ticket{
        "ticket",
        {
            // Every alert processed and what was done with it, keyed by alert id (a repeat is
            // a duplicate). The window index covers the per-alert count (device, failure,
            // time range, counted) and a ticket's list of alerts.
            "CREATE TABLE ticket_alerts(id TEXT PRIMARY KEY, device TEXT NOT NULL, "
            "failure TEXT NOT NULL, at INTEGER NOT NULL, counted INTEGER NOT NULL, "
            "outage INTEGER NOT NULL, action TEXT NOT NULL, ticket TEXT, message_id TEXT, "
            "date TEXT, sender TEXT, node TEXT, domain TEXT, subject TEXT, failure_text TEXT, "
            "dist TEXT, server TEXT, package TEXT, location TEXT, region TEXT, detail TEXT, "
            "source TEXT, processed TEXT NOT NULL) WITHOUT ROWID;"
            "CREATE INDEX ticket_alerts_window ON ticket_alerts(device, failure, at, counted, "
            "ticket);"
            "CREATE TABLE ticket_failed(dist TEXT NOT NULL, server TEXT NOT NULL, "
            "device TEXT NOT NULL, package TEXT NOT NULL, failed_at TEXT NOT NULL, "
            "alert TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'open', resolved_by TEXT, "
            "new_dist TEXT, resolved_at TEXT, PRIMARY KEY(dist, device, package)) WITHOUT ROWID;"
            "CREATE INDEX ticket_failed_server ON ticket_failed(server, failed_at);"
            "CREATE TABLE tickets(id TEXT PRIMARY KEY, device TEXT NOT NULL, "
            "failure TEXT NOT NULL, stage TEXT NOT NULL, count INTEGER NOT NULL, "
            "threshold INTEGER NOT NULL, window_s INTEGER NOT NULL, first_at INTEGER NOT NULL, "
            "last_at INTEGER NOT NULL, trigger_at INTEGER NOT NULL, "
            "window_start INTEGER NOT NULL, created TEXT NOT NULL, closed INTEGER, "
            "held_until TEXT, "
            "center TEXT NOT NULL DEFAULT '', rcpts TEXT NOT NULL DEFAULT '', "
            "location TEXT NOT NULL DEFAULT '', location_corrected_from TEXT, "
            "location_unverified INTEGER NOT NULL DEFAULT 0, region TEXT NOT NULL DEFAULT '', "
            "building TEXT NOT NULL DEFAULT '', address TEXT NOT NULL DEFAULT '', "
            "package TEXT NOT NULL DEFAULT '', server TEXT NOT NULL DEFAULT '', "
            "dist TEXT NOT NULL DEFAULT '', detail TEXT NOT NULL DEFAULT '', "
            "diagnostics TEXT NOT NULL DEFAULT '{}', message_id TEXT NOT NULL DEFAULT '', "
            "mail INTEGER, dirty INTEGER NOT NULL DEFAULT 0, updates INTEGER NOT NULL DEFAULT 0, "
            "reopened INTEGER NOT NULL DEFAULT 0, paged INTEGER NOT NULL DEFAULT 0, "
            "claimed TEXT) WITHOUT ROWID;"
            "CREATE INDEX tickets_device ON tickets(device, failure, created);"
            "CREATE INDEX tickets_stage ON tickets(stage);"
            "CREATE INDEX tickets_dirty ON tickets(dirty) WHERE dirty = 1;"
            "CREATE TABLE ticket_outages(id INTEGER PRIMARY KEY, device TEXT NOT NULL, "
            "starts TEXT NOT NULL, ends TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '', "
            "created TEXT NOT NULL);"
            "CREATE INDEX ticket_outages_device ON ticket_outages(device, starts);"
            "CREATE TABLE ticket_thresholds(scope TEXT NOT NULL "
            "CHECK(scope IN ('failure', 'region', 'device')), name TEXT NOT NULL, "
            "failure TEXT NOT NULL, lim INTEGER NOT NULL, window_s INTEGER, "
            "PRIMARY KEY(scope, name, failure)) WITHOUT ROWID;"
            "CREATE TABLE ticket_centers(name TEXT PRIMARY KEY, email TEXT NOT NULL, "
            "pager TEXT NOT NULL DEFAULT '');"
            "CREATE TABLE ticket_buildings(name TEXT PRIMARY KEY COLLATE NOCASE, "
            "center TEXT NOT NULL DEFAULT '', served_by TEXT NOT NULL DEFAULT '');"
            "CREATE TABLE ticket_paging(device TEXT NOT NULL, failure TEXT NOT NULL, "
            "PRIMARY KEY(device, failure)) WITHOUT ROWID;",
            // Version 2: no index of failed distributions by server. Every alert with a
            // distribution id wrote to it at one of as many places as there are servers, which
            // cost swd-ticket process more than a whole scan costs the rare queries by server
            // (swd-ticket failed --server, swd-redist).
            "DROP INDEX ticket_failed_server;",
            // Version 3: alerts in arrival order, their window index keyed by a number per
            // device and failure type (ticket_keys). The index of text keys, holding the ticket
            // too, was rewritten at a random place for every alert and each attachment; the
            // integer index is a third of its size and a ticket's alerts are found through it.
            "CREATE TABLE ticket_keys(key INTEGER PRIMARY KEY, device TEXT NOT NULL, "
            "failure TEXT NOT NULL, UNIQUE(device, failure));"
            "INSERT INTO ticket_keys(device, failure) SELECT DISTINCT device, failure "
            "FROM ticket_alerts ORDER BY device, failure;"
            "CREATE TABLE ticket_alerts_v3(seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, "
            "key INTEGER NOT NULL, device TEXT NOT NULL, failure TEXT NOT NULL, "
            "at INTEGER NOT NULL, counted INTEGER NOT NULL, outage INTEGER NOT NULL, "
            "action TEXT NOT NULL, ticket TEXT, message_id TEXT, date TEXT, sender TEXT, "
            "node TEXT, domain TEXT, subject TEXT, failure_text TEXT, dist TEXT, server TEXT, "
            "package TEXT, location TEXT, region TEXT, detail TEXT, source TEXT, "
            "processed TEXT NOT NULL);"
            "INSERT INTO ticket_alerts_v3(id, key, device, failure, at, counted, outage, action, "
            "ticket, message_id, date, sender, node, domain, subject, failure_text, dist, server, "
            "package, location, region, detail, source, processed) SELECT a.id, k.key, "
            "a.device, a.failure, a.at, a.counted, a.outage, a.action, a.ticket, a.message_id, "
            "a.date, a.sender, a.node, a.domain, a.subject, a.failure_text, a.dist, a.server, "
            "a.package, a.location, a.region, a.detail, a.source, a.processed "
            "FROM ticket_alerts a JOIN ticket_keys k USING (device, failure) "
            "ORDER BY a.processed, a.at, a.id;"
            "DROP TABLE ticket_alerts;"
            "ALTER TABLE ticket_alerts_v3 RENAME TO ticket_alerts;"
            "CREATE INDEX ticket_alerts_window ON ticket_alerts(key, at, counted);",
            // Version 4: a failed distribution is no longer written for every alert; it is the
            // latest alert of each distribution, device and package (ticket_failed becomes a
            // view), and only what was done about it is stored (ticket_failed_status). The
            // index by distribution keeps look-ups by distribution fast.
            "CREATE TABLE ticket_failed_status(dist TEXT NOT NULL, device TEXT NOT NULL, "
            "package TEXT NOT NULL, status TEXT NOT NULL, resolved_by TEXT, new_dist TEXT, "
            "resolved_at TEXT, PRIMARY KEY(dist, device, package)) WITHOUT ROWID;"
            "INSERT INTO ticket_failed_status SELECT dist, device, package, status, resolved_by, "
            "new_dist, resolved_at FROM ticket_failed WHERE status <> 'open';"
            "DROP TABLE ticket_failed;"
            "CREATE INDEX ticket_alerts_dist ON ticket_alerts(dist) WHERE dist IS NOT NULL;"
            "CREATE VIEW ticket_failed(dist, server, device, package, failed_at, alert, status, "
            "resolved_by, new_dist, resolved_at) AS SELECT f.dist, coalesce(a.server, ''), "
            "f.device, f.package, strftime('%Y-%m-%dT%H:%M:%SZ', a.at, 'unixepoch'), a.id, "
            "coalesce(s.status, 'open'), s.resolved_by, s.new_dist, s.resolved_at FROM "
            "(SELECT dist, device, coalesce(package, '') AS package, "
            "max(format('%020d', at) || id) AS latest FROM ticket_alerts "
            "WHERE dist IS NOT NULL GROUP BY dist, device, coalesce(package, '')) f "
            "JOIN ticket_alerts a ON a.id = substr(f.latest, 21) "
            "LEFT JOIN ticket_failed_status s ON s.dist = f.dist AND s.device = f.device AND "
            "s.package = f.package;",
            // Version 5: who holds a ticket's claim (libcore/base/claim.hpp), so that the tickets
            // of a process that died are finished by the next run at once, not after the
            // stale-claim time.
            "ALTER TABLE tickets ADD COLUMN claimer TEXT;",
        },
    };
    return ticket;
}

std::vector<const Schema*> schemas() {
    return {&ids::schema(), &devices::schema(), &outbox::schema(), &schema()};
}

std::optional<Ticket> find_ticket(SQLite::Database& db, const std::string& id) {
    return TicketReader(db).find(id);
}

TicketReader::TicketReader(SQLite::Database& db)
    : one_(db, ticket_select() + "WHERE t.id = ?"), alerts_(db, alerts_sql) {}

std::optional<Ticket> TicketReader::find(const std::string& id) {
    one_.reset();
    one_.bind(1, id);
    if (!one_.executeStep()) return std::nullopt;
    Ticket t = ticket_row(one_);
    const std::int64_t window_start = one_.getColumn(33).getInt64();
    one_.reset();
    load_alerts(alerts_, t, window_start);
    return t;
}

std::vector<Ticket> list_tickets(SQLite::Database& db, const TicketFilter& filter) {
    std::string query = ticket_select() +
                        "WHERE (?1 = '' OR t.created >= ?1) AND (?2 = '' OR t.device = ?2) AND "
                        "(?3 IN ('', 'all') OR (?3 = 'open' AND t.closed IS NULL) OR "
                        "(?3 = 'closed' AND t.closed IS NOT NULL) OR " +
                        std::string(status_sql) + " = ?3) ORDER BY t.created, t.id";
    SQLite::Statement q(db, query);
    q.bind(1, filter.since ? format_rfc3339(*filter.since) : "");
    q.bind(2, filter.device);
    q.bind(3, filter.status);
    return query_tickets(db, q);
}

std::string diagnostics_json(const std::vector<std::pair<std::string, std::string>>& d) {
    jsonl::Writer w;
    w.begin_object();
    for (const auto& [name, output] : d)
        w.field(name, output);
    w.end_object();
    return w.take();
}

std::string ticket_record(const Ticket& t) {
    jsonl::Record r("ticket");
    r.field("id", t.id);
    r.field("status", t.status);
    r.field("open", t.open());
    r.field("device", t.device);
    r.field("failure", t.failure);
    r.field("count", t.count);
    r.field("threshold", t.threshold);
    r.field("window", timeutil::format_duration(t.window));
    r.field("first", format_rfc3339(t.first));
    r.field("last", format_rfc3339(t.last));
    r.field("created", format_rfc3339(t.created));
    if (t.closed) r.field("closed", format_rfc3339(*t.closed));
    if (t.held_until) r.field("held_until", format_rfc3339(*t.held_until));
    if (!t.center.empty()) r.field("center", t.center);
    r.field("to", t.to);
    if (!t.location.empty()) r.field("location", t.location);
    if (!t.location_corrected_from.empty())
        r.field("location_corrected_from", t.location_corrected_from);
    if (t.location_unverified) r.field("location_unverified", true);
    if (!t.region.empty()) r.field("region", t.region);
    if (!t.building.empty()) r.field("building", t.building);
    if (!t.address.empty()) r.field("address", t.address);
    if (!t.diagnostics.empty()) r.key("diagnostics").raw(diagnostics_json(t.diagnostics));
    if (!t.package.empty()) r.field("package", t.package);
    if (!t.server.empty()) r.field("server", t.server);
    if (!t.dist.empty()) r.field("dist", t.dist);
    if (!t.detail.empty()) r.field("detail", t.detail);
    r.field("alerts", t.alerts);
    r.field("attempts", t.attempts);
    if (!t.last_error.empty()) r.field("last_error", t.last_error);
    if (!t.message_id.empty()) r.field("message_id", t.message_id);
    r.field("updates", t.updates);
    if (t.reopened > 0) r.field("reopened", t.reopened);
    if (t.paged) r.field("paged", true);
    return r.finish();
}

bool close_ticket(SQLite::Database& db, const std::string& id, timeutil::TimePoint now) {
    SQLite::Statement q(db, "UPDATE tickets SET closed = ? WHERE id = ? AND closed IS NULL");
    q.bind(1, secs(now));
    q.bind(2, id);
    return q.exec() > 0;
}

std::vector<std::string> close_device_tickets(SQLite::Database& db, const std::string& device,
                                              timeutil::TimePoint now) {
    SQLite::Statement q(db,
                        "UPDATE tickets SET closed = ? WHERE device = ? AND closed IS NULL "
                        "RETURNING id");
    q.bind(1, secs(now));
    q.bind(2, ascii_lower(device));
    std::vector<std::string> out;
    while (q.executeStep())
        out.push_back(q.getColumn(0).getString());
    return out;
}

std::vector<std::string> alert_records(SQLite::Database& db, const AlertFilter& filter) {
    SQLite::Statement q(db,
                        "SELECT id, message_id, date, sender, node, domain, subject, failure, "
                        "failure_text, device, server, dist, package, location, region, detail, "
                        "source, at, action, ticket, counted, outage, processed FROM ticket_alerts "
                        "WHERE (?1 = '' OR key IN (SELECT key FROM ticket_keys WHERE "
                        "device = ?1)) AND (?2 = '' OR action LIKE ?2 || '%') "
                        "AND at >= ?3 AND (?4 = '' OR id = ?4) ORDER BY at, id");
    q.bind(1, ascii_lower(filter.device));
    q.bind(2, filter.action);
    q.bind(3, filter.since ? secs(*filter.since) : std::numeric_limits<std::int64_t>::min());
    q.bind(4, filter.id);
    std::vector<std::string> out;
    static constexpr const char* names[] = {
        "id",      "message_id", "date",         "from",   "node",   "domain",
        "subject", "failure",    "failure_text", "device", "server", "dist",
        "package", "location",   "region",       "detail", "source", "time"};
    while (q.executeStep()) {
        jsonl::Record r("alert");
        for (int i = 0; i < 17; ++i) {
            const auto c = q.getColumn(i);
            if (!c.isNull() && !c.getString().empty()) r.field(names[i], c.getString());
        }
        r.field(names[17], format_rfc3339(seconds_of(q.getColumn(17))));
        r.field("action", q.getColumn(18).getString());
        if (!q.getColumn(19).isNull()) r.field("ticket", q.getColumn(19).getString());
        r.field("counted", q.getColumn(20).getInt() != 0);
        if (q.getColumn(21).getInt() != 0) r.field("outage", true);
        r.field("processed", q.getColumn(22).getString());
        out.push_back(r.finish());
    }
    return out;
}

std::vector<std::string> report_records(SQLite::Database& db, const std::string& by,
                                        std::optional<timeutil::TimePoint> since) {
    struct Row {
        std::int64_t alerts = 0, suppressed = 0, tickets = 0, open = 0;
    };
    if (by != "region" && by != "failure" && by != "device" && by != "center")
        throw Error(Exit::usage, "report --by: expected region, failure, device or center");
    std::map<std::string, Row> rows;
    if (by != "center") {
        SQLite::Statement q(db, "SELECT coalesce(" + by +
                                    ", ''), count(*), sum(action LIKE 'suppressed%') "
                                    "FROM ticket_alerts WHERE at >= ?1 GROUP BY 1");
        q.bind(1, since ? secs(*since) : std::numeric_limits<std::int64_t>::min());
        while (q.executeStep()) {
            Row& r = rows[q.getColumn(0).getString()];
            r.alerts = q.getColumn(1).getInt64();
            r.suppressed = q.getColumn(2).getInt64();
        }
    }
    // Tickets on the alerts' time basis: a ticket counts from the time of the alert that made
    // it, so that --since takes the same alerts and tickets (a replay made today of last week's
    // alerts counts last week).
    SQLite::Statement q(db, "SELECT " + by +
                                ", count(*), sum(closed IS NULL) FROM tickets "
                                "WHERE trigger_at >= ?1 GROUP BY 1");
    q.bind(1, since ? secs(*since) : std::numeric_limits<std::int64_t>::min());
    while (q.executeStep()) {
        Row& r = rows[q.getColumn(0).getString()];
        r.tickets = q.getColumn(1).getInt64();
        r.open = q.getColumn(2).getInt64();
    }
    std::vector<std::string> out;
    for (const auto& [key, r] : rows) {
        jsonl::Record rec("report");
        rec.field("by", by);
        rec.field("key", key);
        if (by != "center") {
            rec.field("alerts", r.alerts);
            rec.field("suppressed", r.suppressed);
        }
        rec.field("tickets", r.tickets);
        rec.field("open", r.open);
        out.push_back(rec.finish());
    }
    return out;
}

}  // namespace swd::ticket
