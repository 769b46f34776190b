// swd-ticket's records in the state file: the alerts it processed and what it did with each,
// the failed distributions, the tickets, and the queries over them (seed 002: error alert
// files 80, failed distribution files 82, job tickets).
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "libcore/base/state.hpp"
#include "libcore/base/time.hpp"

namespace swd::ticket {

/// Schema (module "ticket"): ticket_alerts (every alert processed, its `action`), ticket_keys (a
/// number per device and failure type, which the alerts' window index is keyed by), ticket_failed
/// (a view: the failed distributions, from the alerts and ticket_failed_status), tickets, and
/// the administration tables ticket_outages,
/// ticket_thresholds, ticket_centers, ticket_buildings, ticket_paging.
const Schema& schema();

/// SQL for the number in ticket_keys of the device and failure type bound to the next two
/// parameters: alerts are found by it (`WHERE key = ` this).
inline constexpr const char* key_sql =
    "(SELECT key FROM ticket_keys WHERE device = ? AND failure = ?)";

/// Every schema swd-ticket opens the state file with (ids, devices, outbox, ticket).
std::vector<const Schema*> schemas();

/// A ticket as stored, with what its mail's state says about its delivery.
struct Ticket {
    std::string id;  ///< T-YYYYMMDD-NNNN
    std::string device;
    std::string failure;
    /// Delivery: new (diagnostics pending), held, queued, sent, failed, unrouted.
    std::string status;
    int count = 0;      ///< alerts attached
    int threshold = 0;  ///< the limit that was met
    timeutil::Duration window{0};
    timeutil::TimePoint first{}, last{}, created{};
    timeutil::TimePoint trigger{};  ///< time of the alert whose window met the threshold
    std::optional<timeutil::TimePoint> closed;
    std::optional<timeutil::TimePoint> held_until;
    std::string center;
    std::vector<std::string> to;
    std::string location;
    std::string location_corrected_from;  ///< the alert's location when the inventory differs
    bool location_unverified = false;     ///< device not in the inventory
    std::string region, building, address, package, server, dist, detail;
    std::vector<std::pair<std::string, std::string>> diagnostics;  ///< "ping" -> output
    std::string message_id;
    std::int64_t mail = 0;  ///< outbox id of the ticket's mail (or of the digest holding it)
    int attempts = 0;
    std::string last_error;
    int updates = 0;   ///< alerts attached after creation
    int reopened = 0;  ///< times an alert within the reopen window reopened it
    bool paged = false;
    std::vector<std::string> alerts;               ///< alert ids, oldest first
    std::vector<timeutil::TimePoint> alert_times;  ///< their times, same order
    std::string unrouted;  ///< why no center was found, when finished so (not stored)

    bool open() const { return !closed.has_value(); }
};

/// A ticket by id, with its alerts; nullopt when there is none.
std::optional<Ticket> find_ticket(SQLite::Database& db, const std::string& id);

/// find_ticket for many ids: the statements are prepared once.
class TicketReader {
  public:
    explicit TicketReader(SQLite::Database& db);
    /// The ticket, with its alert list.
    std::optional<Ticket> find(const std::string& id);

  private:
    SQLite::Statement one_;
    SQLite::Statement alerts_;
};

struct TicketFilter {
    std::string status;                        ///< "", all, open, closed, or a delivery status
    std::optional<timeutil::TimePoint> since;  ///< created at or after
    std::string device;
};
/// Tickets matching `filter`, oldest first.
std::vector<Ticket> list_tickets(SQLite::Database& db, const TicketFilter& filter);

/// The `ticket` record (DESIGN §4), without the body.
std::string ticket_record(const Ticket& t);

/// The stored diagnostics text (a JSON object) as pairs, and back.
std::string diagnostics_json(const std::vector<std::pair<std::string, std::string>>& d);

/// Closes the ticket at `now`; false when there is no such open ticket.
bool close_ticket(SQLite::Database& db, const std::string& id, timeutil::TimePoint now);
/// Closes every open ticket of `device`; returns their ids.
std::vector<std::string> close_device_tickets(SQLite::Database& db, const std::string& device,
                                              timeutil::TimePoint now);

struct AlertFilter {
    std::string device;
    std::string id;      ///< one alert
    std::string action;  ///< prefix: "counted", "suppressed", "ticket", "updated"
    std::optional<timeutil::TimePoint> since;
};
/// The stored alerts as `alert` records with the fields `action` and `ticket`, oldest first.
std::vector<std::string> alert_records(SQLite::Database& db, const AlertFilter& filter);

/// `report` rows: per key of `by` (region, failure, device, center), counts of alerts,
/// suppressed alerts, tickets and open tickets.
std::vector<std::string> report_records(SQLite::Database& db, const std::string& by,
                                        std::optional<timeutil::TimePoint> since);

}  // namespace swd::ticket
