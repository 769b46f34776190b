// Readable, sortable identifiers: A-20261121-000123 (alert), T-20261121-0007 (ticket), R-, X-, E-.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <optional>
#include <string>

#include "libcore/base/state.hpp"
#include "libcore/base/time.hpp"

namespace swd::ids {

/// The schema holding the per-day sequences (table id_seq(prefix, day, last)).
const Schema& schema();

/// The next id for `prefix` on the UTC day of `when`: PREFIX-YYYYMMDD-NNNNNN, with `width`
/// digits (zero-padded; more digits when the sequence outgrows them, so ids stay unique).
/// Sequences start at 1 each day. Must be called inside State::write() so the increment is part
/// of the caller's transaction.
std::string next(SQLite::Database& db, char prefix, timeutil::TimePoint when, int width = 6);

/// Many ids of one prefix and day within one transaction, as next() would give them, with the
/// sequence read once and written back once: for a loop that makes thousands of ids. Use inside
/// State::write(), one Sequence per transaction, and call save() before it commits.
class Sequence {
  public:
    Sequence(SQLite::Database& db, char prefix, timeutil::TimePoint when, int width = 6);
    std::string next();
    /// Writes the last id given out back to the state file (nothing when none was).
    void save();

  private:
    SQLite::Database& db_;
    char prefix_;
    std::string day_;
    int width_;
    std::optional<std::int64_t> last_;  ///< read on the first next()
    bool used_ = false;
};

}  // namespace swd::ids
