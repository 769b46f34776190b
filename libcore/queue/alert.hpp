// Error alert e-mails (DESIGN §5): one per failed attempt, in the shape swd-ingest reads by
// default. They wait in the state file's outbox (kind "alert", ref the request id) until the
// service center takes them: a transient failure is retried for ever, a refusal (5xx) leaves
// the alert failed, raises an open SWD_Alert_Failed event and waits for `alerts retry`.
#pragma once

#include <string>
#include <vector>

#include "libcore/base/state.hpp"
#include "libcore/base/time.hpp"
#include "libcore/mail/compose.hpp"
#include "libcore/mail/outbox.hpp"
#include "libcore/queue/db.hpp"
#include "libcore/queue/settings.hpp"

namespace swd::queue {

struct AlertInfo {
    std::string failure;  ///< connection, access, package, install, disk, timeout, other
    std::string device;   ///< the target
    std::string server;   ///< this intermediate server
    std::string dist;
    std::string package;
    std::string location;  ///< from the target's registration
    std::string region;
    timeutil::TimePoint time{};
    std::string detail;
};

/// "[SWD] connection failure: pos-0042 (pkg-a-1.2) dist D-20261121-0042"
std::string alert_subject(const AlertInfo& a);

/// The Key: Value lines (Failure-Type, Device, Server, Distribution-ID, Package, Location,
/// Region, Time, Detail), one per line, "\n"-terminated. Line breaks inside values become spaces.
std::string alert_body(const AlertInfo& a);

/// The whole message: From "swd-queue <from>", To, Subject, Auto-Submitted: auto-generated,
/// X-SWD-Alert: 1, Date = the failure's time, a Message-ID in the sender's domain.
mail::Outgoing alert_message(const AlertInfo& a, const std::string& from,
                             const std::vector<std::string>& to);

/// The outbox kind of queue alerts.
inline constexpr const char* alert_kind = "alert";

/// What a send did: the outbox counts and the events it raised.
struct AlertReport {
    outbox::Report mail;
    std::vector<Event> events;  ///< one SWD_Alert_Failed per alert refused for good
};

/// Sends the due alerts on the [queue] alert_retry ladder. A transient failure is retried for
/// ever at the ladder's last interval (alerts are never dropped); a permanent refusal (5xx)
/// leaves the alert `failed` and raises an open SWD_Alert_Failed event (MINOR, with the
/// request, its dist and target) in the same transaction.
AlertReport send_alerts(State& state, const Settings& settings, timeutil::TimePoint now);

/// The `outbox` record of a queued alert: id, kind, request, to, subject, status, attempts,
/// next_at (pending), last_error, created, sent_at.
std::string alert_record(const outbox::Entry& e);

}  // namespace swd::queue
