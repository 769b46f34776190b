// Time: RFC 3339 UTC timestamps, durations ("30s 5m 1h 7d") and --since (duration or date).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace swd::timeutil {

using Clock = std::chrono::system_clock;
/// Every timestamp swd stores or prints: whole seconds, UTC.
using TimePoint = std::chrono::sys_seconds;
using Duration = std::chrono::seconds;

/// The current time, truncated to seconds.
TimePoint now();

/// "2026-11-21T10:15:03Z". Always UTC, always this shape.
std::string format_rfc3339(TimePoint t);

/// "20261121": the day part of readable ids.
std::string format_day(TimePoint t);

/// Parses RFC 3339 ("2026-11-21T10:15:03Z", "...03.5+02:00", lower-case t/z, a space instead
/// of T) and the date-only "2026-11-21" (midnight UTC). Fractions are dropped. Returns nullopt
/// on anything else, including out-of-range fields (month 13, Feb 30, hour 24).
std::optional<TimePoint> parse_rfc3339(std::string_view text);

/// Parses "30s", "5m", "1h", "7d", "2w" and sums like "1h30m"; a bare number is seconds.
/// Returns nullopt for empty, negative, unknown units or overflow.
std::optional<Duration> parse_duration(std::string_view text);

/// The shortest exact form: 90 -> "90s", 300 -> "5m", 5400 -> "90m", 86400 -> "1d", 0 -> "0s".
std::string format_duration(Duration d);

/// --since: a duration back from `now` ("7d") or a date/time (parse_rfc3339).
/// Returns nullopt when it is neither.
std::optional<TimePoint> parse_since(std::string_view text, TimePoint now);

}  // namespace swd::timeutil
