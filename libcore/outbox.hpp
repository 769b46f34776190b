// The persistent outbox: a message is kept in the state file until a server accepted it, and
// retried on a ladder of delays. Nothing is lost when the process, the server or the machine dies
// between attempts; two senders at once never send the same message twice.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "libcore/smtp.hpp"
#include "libcore/state.hpp"
#include "libcore/time.hpp"

namespace swd::outbox {

/// Schema (module "outbox"): table outbox(id, kind, ref, sender, rcpts, message, status
/// pending|sending|sent|failed, attempts, next_at, last_error, created, sent_at, first_at,
/// claimed_at). Times are RFC 3339 text; rcpts one address per line.
const Schema& schema();

/// An entry left `sending` this long (by the wall clock) belongs to a sender that died between
/// claiming and recording the answer: it is due again. The server may have accepted it before
/// the sender died, so such an entry can arrive twice; it is never lost.
inline constexpr std::chrono::minutes stale_claim{10};

struct Entry {
    std::int64_t id = 0;
    std::string kind;  ///< "ticket", "page", "alert", ...
    std::string ref;   ///< what it is about: a ticket id, an alert id
    std::string sender;
    std::vector<std::string> rcpts;
    std::string message;  ///< composed bytes (mail::compose)
    std::string status;
    int attempts = 0;
    std::string last_error;
    std::string next_at;  ///< when the next attempt is due (RFC 3339)
    std::string created;  ///< when it was queued (wall clock)
    std::string sent_at;  ///< when the server accepted it; empty until then
};

/// Queues a message, first attempt due at `due` (callers add ladder[0], the delay of the first
/// attempt, themselves). Call inside State::write().
std::int64_t enqueue(SQLite::Database& db, const std::string& kind, const std::string& ref,
                     const std::string& sender, const std::vector<std::string>& rcpts,
                     const std::string& message, timeutil::TimePoint due);

struct Report {
    int sent = 0;
    int retry = 0;   ///< failed now, another attempt scheduled
    int failed = 0;  ///< given up: a permanent (5xx) answer, or the ladder is used up
};

/// Sends every due message (next_at <= now; `kind` limits to one kind when not empty). Attempt
/// n (1-based) failing schedules attempt n+1 at first-attempt time + ladder[n]; after the last
/// rung, or on a 5xx, the entry is `failed` with its last error. Each entry is claimed in its own
/// transaction before sending, so concurrent senders split the work; each entry gets at most one
/// attempt per call. Entries left `sending` for `stale_claim` are taken again. Stops early when
/// swd::interrupted(). Logs each give-up (error) and retry (info) on stderr.
Report deliver(State& state, const smtp::Settings& settings,
               const std::vector<timeutil::Duration>& ladder, timeutil::TimePoint now,
               const std::string& kind = "");

/// Entries by status ("" for all), oldest first.
std::vector<Entry> list(SQLite::Database& db, const std::string& status);

}  // namespace swd::outbox
