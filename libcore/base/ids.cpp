#include "libcore/base/ids.hpp"

#include <sqlite3.h>

#include <cassert>
#include <cstddef>
#include <utility>

namespace swd::ids {

const Schema& schema() {
    static const Schema ids{
        "ids",
        {"CREATE TABLE id_seq(prefix TEXT NOT NULL, day TEXT NOT NULL, last INTEGER NOT NULL, "
         "PRIMARY KEY(prefix, day)) WITHOUT ROWID"},
    };
    return ids;
}

namespace {

std::string format(char prefix, const std::string& day, std::int64_t n, int width) {
    std::string digits = std::to_string(n);
    if (std::cmp_less(digits.size(), width))
        digits.insert(0, static_cast<std::size_t>(width) - digits.size(), '0');
    return std::string(1, prefix) + '-' + day + '-' + digits;
}

void assert_in_transaction([[maybe_unused]] SQLite::Database& db) {
    assert(sqlite3_get_autocommit(db.getHandle()) == 0 && "ids outside State::write()");
}

}  // namespace

std::string next(SQLite::Database& db, char prefix, timeutil::TimePoint when, int width) {
    assert_in_transaction(db);
    const std::string day = timeutil::format_day(when);
    SQLite::Statement bump(db,
                           "INSERT INTO id_seq(prefix, day, last) VALUES(?, ?, 1) "
                           "ON CONFLICT(prefix, day) DO UPDATE SET last = last + 1 "
                           "RETURNING last");
    bump.bind(1, std::string(1, prefix));
    bump.bind(2, day);
    bump.executeStep();
    return format(prefix, day, bump.getColumn(0).getInt64(), width);
}

Sequence::Sequence(SQLite::Database& db, char prefix, timeutil::TimePoint when, int width)
    : db_(db), prefix_(prefix), day_(timeutil::format_day(when)), width_(width) {}

std::string Sequence::next() {
    if (!last_) {
        assert_in_transaction(db_);
        SQLite::Statement q(db_, "SELECT last FROM id_seq WHERE prefix = ? AND day = ?");
        q.bind(1, std::string(1, prefix_));
        q.bind(2, day_);
        last_ = q.executeStep() ? q.getColumn(0).getInt64() : 0;
    }
    used_ = true;
    return format(prefix_, day_, ++*last_, width_);
}

void Sequence::save() {
    if (!used_) return;
    assert_in_transaction(db_);
    SQLite::Statement q(db_,
                        "INSERT INTO id_seq(prefix, day, last) VALUES(?1, ?2, ?3) "
                        "ON CONFLICT(prefix, day) DO UPDATE SET last = ?3");
    q.bind(1, std::string(1, prefix_));
    q.bind(2, day_);
    q.bind(3, *last_);
    q.exec();
    used_ = false;
}

}  // namespace swd::ids
