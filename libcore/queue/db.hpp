// The queue manager's tables in the state file: targets (endpoints and how to reach them),
// requests (one target's package list, moving through the queues incoming → active → done, or
// hold / pull / abort) and events (the SWD_* messages an operator follows).
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libcore/base/state.hpp"
#include "libcore/base/time.hpp"

namespace swd::queue {

/// Module "queue": tables queue_targets, queue_requests, queue_events, queue_spool_seen.
const Schema& schema();

/// An endpoint and its transport.
struct Target {
    std::string name;
    std::string transport;    ///< "local:/srv/endpoints/pos-0042" or "exec"
    std::string probe_cmd;    ///< exec: argv template; empty: always reachable
    std::string install_cmd;  ///< exec: argv template
    std::string address, mac, location, region;
    std::string added;
};

void upsert_target(SQLite::Database& db, const Target& t);
std::optional<Target> find_target(SQLite::Database& db, const std::string& name);
std::vector<Target> list_targets(SQLite::Database& db);
bool remove_target(SQLite::Database& db, const std::string& name);

/// The queues a request can be in.
inline constexpr const char* queues[] = {"incoming", "active", "hold", "pull", "abort", "done"};

/// One target's package list.
struct Request {
    std::int64_t seq = 0;  ///< creation order
    std::string id;        ///< R-YYYYMMDD-NNNNNN
    std::string dist;
    std::string mode;        ///< push | trusted-pull | pull (authoritative)
    std::string first_mode;  ///< the mode it was received in
    std::string queue;
    std::string target;
    std::vector<std::string> params;
    std::vector<std::string> packages;
    int pos = 0;  ///< index of the next package: the one in flight while active
    int push_retries = 0, pull_retries = 0;  ///< as received
    int push_left = 0, pull_left = 0;
    std::int64_t retry_interval = 0;  ///< seconds
    std::string not_before;
    bool held = false;  ///< held by an operator: not released by time
    int attempts = 0;
    std::string last_package, last_failure, last_error;
    std::string origin, redist_of, cmd;
    std::string created, updated;

    /// The `request` record (swd-records(5)).
    std::string to_record() const;
};

/// Inserts a new request (id, seq and timestamps must be set; seq is assigned).
void insert_request(SQLite::Database& db, Request& r);
std::optional<Request> find_request(SQLite::Database& db, const std::string& id);
/// Requests in creation order; `queue` / `dist` / `target` empty: any.
std::vector<Request> list_requests(SQLite::Database& db, const std::string& queue,
                                   const std::string& dist = "", const std::string& target = "");
/// Writes back every mutable column of `r` (queue, mode, pos, counters, times, last_*).
void update_request(SQLite::Database& db, const Request& r);
bool delete_request(SQLite::Database& db, const std::string& id);

/// How many of `target`'s requests are not finished (incoming, active, hold or pull).
int unfinished_requests(SQLite::Database& db, const std::string& target);
/// How many requests not yet done or aborted name package `id`.
int requests_using_package(SQLite::Database& db, const std::string& id);
/// Whether any incoming request is due at `ts` (RFC 3339): not_before <= ts.
bool any_due(SQLite::Database& db, const std::string& ts);
/// The ids of the incoming requests due at `ts`, in creation order.
std::vector<std::string> due_request_ids(SQLite::Database& db, const std::string& ts);
/// Moves the hold-queue requests whose not_before has come (and that no operator holds) to the
/// incoming queue, updated at `ts`. Returns how many moved.
int release_due_holds(SQLite::Database& db, const std::string& ts);

/// Event severities (TEC style).
inline constexpr const char* harmless = "HARMLESS";
inline constexpr const char* warning = "WARNING";
inline constexpr const char* minor = "MINOR";

struct Event {
    std::string id;  ///< E-YYYYMMDD-NNNNNN
    std::string cls;
    std::string severity;
    bool open = false;
    std::string request, dist, target, package, message, time;
    std::string closed_by, acked;

    /// The `event` record.
    std::string to_record() const;
};

/// An event about request `r` (its id, distribution and target), at `ts`.
Event request_event(const Request& r, std::string cls, const char* severity, bool open,
                    std::string package, std::string message, const std::string& ts);

/// Inserts an event (id assigned with ids::next inside the caller's transaction). When
/// `closes` is not empty, the open events of the same request whose class is in `closes` (and,
/// for SWD_Start, whose package is the event's package) are closed by it.
Event add_event(SQLite::Database& db, Event e, const std::vector<std::string>& closes = {});

struct EventFilter {
    bool open_only = false;
    std::string since;    ///< RFC 3339; empty: all
    std::string request;  ///< empty: all
};
std::vector<Event> list_events(SQLite::Database& db, const EventFilter& f);
std::optional<Event> find_event(SQLite::Database& db, const std::string& id);
/// Closes an event by acknowledgement; false when it does not exist or is already closed.
bool ack_event(SQLite::Database& db, const std::string& id, const std::string& when);

/// A spool file already taken in (name and content hash), so a crash between commit and
/// unlink never enqueues it twice.
bool spool_seen(SQLite::Database& db, const std::string& name, const std::string& sha256);
void mark_spool_seen(SQLite::Database& db, const std::string& name, const std::string& sha256,
                     const std::string& when);

}  // namespace swd::queue
