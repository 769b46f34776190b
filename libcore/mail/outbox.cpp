#include "libcore/mail/outbox.hpp"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <cassert>
#include <sstream>

#include "libcore/base/signals.hpp"

namespace swd::outbox {

namespace {

using namespace std::chrono_literals;

std::string join_lines(const std::vector<std::string>& items) {
    std::string out;
    for (const std::string& item : items) {
        if (!out.empty()) out += '\n';
        out += item;
    }
    return out;
}

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) out.push_back(line);
    return out;
}

std::string text_or_empty(const SQLite::Column& c) {
    return c.isNull() ? "" : c.getString();
}

/// A claimed entry, with what the result needs.
struct Claimed {
    Entry entry;
    std::string first_at;
    std::string claimed_at;
};

}  // namespace

const Schema& schema() {
    static const Schema outbox{
        "outbox",
        {"CREATE TABLE outbox("
         "id INTEGER PRIMARY KEY, kind TEXT NOT NULL, ref TEXT NOT NULL, "
         "sender TEXT NOT NULL, rcpts TEXT NOT NULL, message TEXT NOT NULL, "
         "status TEXT NOT NULL DEFAULT 'pending' "
         "CHECK(status IN ('pending', 'sending', 'sent', 'failed')), "
         "attempts INTEGER NOT NULL DEFAULT 0, next_at TEXT NOT NULL, last_error TEXT, "
         "created TEXT NOT NULL, sent_at TEXT, first_at TEXT, claimed_at TEXT);"
         "CREATE INDEX outbox_due ON outbox(status, next_at);"
         "CREATE INDEX outbox_ref ON outbox(kind, ref);"},
    };
    return outbox;
}

std::int64_t enqueue(SQLite::Database& db, const std::string& kind, const std::string& ref,
                     const std::string& sender, const std::vector<std::string>& rcpts,
                     const std::string& message, timeutil::TimePoint due) {
    assert(sqlite3_get_autocommit(db.getHandle()) == 0 && "outbox::enqueue outside State::write()");
    SQLite::Statement insert(db,
                             "INSERT INTO outbox(kind, ref, sender, rcpts, message, next_at, "
                             "created) VALUES(?, ?, ?, ?, ?, ?, ?)");
    insert.bind(1, kind);
    insert.bind(2, ref);
    insert.bind(3, sender);
    insert.bind(4, join_lines(rcpts));
    insert.bind(5, message);
    insert.bind(6, timeutil::format_rfc3339(due));
    insert.bind(7, timeutil::format_rfc3339(timeutil::now()));
    insert.exec();
    return db.getLastInsertRowid();
}

timeutil::Duration last_interval(const std::vector<timeutil::Duration>& ladder) {
    if (ladder.empty()) return timeutil::Duration(0);
    if (ladder.size() == 1) return ladder.front();
    return std::max(ladder.back() - ladder[ladder.size() - 2], timeutil::Duration(0));
}

Report deliver(State& state, const smtp::Settings& settings,
               const std::vector<timeutil::Duration>& ladder, timeutil::TimePoint now,
               const std::string& kind, const Policy& policy) {
    Report report;
    const std::string now_text = timeutil::format_rfc3339(now);
    const auto attempts_allowed = static_cast<int>(std::max<std::size_t>(ladder.size(), 1));
    // Entries are taken in id order, each at most once per call, so a retry that is already
    // due again waits for the next run instead of hammering a server that just failed.
    std::int64_t after = 0;
    while (!interrupted()) {
        std::optional<Claimed> claimed;
        const std::string real_now = timeutil::format_rfc3339(timeutil::now());
        const std::string stale = timeutil::format_rfc3339(timeutil::now() - stale_claim);
        state.write([&](SQLite::Database& db) {
            claimed.reset();
            SQLite::Statement claim(
                db,
                "UPDATE outbox SET status = 'sending', attempts = attempts + 1, claimed_at = ?1, "
                "first_at = coalesce(first_at, ?2) WHERE id = (SELECT min(id) FROM ("
                "SELECT id FROM outbox WHERE status = 'pending' AND next_at <= ?2 AND id > ?3 "
                "AND (?4 = '' OR kind = ?4) UNION ALL "
                "SELECT id FROM outbox WHERE status = 'sending' AND claimed_at <= ?5 AND id > ?3 "
                "AND (?4 = '' OR kind = ?4))) "
                "RETURNING id, kind, ref, sender, rcpts, message, attempts, first_at");
            claim.bind(1, real_now);
            claim.bind(2, now_text);
            claim.bind(3, after);
            claim.bind(4, kind);
            claim.bind(5, stale);
            if (!claim.executeStep()) return;
            Claimed c;
            c.entry.id = claim.getColumn(0).getInt64();
            c.entry.kind = claim.getColumn(1).getString();
            c.entry.ref = claim.getColumn(2).getString();
            c.entry.sender = claim.getColumn(3).getString();
            c.entry.rcpts = split_lines(claim.getColumn(4).getString());
            c.entry.message = claim.getColumn(5).getString();
            c.entry.attempts = claim.getColumn(6).getInt();
            c.entry.status = "sending";
            c.first_at = claim.getColumn(7).getString();
            c.claimed_at = real_now;
            claimed = std::move(c);
        });
        if (!claimed) break;
        Entry& e = claimed->entry;
        after = e.id;

        const smtp::Result result = smtp::send(settings, e.sender, e.rcpts, e.message);
        std::string status = "sent";
        std::string next_at;
        if (!result.ok) {
            if (result.permanent || (e.attempts >= attempts_allowed && !policy.retry_forever)) {
                status = "failed";
            } else if (e.attempts >= attempts_allowed) {
                status = "pending";  // the ladder is used up: again after its last interval
                next_at = timeutil::format_rfc3339(now + last_interval(ladder));
            } else {
                status = "pending";
                const auto first = timeutil::parse_rfc3339(claimed->first_at).value_or(now);
                next_at =
                    timeutil::format_rfc3339(first + ladder[static_cast<std::size_t>(e.attempts)]);
            }
        }
        state.write([&](SQLite::Database& db) {
            SQLite::Statement done(db,
                                   "UPDATE outbox SET status = ?1, last_error = ?2, "
                                   "sent_at = CASE WHEN ?1 = 'sent' THEN ?3 END, "
                                   "next_at = coalesce(?4, next_at), claimed_at = NULL "
                                   "WHERE id = ?5 AND status = 'sending' AND claimed_at = ?6");
            done.bind(1, status);
            if (result.ok)
                done.bind(2);
            else
                done.bind(2, result.detail);
            done.bind(3, now_text);
            bind_or_null(done, 4, next_at);
            done.bind(5, e.id);
            done.bind(6, claimed->claimed_at);
            // Another sender took over a stale claim: the entry is its to record.
            if (done.exec() == 0 || status != "failed" || !policy.on_failed) return;
            Entry stored = e;
            stored.status = status;
            stored.last_error = result.detail;
            policy.on_failed(db, stored);
        });
        if (status == "sent") {
            ++report.sent;
            spdlog::info("{} {}: sent ({})", e.kind, e.ref, result.detail);
        } else if (status == "pending") {
            ++report.retry;
            report.last_error = result.detail;
            if (report.next_at.empty() || next_at < report.next_at) report.next_at = next_at;
            spdlog::info("{} {}: attempt {} failed, next at {}: {}", e.kind, e.ref, e.attempts,
                         next_at, result.detail);
        } else {
            ++report.failed;
            report.last_error = result.detail;
            spdlog::error("{} {}: not sent, giving up after {} attempt{}: {}", e.kind, e.ref,
                          e.attempts, e.attempts == 1 ? "" : "s", result.detail);
        }
    }
    return report;
}

bool retry(SQLite::Database& db, std::int64_t id, const std::string& kind,
           timeutil::TimePoint now) {
    assert(sqlite3_get_autocommit(db.getHandle()) == 0 && "outbox::retry outside State::write()");
    SQLite::Statement q(db,
                        "UPDATE outbox SET status = 'pending', attempts = 0, first_at = NULL, "
                        "next_at = ?1 WHERE id = ?2 AND kind = ?3 AND status IN ('pending', "
                        "'failed')");
    q.bind(1, timeutil::format_rfc3339(now));
    q.bind(2, id);
    q.bind(3, kind);
    return q.exec() > 0;
}

namespace {

constexpr const char* entry_columns =
    "id, kind, ref, sender, rcpts, message, status, attempts, last_error, next_at, created, "
    "sent_at";

Entry read_entry(SQLite::Statement& query) {
    Entry e;
    e.id = query.getColumn(0).getInt64();
    e.kind = query.getColumn(1).getString();
    e.ref = query.getColumn(2).getString();
    e.sender = query.getColumn(3).getString();
    e.rcpts = split_lines(query.getColumn(4).getString());
    e.message = query.getColumn(5).getString();
    e.status = query.getColumn(6).getString();
    e.attempts = query.getColumn(7).getInt();
    e.last_error = text_or_empty(query.getColumn(8));
    e.next_at = query.getColumn(9).getString();
    e.created = query.getColumn(10).getString();
    e.sent_at = text_or_empty(query.getColumn(11));
    return e;
}

}  // namespace

std::optional<Entry> find(SQLite::Database& db, std::int64_t id) {
    SQLite::Statement query(db,
                            std::string("SELECT ") + entry_columns + " FROM outbox WHERE id = ?");
    query.bind(1, id);
    if (!query.executeStep()) return std::nullopt;
    return read_entry(query);
}

std::vector<Entry> list(SQLite::Database& db, const std::string& status) {
    SQLite::Statement query(db, std::string("SELECT ") + entry_columns +
                                    " FROM outbox WHERE ?1 = '' OR status = ?1 ORDER BY id");
    query.bind(1, status);
    std::vector<Entry> out;
    while (query.executeStep())
        out.push_back(read_entry(query));
    return out;
}

}  // namespace swd::outbox
