// swd-redist's records in the state file (seed 002: redistribution files 94, records 96): one
// entry per redistribution job, the time of the last run per server, and — when the same host
// also runs swd-ticket — the failed distributions it keeps (view ticket_failed, read here and
// only ever changed in their status, through ticket::mark_failed).
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <optional>
#include <string>
#include <vector>

#include "libcore/base/state.hpp"
#include "libcore/base/time.hpp"

namespace swd::redist {

/// Module "redist": tables redist_jobs and redist_runs.
const Schema& schema();

/// One package that failed on one device in one distribution (a `failed` record).
struct Failure {
    std::string dist, server, device, package, alert;
    std::optional<timeutil::TimePoint> failed_at;
    std::string source;  ///< "state", or "PATH:LINE" / "stdin:LINE"
};

/// True when the state file holds swd-ticket's failed distributions.
bool holds_failures(SQLite::Database& db);

/// The open failed distributions of `server` that failed in [since, until] (either bound may be
/// absent), oldest first.
std::vector<Failure> open_failures(SQLite::Database& db, const std::string& server,
                                   std::optional<timeutil::TimePoint> since,
                                   std::optional<timeutil::TimePoint> until);

/// Sets the open failed records of (dist, device, server) to `status` ("redistributed"), with
/// the redistribution that took them. Returns how many changed. Inside State::write().
int mark_failures(SQLite::Database& db, const std::string& dist, const std::string& server,
                  const std::string& device, const std::string& status, const std::string& by,
                  const std::string& new_dist, timeutil::TimePoint now);

/// A redistribution job.
struct Entry {
    std::string id;  ///< X-YYYYMMDD-NNNNNN
    std::string server;
    std::string dist;       ///< the distribution that failed
    std::string redist_of;  ///< the original distribution (dist, or what dist redistributed)
    std::string new_dist;
    std::vector<std::string> packages;
    std::string original_cmd;       ///< as in the log
    std::vector<std::string> argv;  ///< the new command
    std::vector<std::string> recipients;
    std::string status;  ///< open, issued, declined, not-found, refused, completed
    std::string reason;  ///< why it was refused or not found
    std::string created, updated;
};

/// Inserts or replaces the entry with its id. Inside State::write().
void save_entry(SQLite::Database& db, const Entry& e);

/// Redistributions of `redist_of` issued so far (for the next id: ORIGINAL-R<n+1>).
int issued_count(SQLite::Database& db, const std::string& redist_of);

/// The new distribution ids issued for `dist` or for redistributions of it.
std::vector<std::string> issued_new_dists(SQLite::Database& db, const std::string& dist);

/// The time of the last run on `server`, if any.
std::optional<timeutil::TimePoint> last_run(SQLite::Database& db, const std::string& server);
void set_last_run(SQLite::Database& db, const std::string& server, timeutil::TimePoint when);

}  // namespace swd::redist
