// Job ticket texts (seed 002, step 234: "created in e-mail form from an electronic template"):
// the ticket body and subject from Mustache templates (mstch), and the fixed shapes of pages
// and of a shift's merged message.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "libcore/ticket/store.hpp"

namespace swd::ticket {

/// The built-in ticket template; examples/ticket.mustache is a copy of it.
std::string_view default_template();

/// Why a ticket text is being written.
enum class Occasion { created, update };

/// Renders `tmpl` for the ticket. Fields: id, status, device, failure, count, threshold, window,
/// first, last, created, now, location, location_corrected_from, location_unverified, region,
/// building, address, center, to, package, server, dist, detail, diagnostics (list of
/// name/output), ping, traceroute, alerts (list of id/time), alert_ids, update, reopened,
/// updates. Values are inserted as they are (no HTML escaping: tickets are plain text).
std::string render(std::string_view tmpl, const Ticket& t, Occasion occasion,
                   timeutil::TimePoint now);

/// A short page for a pager: one line, the essentials.
std::string page_text(const Ticket& t);

/// The subject of a shift's merged message: the center and every ticket id in brackets, so
/// replies can be matched.
std::string digest_subject(const std::string& center, const std::vector<Ticket>& tickets);

}  // namespace swd::ticket
