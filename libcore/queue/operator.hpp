// What an operator does to a request (hold, release, requeue, flush, delete): each one
// transition, with the rules of which queues allow it, applied in the caller's transaction.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <string>
#include <string_view>
#include <vector>

#include "libcore/queue/db.hpp"
#include "libcore/queue/distlog.hpp"

namespace swd::queue {

/// An operator's action on one request.
enum class Operation {
    hold,     ///< any unfinished request: to the hold queue until released
    release,  ///< a held request: no longer held; from the hold queue to incoming, due now
    requeue,  ///< any request: incoming, due now, first mode and retries restored
    flush,    ///< a request waiting in hold or pull (not held): incoming, due now
    remove,   ///< any request: deleted
};

/// The operation's word on the command line and in events and logs ("delete" for remove).
std::string_view verb(Operation op);

/// `r` after `op` at `ts` (RFC 3339): a pure function of the rules above, nothing written. An
/// active request refuses every operation. Throws Error(Exit::negative, "ID: why") when `r`'s
/// queue or hold does not allow `op`.
Request transition(Request r, Operation op, const std::string& ts);

/// Applies `op` to the request `id` inside the caller's transaction (repeatable): writes it
/// back (or deletes it) and adds an SWD_Operator event. With `dry`, only checks. Returns the
/// request as changed (for remove: as it was, updated at `ts`). Throws Error(Exit::negative,
/// "ID: why") when there is no such request or transition() refuses.
Request operate(SQLite::Database& db, Operation op, const std::string& id, const std::string& ts,
                bool dry = false);

/// The distribution log line of an operation operate() applied (`changed` is what it returned).
distlog::Fields operation_log(Operation op, const Request& changed);

/// What `flush` without ids takes: every request waiting in hold or pull and not held (the hold
/// queue's, then the pull queue's, each in creation order).
std::vector<std::string> waiting_requests(SQLite::Database& db);

}  // namespace swd::queue
