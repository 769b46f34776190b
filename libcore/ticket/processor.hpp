// swd-ticket: from valid alerts to the right job tickets (seed 002, FIG. 3 steps 216-224;
// claims 18-27 of 000/001; DESIGN §8). For each alert, in one transaction with the rest of its
// batch: store it (with the failed distribution it names), count it per device and failure type in
// a window of the alerts' own times, compare with the threshold, check the outage list, and create
// a ticket or update the open one. Delivery is libcore/ticket_delivery; the command line is
// libcore/ticket_cli.
#pragma once

#include <simdjson.h>

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "libcore/base/state.hpp"
#include "libcore/ticket/config.hpp"
#include "libcore/ticket/store.hpp"

namespace swd::ticket {

/// One alert as swd-ticket uses it (DESIGN §4 `alert`).
struct Alert {
    std::string id, message_id, date, from, node, domain, subject;
    std::string failure;  ///< canonical type, lower case ("other" when the alert has none)
    std::string failure_text, device, server, dist, package, location, region, detail, source;
    timeutil::TimePoint at{};  ///< the alert's `time`, else its `date`, else the run's now
    /// AlertFeed's number for the device and failure type (the same for the same pair all
    /// through one feed), so the processor finds what it knows of them without hashing the
    /// names; 0 when not numbered. A Processor must be given numbers of a single feed.
    std::uint32_t pair = 0;
};

/// The alert's device and failure type as one string ("device\0failure"), written into `out`
/// (reused, so that naming every alert allocates nothing): what a pair is known by.
void pair_name(const Alert& a, std::string& out);

/// What a batch did.
struct BatchResult {
    std::vector<std::string> created;  ///< ticket ids, in creation order
    int duplicates = 0;                ///< alerts already processed (same id)
    int counted = 0, suppressed = 0, updated = 0;

    /// Adds what another batch did (a run's totals).
    BatchResult& operator+=(const BatchResult& o) {
        created.insert(created.end(), o.created.begin(), o.created.end());
        duplicates += o.duplicates;
        counted += o.counted;
        suppressed += o.suppressed;
        updated += o.updated;
        return *this;
    }
};

/// Decides what to do with alerts. Statements are prepared once; each process() call is one
/// transaction, so concurrent processes see each other's alerts and tickets exactly.
class Processor {
  public:
    Processor(State& state, const Settings& settings, timeutil::TimePoint now);
    ~Processor();
    Processor(const Processor&) = delete;
    Processor& operator=(const Processor&) = delete;

    /// Processes the alerts in one transaction (retried as a whole when the state file is
    /// busy). Per alert: a duplicate id is skipped; the alert is stored (the failed
    /// distribution it names is read from it); on the outage list at its time, it never makes or
    /// updates a ticket (and with drop_outage_alerts is not counted); an open ticket of the same
    /// device and failure (not closed, or closed less than `reopen` before the alert) takes it as
    /// an update (reopening a closed one); else, when the alerts in the window ending at its time
    /// meet the threshold, a ticket is created holding them. Alerts that arrive out of order
    /// are counted in the windows their times fall in, so the tickets do not depend on how a
    /// stream is split between runs or processes.
    BatchResult process(std::span<const Alert> alerts);

    /// Like process(), but rolled back: what would happen, with the tickets that would be
    /// created (status "new").
    std::vector<Ticket> dry_run(std::span<const Alert> alerts, BatchResult& result);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Reads an `alert` record into `a`, whose strings are reused (a batch of alerts read again and
/// again allocates little); false (with `why`) when it is not one swd-ticket can use.
bool parse_alert(simdjson::dom::element record, timeutil::TimePoint now, Alert& a,
                 std::string& why);

}  // namespace swd::ticket
