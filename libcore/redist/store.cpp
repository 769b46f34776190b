#include "libcore/redist/store.hpp"

#include "libcore/base/jsonl.hpp"
#include "libcore/base/text.hpp"
#include "libcore/ticket/failed.hpp"

namespace swd::redist {

namespace {

std::string json_array(const std::vector<std::string>& values) {
    jsonl::Writer w;
    w.begin_array();
    for (const auto& v : values)
        w.value(v);
    w.end_array();
    return w.take();
}

}  // namespace

const Schema& schema() {
    static const Schema redist{
        "redist",
        {
            // argv, packages and recipients are JSON arrays of strings.
            "CREATE TABLE redist_jobs(id TEXT PRIMARY KEY, server TEXT NOT NULL, "
            "dist TEXT NOT NULL, redist_of TEXT NOT NULL, new_dist TEXT, "
            "packages TEXT NOT NULL DEFAULT '[]', original_cmd TEXT, "
            "argv TEXT NOT NULL DEFAULT '[]', recipients TEXT NOT NULL DEFAULT '[]', "
            "status TEXT NOT NULL, reason TEXT, created TEXT NOT NULL, "
            "updated TEXT NOT NULL) WITHOUT ROWID;"
            "CREATE INDEX redist_jobs_dist ON redist_jobs(dist, status);"
            "CREATE INDEX redist_jobs_of ON redist_jobs(redist_of, status);"
            "CREATE TABLE redist_runs(server TEXT PRIMARY KEY, last_run TEXT NOT NULL) "
            "WITHOUT ROWID;",
        }};
    return redist;
}

bool holds_failures(SQLite::Database& db) {
    SQLite::Statement q(db,
                        "SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND "
                        "name = 'ticket_failed'");
    return q.executeStep();
}

std::vector<Failure> open_failures(SQLite::Database& db, const std::string& server,
                                   std::optional<timeutil::TimePoint> since,
                                   std::optional<timeutil::TimePoint> until) {
    SQLite::Statement q(db,
                        "SELECT dist, server, device, package, failed_at, alert FROM "
                        "ticket_failed WHERE status = 'open' AND server = ?1 AND "
                        "(?2 = '' OR failed_at >= ?2) AND (?3 = '' OR failed_at <= ?3) "
                        "ORDER BY failed_at, dist, device, package");
    q.bind(1, server);
    q.bind(2, since ? timeutil::format_rfc3339(*since) : "");
    q.bind(3, until ? timeutil::format_rfc3339(*until) : "");
    std::vector<Failure> out;
    while (q.executeStep()) {
        Failure f;
        f.dist = q.getColumn(0).getString();
        f.server = q.getColumn(1).getString();
        f.device = q.getColumn(2).getString();
        f.package = q.getColumn(3).getString();
        f.failed_at = timeutil::parse_rfc3339(q.getColumn(4).getString());
        f.alert = q.getColumn(5).getString();
        f.source = "state";
        out.push_back(std::move(f));
    }
    return out;
}

int mark_failures(SQLite::Database& db, const std::string& dist, const std::string& server,
                  const std::string& device, const std::string& status, const std::string& by,
                  const std::string& new_dist, timeutil::TimePoint now) {
    return static_cast<int>(
        ticket::mark_failed(db, dist, server, device, status, by, new_dist, now).size());
}

void save_entry(SQLite::Database& db, const Entry& e) {
    SQLite::Statement q(db,
                        "INSERT OR REPLACE INTO redist_jobs(id, server, dist, redist_of, new_dist, "
                        "packages, original_cmd, argv, recipients, status, reason, created, "
                        "updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    int i = 0;
    q.bind(++i, e.id);
    q.bind(++i, e.server);
    q.bind(++i, e.dist);
    q.bind(++i, e.redist_of);
    bind_or_null(q, ++i, e.new_dist);
    q.bind(++i, json_array(e.packages));
    bind_or_null(q, ++i, e.original_cmd);
    q.bind(++i, json_array(e.argv));
    q.bind(++i, json_array(e.recipients));
    q.bind(++i, e.status);
    bind_or_null(q, ++i, e.reason);
    q.bind(++i, e.created);
    q.bind(++i, e.updated);
    q.exec();
}

int issued_count(SQLite::Database& db, const std::string& redist_of) {
    SQLite::Statement q(db,
                        "SELECT count(*) FROM redist_jobs WHERE redist_of = ? AND "
                        "status = 'issued'");
    q.bind(1, redist_of);
    q.executeStep();
    return q.getColumn(0).getInt();
}

std::vector<std::string> issued_new_dists(SQLite::Database& db, const std::string& dist) {
    SQLite::Statement q(db,
                        "SELECT new_dist FROM redist_jobs WHERE (dist = ?1 OR redist_of = ?1) "
                        "AND status = 'issued' AND new_dist IS NOT NULL ORDER BY created, id");
    q.bind(1, dist);
    std::vector<std::string> out;
    while (q.executeStep())
        out.push_back(q.getColumn(0).getString());
    return out;
}

std::optional<timeutil::TimePoint> last_run(SQLite::Database& db, const std::string& server) {
    SQLite::Statement q(db, "SELECT last_run FROM redist_runs WHERE server = ?");
    q.bind(1, server);
    if (!q.executeStep()) return std::nullopt;
    return timeutil::parse_rfc3339(q.getColumn(0).getString());
}

void set_last_run(SQLite::Database& db, const std::string& server, timeutil::TimePoint when) {
    SQLite::Statement q(db,
                        "INSERT INTO redist_runs(server, last_run) VALUES (?1, ?2) "
                        "ON CONFLICT(server) DO UPDATE SET last_run = excluded.last_run");
    q.bind(1, server);
    q.bind(2, timeutil::format_rfc3339(when));
    q.exec();
}

}  // namespace swd::redist
