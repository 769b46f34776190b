// Composing e-mail (GMime): tickets, pages and error alerts all go out as proper RFC 5322
// messages, UTF-8 safe.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "libcore/base/time.hpp"

namespace swd::mail {

struct Outgoing {
    std::string from;             ///< "swd-queue <swd@relay-a.east.example.com>" or an address
    std::vector<std::string> to;  ///< addresses
    std::string subject;          ///< UTF-8; encoded as RFC 2047 words when needed
    std::string body;             ///< UTF-8 text/plain (quoted-printable when needed)
    std::string message_id;       ///< "<id@host>"; generated when empty
    timeutil::TimePoint date{};   ///< Date header; now when zero
    std::vector<std::pair<std::string, std::string>> headers;  ///< extra: References, ...
};

/// The message as bytes with CRLF line ends, ready for SMTP DATA or sendmail.
std::string compose(const Outgoing& msg);

/// A new globally unique Message-ID "<YYYYMMDDhhmmss.RANDOM@domain>".
std::string make_message_id(const std::string& domain);

/// The bare address of "Name <addr@host>" or "addr@host".
std::string address_of(const std::string& mailbox);

/// This host's fully qualified name (for Message-IDs and the default sender).
std::string host_name();

}  // namespace swd::mail
