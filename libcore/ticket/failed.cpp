#include "libcore/ticket/failed.hpp"

#include <set>

#include "libcore/base/jsonl.hpp"
#include "libcore/base/text.hpp"

namespace swd::ticket {

namespace {

using timeutil::format_rfc3339;

std::string text(const SQLite::Column& c) {
    return c.isNull() ? std::string() : c.getString();
}

std::string failed_record(SQLite::Statement& q) {
    jsonl::Record r("failed");
    r.field("dist", q.getColumn(0).getString());
    if (!text(q.getColumn(1)).empty()) r.field("server", q.getColumn(1).getString());
    r.field("device", q.getColumn(2).getString());
    if (!text(q.getColumn(3)).empty()) r.field("package", q.getColumn(3).getString());
    r.field("failed_at", q.getColumn(4).getString());
    r.field("alert", q.getColumn(5).getString());
    r.field("status", q.getColumn(6).getString());
    if (!q.getColumn(7).isNull()) r.field("by", q.getColumn(7).getString());
    if (!q.getColumn(8).isNull()) r.field("new_dist", q.getColumn(8).getString());
    if (!q.getColumn(9).isNull()) r.field("resolved_at", q.getColumn(9).getString());
    return r.finish();
}

constexpr const char* failed_columns =
    "dist, server, device, package, failed_at, alert, status, resolved_by, new_dist, resolved_at";

}  // namespace

std::vector<std::string> failed_records(SQLite::Database& db, const FailedFilter& filter) {
    SQLite::Statement q(db, std::string("SELECT ") + failed_columns +
                                " FROM ticket_failed WHERE (?1 = '' OR server = ?1) AND "
                                "(?2 = '' OR failed_at >= ?2) AND (?3 OR status = 'open') "
                                "ORDER BY failed_at, dist, device, package");
    q.bind(1, filter.server);
    q.bind(2, filter.since ? format_rfc3339(*filter.since) : "");
    q.bind(3, filter.all ? 1 : 0);
    std::vector<std::string> out;
    while (q.executeStep())
        out.push_back(failed_record(q));
    return out;
}

std::vector<std::string> mark_failed(SQLite::Database& db, const std::string& dist,
                                     const std::string& server, const std::string& device,
                                     const std::string& status, const std::string& by,
                                     const std::string& new_dist, timeutil::TimePoint now) {
    // ticket_failed is a view: the open ones are marked in ticket_failed_status in one
    // statement, then their records are read back through the view.
    const std::string name = ascii_lower(device);
    SQLite::Statement set(db,
                          "INSERT INTO ticket_failed_status(dist, device, package, status, "
                          "resolved_by, new_dist, resolved_at) SELECT dist, device, package, ?4, "
                          "?5, ?6, ?7 FROM ticket_failed WHERE dist = ?1 AND device = ?2 AND "
                          "(?3 = '' OR server = ?3) AND status = 'open' AND true "
                          "ON CONFLICT(dist, device, package) DO UPDATE SET status = ?4, "
                          "resolved_by = ?5, new_dist = ?6, resolved_at = ?7 RETURNING package");
    set.bind(1, dist);
    set.bind(2, name);
    set.bind(3, server);
    set.bind(4, status);
    bind_or_null(set, 5, by);
    bind_or_null(set, 6, new_dist);
    set.bind(7, format_rfc3339(now));
    std::set<std::string> marked;
    while (set.executeStep())
        marked.insert(set.getColumn(0).getString());
    std::vector<std::string> out;
    if (marked.empty()) return out;
    SQLite::Statement read(db, std::string("SELECT ") + failed_columns +
                                   " FROM ticket_failed WHERE dist = ?1 AND device = ?2 "
                                   "ORDER BY package");
    read.bind(1, dist);
    read.bind(2, name);
    while (read.executeStep())
        if (marked.count(read.getColumn(3).getString()) > 0) out.push_back(failed_record(read));
    return out;
}

}  // namespace swd::ticket
