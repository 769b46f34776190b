#include "libcore/queue/db.hpp"

#include <SQLiteCpp/VariadicBind.h>
#include <simdjson.h>

#include "libcore/base/error.hpp"
#include "libcore/base/ids.hpp"
#include "libcore/base/jsonl.hpp"

namespace swd::queue {

const Schema& schema() {
    static const Schema s{"queue",
                          {
                              R"sql(
CREATE TABLE queue_targets(
  name TEXT PRIMARY KEY,
  transport TEXT NOT NULL,
  probe_cmd TEXT NOT NULL DEFAULT '',
  install_cmd TEXT NOT NULL DEFAULT '',
  address TEXT NOT NULL DEFAULT '',
  mac TEXT NOT NULL DEFAULT '',
  location TEXT NOT NULL DEFAULT '',
  region TEXT NOT NULL DEFAULT '',
  added TEXT NOT NULL);
CREATE TABLE queue_requests(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  dist TEXT NOT NULL,
  mode TEXT NOT NULL,
  first_mode TEXT NOT NULL,
  queue TEXT NOT NULL CHECK(queue IN ('incoming','active','hold','pull','abort','done')),
  target TEXT NOT NULL,
  params TEXT NOT NULL,
  packages TEXT NOT NULL,
  pos INTEGER NOT NULL DEFAULT 0,
  push_retries INTEGER NOT NULL,
  pull_retries INTEGER NOT NULL,
  push_left INTEGER NOT NULL,
  pull_left INTEGER NOT NULL,
  retry_interval INTEGER NOT NULL,
  not_before TEXT NOT NULL,
  held INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_package TEXT NOT NULL DEFAULT '',
  last_failure TEXT NOT NULL DEFAULT '',
  last_error TEXT NOT NULL DEFAULT '',
  origin TEXT NOT NULL DEFAULT '',
  redist_of TEXT NOT NULL DEFAULT '',
  cmd TEXT NOT NULL DEFAULT '',
  created TEXT NOT NULL,
  updated TEXT NOT NULL);
CREATE INDEX queue_requests_queue ON queue_requests(queue, seq);
CREATE INDEX queue_requests_target ON queue_requests(target, queue);
CREATE INDEX queue_requests_dist ON queue_requests(dist);
CREATE TABLE queue_events(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  class TEXT NOT NULL,
  severity TEXT NOT NULL,
  open INTEGER NOT NULL,
  request TEXT NOT NULL DEFAULT '',
  dist TEXT NOT NULL DEFAULT '',
  target TEXT NOT NULL DEFAULT '',
  package TEXT NOT NULL DEFAULT '',
  message TEXT NOT NULL,
  time TEXT NOT NULL,
  closed_by TEXT NOT NULL DEFAULT '',
  acked TEXT NOT NULL DEFAULT '');
CREATE INDEX queue_events_request ON queue_events(request, open);
CREATE INDEX queue_events_open ON queue_events(open, seq);
CREATE TABLE queue_spool_seen(
  name TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  at TEXT NOT NULL,
  PRIMARY KEY(name, sha256));
)sql",
                          }};
    return s;
}

namespace {

std::string json_array(const std::vector<std::string>& v) {
    jsonl::Writer w;
    w.begin_array();
    for (const auto& s : v)
        w.value(s);
    w.end_array();
    return w.take();
}

std::vector<std::string> parse_array(const std::string& text) {
    thread_local simdjson::dom::parser parser;
    simdjson::dom::array arr;
    if (parser.parse(text).get(arr))
        throw Error(Exit::state, "queue_requests: malformed array '" + text + "'");
    std::vector<std::string> out;
    for (auto e : arr) {
        std::string_view s;
        if (e.get(s)) throw Error(Exit::state, "queue_requests: malformed array '" + text + "'");
        out.emplace_back(s);
    }
    return out;
}

constexpr const char* request_columns =
    "seq, id, dist, mode, first_mode, queue, target, params, packages, pos, push_retries, "
    "pull_retries, push_left, pull_left, retry_interval, not_before, held, attempts, last_package, "
    "last_failure, last_error, origin, redist_of, cmd, created, updated";

Request read_request(SQLite::Statement& q) {
    Request r;
    int i = 0;
    r.seq = q.getColumn(i++).getInt64();
    r.id = q.getColumn(i++).getString();
    r.dist = q.getColumn(i++).getString();
    r.mode = q.getColumn(i++).getString();
    r.first_mode = q.getColumn(i++).getString();
    r.queue = q.getColumn(i++).getString();
    r.target = q.getColumn(i++).getString();
    r.params = parse_array(q.getColumn(i++).getString());
    r.packages = parse_array(q.getColumn(i++).getString());
    r.pos = q.getColumn(i++).getInt();
    r.push_retries = q.getColumn(i++).getInt();
    r.pull_retries = q.getColumn(i++).getInt();
    r.push_left = q.getColumn(i++).getInt();
    r.pull_left = q.getColumn(i++).getInt();
    r.retry_interval = q.getColumn(i++).getInt64();
    r.not_before = q.getColumn(i++).getString();
    r.held = q.getColumn(i++).getInt() != 0;
    r.attempts = q.getColumn(i++).getInt();
    r.last_package = q.getColumn(i++).getString();
    r.last_failure = q.getColumn(i++).getString();
    r.last_error = q.getColumn(i++).getString();
    r.origin = q.getColumn(i++).getString();
    r.redist_of = q.getColumn(i++).getString();
    r.cmd = q.getColumn(i++).getString();
    r.created = q.getColumn(i++).getString();
    r.updated = q.getColumn(i++).getString();
    return r;
}

Event read_event(SQLite::Statement& q) {
    Event e;
    int i = 0;
    e.id = q.getColumn(i++).getString();
    e.cls = q.getColumn(i++).getString();
    e.severity = q.getColumn(i++).getString();
    e.open = q.getColumn(i++).getInt() != 0;
    e.request = q.getColumn(i++).getString();
    e.dist = q.getColumn(i++).getString();
    e.target = q.getColumn(i++).getString();
    e.package = q.getColumn(i++).getString();
    e.message = q.getColumn(i++).getString();
    e.time = q.getColumn(i++).getString();
    e.closed_by = q.getColumn(i++).getString();
    e.acked = q.getColumn(i++).getString();
    return e;
}

void optional_field(jsonl::Writer& w, std::string_view key, const std::string& v) {
    if (!v.empty()) w.field(key, v);
}

}  // namespace

void upsert_target(SQLite::Database& db, const Target& t) {
    SQLite::Statement q(
        db,
        "INSERT INTO queue_targets(name, transport, probe_cmd, install_cmd, address, "
        "mac, location, region, added) VALUES(?,?,?,?,?,?,?,?,?) "
        "ON CONFLICT(name) DO UPDATE SET transport=excluded.transport, "
        "probe_cmd=excluded.probe_cmd, install_cmd=excluded.install_cmd, "
        "address=excluded.address, mac=excluded.mac, location=excluded.location, "
        "region=excluded.region");
    int i = 1;
    for (const auto* v : {&t.name, &t.transport, &t.probe_cmd, &t.install_cmd, &t.address, &t.mac,
                          &t.location, &t.region, &t.added})
        q.bind(i++, *v);
    q.exec();
}

namespace {
Target read_target(SQLite::Statement& q) {
    Target t;
    int i = 0;
    for (auto* v : {&t.name, &t.transport, &t.probe_cmd, &t.install_cmd, &t.address, &t.mac,
                    &t.location, &t.region, &t.added})
        *v = q.getColumn(i++).getString();
    return t;
}
constexpr const char* target_columns =
    "name, transport, probe_cmd, install_cmd, address, mac, location, region, added";
}  // namespace

std::optional<Target> find_target(SQLite::Database& db, const std::string& name) {
    SQLite::Statement q(
        db, std::string("SELECT ") + target_columns + " FROM queue_targets WHERE name=?");
    q.bind(1, name);
    if (!q.executeStep()) return std::nullopt;
    return read_target(q);
}

std::vector<Target> list_targets(SQLite::Database& db) {
    SQLite::Statement q(
        db, std::string("SELECT ") + target_columns + " FROM queue_targets ORDER BY name");
    std::vector<Target> out;
    while (q.executeStep())
        out.push_back(read_target(q));
    return out;
}

bool remove_target(SQLite::Database& db, const std::string& name) {
    SQLite::Statement q(db, "DELETE FROM queue_targets WHERE name=?");
    q.bind(1, name);
    return q.exec() > 0;
}

std::string Request::to_record() const {
    jsonl::Record r("request");
    r.field("id", id).field("dist", dist).field("mode", mode).field("queue", queue);
    r.field("packages", packages);
    r.key("targets").begin_array().begin_object().field("name", target).field("params", params);
    r.end_object().end_array();
    r.field("push_left", push_left).field("pull_left", pull_left).field("not_before", not_before);
    if (last_package.empty())
        r.key("last_package").null();
    else
        r.field("last_package", last_package);
    if (redist_of.empty())
        r.key("redist_of").null();
    else
        r.field("redist_of", redist_of);
    if (pos < static_cast<int>(packages.size()))
        r.field("next_package", packages[static_cast<std::size_t>(pos)]);
    r.field("done_packages", pos);
    r.field("held", held).field("attempts", attempts);
    optional_field(r, "last_failure", last_failure);
    optional_field(r, "last_error", last_error);
    optional_field(r, "origin", origin);
    r.field("push_retries", push_retries).field("pull_retries", pull_retries);
    r.field("retry_interval", timeutil::format_duration(timeutil::Duration(retry_interval)));
    r.field("created", created).field("updated", updated);
    optional_field(r, "cmd", cmd);
    return r.finish();
}

void insert_request(SQLite::Database& db, Request& r) {
    SQLite::Statement q(
        db,
        "INSERT INTO queue_requests(id, dist, mode, first_mode, queue, target, params, "
        "packages, pos, push_retries, pull_retries, push_left, pull_left, "
        "retry_interval, not_before, held, attempts, last_package, last_failure, "
        "last_error, origin, redist_of, cmd, created, updated) "
        "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    SQLite::bind(q, r.id, r.dist, r.mode, r.first_mode, r.queue, r.target, json_array(r.params),
                 json_array(r.packages), r.pos, r.push_retries, r.pull_retries, r.push_left,
                 r.pull_left, static_cast<std::int64_t>(r.retry_interval), r.not_before,
                 r.held ? 1 : 0, r.attempts, r.last_package, r.last_failure, r.last_error, r.origin,
                 r.redist_of, r.cmd, r.created, r.updated);
    q.exec();
    r.seq = db.getLastInsertRowid();
}

std::optional<Request> find_request(SQLite::Database& db, const std::string& id) {
    SQLite::Statement q(
        db, std::string("SELECT ") + request_columns + " FROM queue_requests WHERE id=?");
    q.bind(1, id);
    if (!q.executeStep()) return std::nullopt;
    return read_request(q);
}

std::vector<Request> list_requests(SQLite::Database& db, const std::string& queue,
                                   const std::string& dist, const std::string& target) {
    SQLite::Statement q(db,
                        std::string("SELECT ") + request_columns +
                            " FROM queue_requests WHERE (?1='' OR queue=?1) AND (?2='' OR dist=?2)"
                            " AND (?3='' OR target=?3) ORDER BY seq");
    q.bind(1, queue);
    q.bind(2, dist);
    q.bind(3, target);
    std::vector<Request> out;
    while (q.executeStep())
        out.push_back(read_request(q));
    return out;
}

void update_request(SQLite::Database& db, const Request& r) {
    SQLite::Statement q(
        db,
        "UPDATE queue_requests SET mode=?, queue=?, pos=?, push_left=?, pull_left=?, "
        "not_before=?, held=?, attempts=?, last_package=?, last_failure=?, "
        "last_error=?, updated=? WHERE id=?");
    SQLite::bind(q, r.mode, r.queue, r.pos, r.push_left, r.pull_left, r.not_before, r.held ? 1 : 0,
                 r.attempts, r.last_package, r.last_failure, r.last_error, r.updated, r.id);
    q.exec();
}

bool delete_request(SQLite::Database& db, const std::string& id) {
    SQLite::Statement q(db, "DELETE FROM queue_requests WHERE id=?");
    q.bind(1, id);
    return q.exec() > 0;
}

int unfinished_requests(SQLite::Database& db, const std::string& target) {
    SQLite::Statement q(db,
                        "SELECT count(*) FROM queue_requests WHERE target=? AND queue IN "
                        "('incoming','active','hold','pull')");
    q.bind(1, target);
    q.executeStep();
    return q.getColumn(0).getInt();
}

int requests_using_package(SQLite::Database& db, const std::string& id) {
    SQLite::Statement q(
        db,
        "SELECT count(*) FROM queue_requests, json_each(queue_requests.packages) "
        "WHERE json_each.value = ? AND queue IN ('incoming','active','hold','pull')");
    q.bind(1, id);
    q.executeStep();
    return q.getColumn(0).getInt();
}

bool any_due(SQLite::Database& db, const std::string& ts) {
    SQLite::Statement q(db,
                        "SELECT 1 FROM queue_requests WHERE queue='incoming' AND "
                        "not_before<=? LIMIT 1");
    q.bind(1, ts);
    return q.executeStep();
}

std::vector<std::string> due_request_ids(SQLite::Database& db, const std::string& ts) {
    SQLite::Statement q(
        db, "SELECT id FROM queue_requests WHERE queue='incoming' AND not_before<=? ORDER BY seq");
    q.bind(1, ts);
    std::vector<std::string> ids;
    while (q.executeStep())
        ids.push_back(q.getColumn(0).getString());
    return ids;
}

int release_due_holds(SQLite::Database& db, const std::string& ts) {
    SQLite::Statement q(db,
                        "UPDATE queue_requests SET queue='incoming', updated=?1 WHERE queue='hold' "
                        "AND held=0 AND not_before<=?1");
    q.bind(1, ts);
    return q.exec();
}

std::string Event::to_record() const {
    jsonl::Record r("event");
    r.field("id", id).field("class", cls).field("severity", severity).field("open", open);
    optional_field(r, "request", request);
    optional_field(r, "dist", dist);
    optional_field(r, "target", target);
    optional_field(r, "package", package);
    r.field("message", message).field("time", time);
    optional_field(r, "closed_by", closed_by);
    optional_field(r, "acked", acked);
    return r.finish();
}

Event request_event(const Request& r, std::string cls, const char* severity, bool open,
                    std::string package, std::string message, const std::string& ts) {
    Event e;
    e.cls = std::move(cls);
    e.severity = severity;
    e.open = open;
    e.request = r.id;
    e.dist = r.dist;
    e.target = r.target;
    e.package = std::move(package);
    e.message = std::move(message);
    e.time = ts;
    return e;
}

Event add_event(SQLite::Database& db, Event e, const std::vector<std::string>& closes) {
    const auto when = timeutil::parse_rfc3339(e.time).value_or(timeutil::now());
    e.id = ids::next(db, 'E', when);
    SQLite::Statement q(
        db,
        "INSERT INTO queue_events(id, class, severity, open, request, dist, target, "
        "package, message, time) VALUES(?,?,?,?,?,?,?,?,?,?)");
    SQLite::bind(q, e.id, e.cls, e.severity, e.open ? 1 : 0, e.request, e.dist, e.target, e.package,
                 e.message, e.time);
    q.exec();
    for (const auto& cls : closes) {
        SQLite::Statement c(
            db,
            "UPDATE queue_events SET open=0, closed_by=? WHERE request=? AND open=1 "
            "AND class=? AND (class<>'SWD_Start' OR package=?)");
        c.bind(1, e.id);
        c.bind(2, e.request);
        c.bind(3, cls);
        c.bind(4, e.package);
        c.exec();
    }
    return e;
}

std::vector<Event> list_events(SQLite::Database& db, const EventFilter& f) {
    SQLite::Statement q(
        db,
        "SELECT id, class, severity, open, request, dist, target, package, message, "
        "time, closed_by, acked FROM queue_events WHERE (?1=0 OR open=1) AND "
        "(?2='' OR time>=?2) AND (?3='' OR request=?3) ORDER BY seq");
    q.bind(1, f.open_only ? 1 : 0);
    q.bind(2, f.since);
    q.bind(3, f.request);
    std::vector<Event> out;
    while (q.executeStep())
        out.push_back(read_event(q));
    return out;
}

std::optional<Event> find_event(SQLite::Database& db, const std::string& id) {
    SQLite::Statement q(
        db,
        "SELECT id, class, severity, open, request, dist, target, package, message, "
        "time, closed_by, acked FROM queue_events WHERE id=?");
    q.bind(1, id);
    if (!q.executeStep()) return std::nullopt;
    return read_event(q);
}

bool ack_event(SQLite::Database& db, const std::string& id, const std::string& when) {
    SQLite::Statement q(db, "UPDATE queue_events SET open=0, acked=? WHERE id=? AND open=1");
    q.bind(1, when);
    q.bind(2, id);
    return q.exec() > 0;
}

bool spool_seen(SQLite::Database& db, const std::string& name, const std::string& sha256) {
    SQLite::Statement q(db, "SELECT 1 FROM queue_spool_seen WHERE name=? AND sha256=?");
    q.bind(1, name);
    q.bind(2, sha256);
    return q.executeStep();
}

void mark_spool_seen(SQLite::Database& db, const std::string& name, const std::string& sha256,
                     const std::string& when) {
    SQLite::Statement q(db,
                        "INSERT OR IGNORE INTO queue_spool_seen(name, sha256, at) VALUES(?,?,?)");
    q.bind(1, name);
    q.bind(2, sha256);
    q.bind(3, when);
    q.exec();
}

}  // namespace swd::queue
