// Getting tickets to the maintenance centers (seed 002, steps 228-238): a new ticket gets its
// diagnostics, its location checked against the inventory and its center, then its mail goes
// to the persistent outbox (or waits for the end of the shift, to go out merged with the
// center's other tickets), with a page when the device's paging switch is on. `send` releases
// held tickets, writes update mails for tickets that received alerts since their mail went
// out, and delivers the outbox on the retry ladder.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "libcore/base/state.hpp"
#include "libcore/mail/outbox.hpp"
#include "libcore/ticket/config.hpp"
#include "libcore/ticket/store.hpp"

namespace swd::ticket {

/// The end of the shift `t` falls in: the first configured shift end (local time) after `t`.
timeutil::TimePoint shift_end(timeutil::TimePoint t, const std::vector<int>& shifts);

/// Finishes tickets that were created (stage `new`, claimed when they were made): runs the
/// diagnostics outside any transaction, checks the location against the inventory (correcting it
/// and keeping the alert's as location_corrected_from; an unknown device is location_unverified),
/// routes to a center, and marks the ticket ready for its mail (`queued`) or held until the
/// end of the shift; a page goes to the outbox at once (due now: see deliver_pages).
/// `ids` names the tickets this process just created (none: nothing is done). Returns the
/// finished tickets.
std::vector<Ticket> finish_tickets(State& state, const Settings& settings, timeutil::TimePoint now,
                                   const std::vector<std::string>& ids);

/// Claims and finishes the tickets another process left unfinished: those whose claimer is gone
/// (killed: at once) or whose claim is older than outbox::stale_claim (10 minutes), and with
/// `unrouted` the unrouted tickets, whose center may now be known. Returns them.
std::vector<Ticket> recover_tickets(State& state, const Settings& settings, timeutil::TimePoint now,
                                    bool unrouted);

/// The pages that are due (those finish_tickets just queued, and any other due page) delivered
/// at once, by `process` right after it made their tickets: the outbox's rules apply, so a page
/// that fails now stays queued and `send` retries it on the ladder.
outbox::Report deliver_pages(State& state, const Settings& settings, timeutil::TimePoint now);

/// How many tickets were left unrouted, by why: said once per run, not once per ticket.
using Unrouted = std::map<std::string, int>;
/// Adds the unrouted tickets among `tickets` to `counts`.
void count_unrouted(const std::vector<Ticket>& tickets, Unrouted& counts);
/// One warning per reason: "3 tickets unrouted: [ticket] default_center is not set ...".
void warn_unrouted(const Unrouted& counts);

struct SendReport {
    int finished = 0;   ///< tickets recovered by recover_tickets
    Unrouted unrouted;  ///< those of them still unrouted
    int mails = 0;      ///< ticket mails written
    int digests = 0;    ///< merged messages for held tickets
    int updates = 0;    ///< update mails written
    outbox::Report mail;
};

/// `swd-ticket send`: recovery, release of held tickets whose shift has ended (all of them with
/// `flush`) as one message per center, the mails of ready tickets (rendered from the template
/// into the outbox), update mails (one per ticket and run, with References: to the ticket's
/// mail, only once that mail was accepted), then delivery of everything due.
SendReport send(State& state, const Settings& settings, timeutil::TimePoint now, bool flush);

}  // namespace swd::ticket
