// The failed distributions the alerts tell of (view ticket_failed of the ticket schema): what
// `swd-ticket failed` prints and what `swd-ticket resolve` and swd-redist mark. The one part of
// the ticket domain that swd-redist reaches.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <optional>
#include <string>
#include <vector>

#include "libcore/base/state.hpp"
#include "libcore/base/time.hpp"

namespace swd::ticket {

/// What `failed` prints (DESIGN §4).
struct FailedFilter {
    std::string server;
    std::optional<timeutil::TimePoint> since;  ///< failed at or after
    bool all = false;                          ///< also resolved ones
};
/// `failed` records, oldest first.
std::vector<std::string> failed_records(SQLite::Database& db, const FailedFilter& filter);

/// Sets the open failed distributions (dist, device[, server]) to `status`: `resolved` (by
/// swd-ticket resolve) or `redistributed` (by swd-redist), with what did it (`by`) and the new
/// distribution, if any. Returns the `failed` records changed. Inside State::write().
std::vector<std::string> mark_failed(SQLite::Database& db, const std::string& dist,
                                     const std::string& server, const std::string& device,
                                     const std::string& status, const std::string& by,
                                     const std::string& new_dist, timeutil::TimePoint now);

}  // namespace swd::ticket
