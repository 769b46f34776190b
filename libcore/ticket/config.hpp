// swd-ticket's configuration: the [ticket] keys and the settings they resolve to.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "libcore/base/config.hpp"
#include "libcore/base/time.hpp"
#include "libcore/mail/smtp.hpp"

namespace swd::ticket {

/// The [ticket] keys (window, reopen, threshold, thresholds, drop_outage_alerts, diagnostics,
/// ping, traceroute, diagnostics_timeout, diagnostics_limit, template, subject, retry, hold,
/// shifts, default_center, from, batch), and [smtp] ca_file.
const ConfigKeys& config_keys();

/// The failure types' built-in thresholds: connection 4, timeout 3, access 2, package 1,
/// install 1, disk 1, other 3.
const std::map<std::string, int>& default_thresholds();

struct Settings {
    timeutil::Duration window{24 * 3600};
    timeutil::Duration reopen{4 * 3600};
    int threshold = 3;                      ///< for failure types without their own default
    std::map<std::string, int> thresholds;  ///< per failure type: built-ins, then the config
    bool drop_outage_alerts = false;
    bool diagnostics = true;
    std::string ping;        ///< argv template; empty: no ping
    std::string traceroute;  ///< argv template; empty: no traceroute
    timeutil::Duration diagnostics_timeout{30};
    std::size_t diagnostics_limit = 4000;  ///< bytes kept of each diagnostic's output
    std::string template_text;             ///< the ticket body template (Mustache)
    std::string subject;                   ///< the subject template (Mustache)
    std::vector<timeutil::Duration> retry;
    bool hold_shift = false;
    std::vector<int> shifts;  ///< shift ends, minutes after local midnight, sorted
    std::string default_center;
    std::string from;  ///< sender of tickets and pages
    smtp::Settings smtp;
    int batch = 50000;  ///< alerts per transaction
};

/// Resolves the configuration. Throws Error(Exit::config, "ticket.KEY: why") for a bad value
/// (an unreadable template, a shift that is not HH:MM, a threshold below 1).
Settings settings_from(const Config& config);

}  // namespace swd::ticket
