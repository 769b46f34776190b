// Readable, sortable identifiers: A-20261121-000123 (alert), T-20261121-0007 (ticket), R-, X-, E-.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <string>

#include "libcore/state.hpp"
#include "libcore/time.hpp"

namespace swd::ids {

/// The schema holding the per-day sequences (table id_seq(prefix, day, last)).
const Schema& schema();

/// The next id for `prefix` on the UTC day of `when`: PREFIX-YYYYMMDD-NNNNNN, with `width`
/// digits (zero-padded; more digits when the sequence outgrows them, so ids stay unique).
/// Sequences start at 1 each day. Must be called inside State::write() so the increment is part
/// of the caller's transaction.
std::string next(SQLite::Database& db, char prefix, timeutil::TimePoint when, int width = 6);

}  // namespace swd::ids
