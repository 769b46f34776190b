// One received RFC 5322 message, parsed with GMime into what an alert needs: decoded UTF-8
// headers, the sender split into node and domain, the date in UTC, and the text of the body.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "libcore/base/time.hpp"

namespace swd::message {

/// What swd-ingest reads from a message. Absent means the message did not say (or said it in a
/// form that could not be understood).
struct Message {
    std::optional<std::string> message_id;      ///< with angle brackets: "<id@host>"
    std::optional<std::string> from;            ///< bare address, host part lower-cased
    std::optional<std::string> node;            ///< first label of the sender's host
    std::optional<std::string> domain;          ///< the rest of the host (absent for a bare host)
    std::optional<timeutil::TimePoint> date;    ///< Date header, in UTC
    std::optional<std::string> subject;         ///< decoded (RFC 2047, charsets) to UTF-8
    std::optional<std::string> auto_submitted;  ///< RFC 3834 keyword, lower case: "auto-replied"
    /// The body as valid UTF-8 text with "\n" line ends: the first text/plain part, else the
    /// text of the first text/html part; when the message forwards another one as a
    /// message/rfc822 part, the body of that inner message.
    std::string body;
    bool forwarded = false;  ///< `body` comes from a forwarded (message/rfc822) message
};

/// Parses one message (CRLF or LF line ends). Header words (RFC 2047) and 8-bit header text
/// are decoded to UTF-8, transfer encodings and body charsets decoded; an unknown charset or
/// undecodable text is decoded best-effort. Bounded in work and stack: MIME nesting deeper than
/// 64 levels is not searched for text. Throws Error(Exit::partial, why) when the bytes are not
/// a message: empty, no header block ("no header block"), or no sender address
/// ("no sender address").
///
/// Simple messages (ASCII headers, a single text/plain body) take a fast path that reads the
/// same values with the same GMime functions without building GMime's object tree; `fast`
/// false forces the full parse (the tests compare both).
Message parse(std::string_view raw, bool fast = true);

/// An RFC 5322 date ("Sat, 21 Nov 2026 11:15:03 +0100", also the common sloppy forms) or an
/// RFC 3339 timestamp, in UTC; nullopt when it is neither.
std::optional<timeutil::TimePoint> parse_date(std::string_view text);

/// The readable text of an HTML document: tags dropped (with the content of script, style and
/// head), block ends as line breaks, table cells separated by a space, character references
/// (named, decimal, hexadecimal) decoded. Output is UTF-8 when the input is.
std::string html_to_text(std::string_view html);

}  // namespace swd::message
