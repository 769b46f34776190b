// The persistent outbox: a message is kept in the state file until a server accepted it, and
// retried on a ladder of delays. Nothing is lost when the process, the server or the machine dies
// between attempts; two senders at once never send the same message twice.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "libcore/base/state.hpp"
#include "libcore/base/time.hpp"
#include "libcore/mail/smtp.hpp"

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
    int retry = 0;           ///< failed now, another attempt scheduled
    int failed = 0;          ///< given up: a permanent (5xx) answer, or the ladder is used up
    std::string last_error;  ///< why the last attempt that failed did
    std::string next_at;     ///< the earliest next attempt of an entry to retry (RFC 3339)

    /// Adds what another delivery did (a run's totals).
    Report& operator+=(const Report& o) {
        sent += o.sent;
        retry += o.retry;
        failed += o.failed;
        if (!o.last_error.empty()) last_error = o.last_error;
        if (!o.next_at.empty() && (next_at.empty() || o.next_at < next_at)) next_at = o.next_at;
        return *this;
    }
};

/// What deliver does beyond the ladder.
struct Policy {
    /// A transient failure (no answer, a 4xx, a sendmail that timed out or asked to try later)
    /// after the ladder's last rung: false gives up (status `failed`); true keeps the entry
    /// `pending` and tries it again every last_interval(ladder), for ever. A permanent answer
    /// (5xx) fails the entry either way.
    bool retry_forever = false;
    /// Called inside the transaction that marks an entry `failed`, with the entry as stored
    /// (status, attempts, last_error): what the caller records there commits with it or not at
    /// all. Called again when the transaction is repeated (State::write). May be empty.
    std::function<void(SQLite::Database&, const Entry&)> on_failed;
};

/// The wait between attempts once the ladder is used up: the difference of its last two rungs
/// (the only rung itself when there is one).
timeutil::Duration last_interval(const std::vector<timeutil::Duration>& ladder);

/// Sends every due message (next_at <= now; `kind` limits to one kind when not empty). Attempt
/// n (1-based) failing schedules attempt n+1 at first-attempt time + ladder[n]; after the last
/// rung the entry is `failed` with its last error (unless policy.retry_forever: then it is due
/// again last_interval(ladder) after each attempt), and on a 5xx it is `failed` at once. Each
/// entry is claimed in its own transaction before sending, so concurrent senders split the work;
/// each entry gets at most one attempt per call. Entries left `sending` for `stale_claim` are
/// taken again. Stops early when swd::interrupted(). Logs each give-up (error) and retry (info)
/// on stderr.
Report deliver(State& state, const smtp::Settings& settings,
               const std::vector<timeutil::Duration>& ladder, timeutil::TimePoint now,
               const std::string& kind = "", const Policy& policy = {});

/// Makes entry `id` of `kind` due again at `now`, its ladder started afresh (attempts 0, the
/// last error kept): a `failed` entry goes back to `pending`, a `pending` one is due now.
/// False when there is no such entry, or it is `sent` or being sent. Call inside State::write().
bool retry(SQLite::Database& db, std::int64_t id, const std::string& kind, timeutil::TimePoint now);

/// One entry, or nullopt.
std::optional<Entry> find(SQLite::Database& db, std::int64_t id);

/// Entries by status ("" for all), oldest first.
std::vector<Entry> list(SQLite::Database& db, const std::string& status);

}  // namespace swd::outbox
