// Error alert e-mails (DESIGN §5): one per failed attempt, in the shape swd-ingest reads by
// default.
#pragma once

#include <string>
#include <vector>

#include "libcore/mail.hpp"
#include "libcore/time.hpp"

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

}  // namespace swd::queue
