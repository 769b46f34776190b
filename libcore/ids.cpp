#include "libcore/ids.hpp"

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

std::string next(SQLite::Database& db, char prefix, timeutil::TimePoint when, int width) {
    assert(sqlite3_get_autocommit(db.getHandle()) == 0 && "ids::next outside State::write()");
    const std::string day = timeutil::format_day(when);
    SQLite::Statement bump(db,
                           "INSERT INTO id_seq(prefix, day, last) VALUES(?, ?, 1) "
                           "ON CONFLICT(prefix, day) DO UPDATE SET last = last + 1 "
                           "RETURNING last");
    bump.bind(1, std::string(1, prefix));
    bump.bind(2, day);
    bump.executeStep();
    std::string digits = std::to_string(bump.getColumn(0).getInt64());
    if (std::cmp_less(digits.size(), width))
        digits.insert(0, static_cast<std::size_t>(width) - digits.size(), '0');
    return std::string(1, prefix) + '-' + day + '-' + digits;
}

}  // namespace swd::ids
