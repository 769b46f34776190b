// swd-ingest: alert mail in, `alert` and `reject` records out (DESIGN §4, §5, §8; seed 002,
// "parsing 216"). Messages come from mailbox::Reader, are parsed by message::parse, become
// fields by Rules, and are deduplicated by Message-ID in the state file.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "libcore/base/config.hpp"
#include "libcore/base/error.hpp"
#include "libcore/base/state.hpp"
#include "libcore/mail/message.hpp"

namespace swd::ingest {

/// The [ingest] keys: aliases, rules, failure_types, max_size.
const ConfigKeys& config_keys();
/// Table ingest_seen(key, alert, source, seen): every message ingested, by Message-ID or hash;
/// table ingest_out: the records of a batch between its commit and their write.
const Schema& schema();

/// The fields an alert body announces (DESIGN §5), in record order.
enum class Field { failure, device, server, dist, package, location, region, time, detail };
inline constexpr std::size_t field_count = 9;
using Fields = std::array<std::optional<std::string>, field_count>;

/// The canonical failure types, in the order synonyms are tried.
inline constexpr std::array<std::string_view, 7> failure_types{
    "connection", "access", "package", "install", "disk", "timeout", "other"};

/// How a message becomes fields: `Key: Value` body lines under the DESIGN §5 keys and their
/// aliases, then regular-expression rules with named groups for what is still missing, and
/// announced failure texts mapped onto the canonical types.
class Rules {
  public:
    /// The built-in keys and failure synonyms only.
    Rules();
    ~Rules();
    Rules(Rules&&) noexcept;
    Rules& operator=(Rules&&) noexcept;

    /// The built-ins plus [ingest] aliases, rules and failure_types from the configuration.
    /// Throws Error(Exit::config, "ingest.KEY: why") for an alias or synonym naming an unknown
    /// field or type, an invalid expression, or a group that names no field.
    static Rules from_config(const Config& config);

    /// A body key ("Workstation", case-insensitive) that fills `field` (a record key such as
    /// "device", or a DESIGN §5 key such as "Distribution-ID").
    void add_alias(std::string_view key, std::string_view field);
    /// A PCRE expression whose named groups ((?<device>...), (?P<device>...)) fill fields; it is
    /// matched against the subject and the body (multi-line: ^ and $ match at line ends).
    void add_rule(std::string_view expression);
    /// Failure text containing `text` (case-insensitive) means `type`; tried before the
    /// built-in synonyms, in the order added.
    void add_failure_synonym(std::string_view text, std::string_view type);

    /// The fields of a message: `Key: Value` lines of the body (the first of each key wins;
    /// reading stops at a "-- " signature line), then the rules over subject and body for the
    /// fields still missing. `failure` holds the announced text as found.
    Fields extract(std::string_view subject, std::string_view body) const;
    /// The canonical type of an announced failure text: a canonical name itself, else the
    /// first synonym it contains, else "other".
    std::string failure_type(std::string_view text) const;

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

/// An alert: what the message says, with the failure mapped.
struct Alert {
    message::Message msg;  ///< without its body, which has been turned into fields
    Fields fields;         ///< `failure` holds the canonical type
    std::optional<std::string> failure_text;  ///< the announced text, when not a type itself
};

/// Extracts the fields of a parsed message (its body is consumed).
Alert make_alert(message::Message msg, const Rules& rules);

/// The `alert` record (DESIGN §4): type, v, id, message_id, date, from, node, domain, subject,
/// auto_submitted, failure, failure_text, device, server, dist, package, location, region,
/// time, detail, forwarded, source; absent fields left out.
std::string alert_record(const Alert& alert, const std::string& id, const std::string& source);

/// The id an alert gets without a state file: A-YYYYMMDD-NNNNNNNNNNNN, the day of `when`
/// and twelve digits from the sha256 of the dedupe key, so the same message always gets the
/// same id.
std::string stateless_id(const std::string& key, timeutil::TimePoint when);

}  // namespace swd::ingest
