// Device diagnostics before a ticket goes out (seed 002, step 228): the real ping and traceroute
// to the device, each with a timeout, their output trimmed and attached to the ticket.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "libcore/ticket/config.hpp"

namespace swd::ticket {

/// One device to examine.
struct DiagnosticTarget {
    std::string device;
    std::string address;  ///< from the inventory; the device name when unknown
};

/// Runs the configured commands (`ping`, `traceroute`; argv templates with {address} and
/// {device}, never a shell) for the target, each with the diagnostics timeout. Returns
/// name -> output (stdout and stderr, trimmed to the configured limit, with how the command
/// ended when it failed). An address that could be taken for an option or holds characters no
/// host name has is not passed to any command; its entry says why. A command that cannot be
/// started gives its error as output.
std::vector<std::pair<std::string, std::string>> run_diagnostics(const Settings& settings,
                                                                 const DiagnosticTarget& target);

/// run_diagnostics for many targets, up to `parallel` at a time; results in target order.
std::vector<std::vector<std::pair<std::string, std::string>>> run_diagnostics(
    const Settings& settings, const std::vector<DiagnosticTarget>& targets, int parallel = 8);

}  // namespace swd::ticket
