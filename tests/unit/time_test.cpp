#include "libcore/base/time.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <limits>
#include <string>

using namespace swd::timeutil;
using namespace std::chrono;

namespace {

TimePoint at(int y, unsigned m, unsigned d, int hh = 0, int mm = 0, int ss = 0) {
    return TimePoint{sys_days(year(y) / month(m) / day(d))} + hours(hh) + minutes(mm) + seconds(ss);
}

}  // namespace

TEST_CASE("now is whole seconds close to the system clock", "[time]") {
    const TimePoint t = now();
    const auto system = system_clock::now();
    CHECK(t <= system);
    CHECK(system - t < seconds(2));
}

TEST_CASE("format_rfc3339 and format_day", "[time]") {
    CHECK(format_rfc3339(at(2026, 11, 21, 10, 15, 3)) == "2026-11-21T10:15:03Z");
    CHECK(format_rfc3339(TimePoint{}) == "1970-01-01T00:00:00Z");
    CHECK(format_rfc3339(at(1969, 12, 31, 23, 59, 59)) == "1969-12-31T23:59:59Z");
    CHECK(format_rfc3339(at(2024, 2, 29, 0, 0, 0)) == "2024-02-29T00:00:00Z");
    CHECK(format_rfc3339(at(9999, 12, 31, 23, 59, 59)) == "9999-12-31T23:59:59Z");
    CHECK(format_rfc3339(at(5, 1, 2, 3, 4, 5)) == "0005-01-02T03:04:05Z");
    CHECK(format_day(at(2026, 11, 21, 23, 59, 59)) == "20261121");
    CHECK(format_day(at(2000, 1, 1)) == "20000101");
}

TEST_CASE("parse_rfc3339 accepts RFC 3339 forms and dates", "[time]") {
    const TimePoint t = at(2026, 11, 21, 10, 15, 3);
    CHECK(parse_rfc3339("2026-11-21T10:15:03Z") == t);
    CHECK(parse_rfc3339("2026-11-21t10:15:03z") == t);
    CHECK(parse_rfc3339("2026-11-21 10:15:03Z") == t);
    CHECK(parse_rfc3339("2026-11-21T10:15:03.5Z") == t);
    CHECK(parse_rfc3339("2026-11-21T10:15:03.999999999Z") == t);
    CHECK(parse_rfc3339("2026-11-21T10:15:03+00:00") == t);
    CHECK(parse_rfc3339("2026-11-21T10:15:03-00:00") == t);
    CHECK(parse_rfc3339("2026-11-21") == at(2026, 11, 21));
    CHECK(parse_rfc3339("1970-01-01T00:00:00Z") == TimePoint{});
    CHECK(parse_rfc3339("0000-01-01") == at(0, 1, 1));
    CHECK(parse_rfc3339("9999-12-31T23:59:59Z") == at(9999, 12, 31, 23, 59, 59));
}

TEST_CASE("parse_rfc3339 converts offsets to UTC", "[time]") {
    CHECK(parse_rfc3339("2026-11-21T12:15:03+02:00") == at(2026, 11, 21, 10, 15, 3));
    CHECK(parse_rfc3339("2026-11-21T12:15:03.25+02:00") == at(2026, 11, 21, 10, 15, 3));
    CHECK(parse_rfc3339("2026-11-21T05:45:03-04:30") == at(2026, 11, 21, 10, 15, 3));
    // Offsets that move the instant across a day, month and year boundary.
    CHECK(parse_rfc3339("2026-01-01T01:00:00+05:30") == at(2025, 12, 31, 19, 30, 0));
    CHECK(parse_rfc3339("2025-12-31T23:00:00-02:00") == at(2026, 1, 1, 1, 0, 0));
    CHECK(parse_rfc3339("2024-02-28T23:30:00-01:00") == at(2024, 2, 29, 0, 30, 0));
    CHECK(parse_rfc3339("2026-06-01T00:00:00+23:59") == at(2026, 5, 31, 0, 1, 0));
}

TEST_CASE("parse_rfc3339 checks leap years", "[time]") {
    CHECK(parse_rfc3339("2024-02-29") == at(2024, 2, 29));
    CHECK(parse_rfc3339("2000-02-29") == at(2000, 2, 29));
    CHECK_FALSE(parse_rfc3339("2023-02-29"));
    CHECK_FALSE(parse_rfc3339("1900-02-29"));
    CHECK_FALSE(parse_rfc3339("2100-02-29T00:00:00Z"));
    CHECK_FALSE(parse_rfc3339("2024-02-30"));
    CHECK(parse_rfc3339("2023-02-28") == at(2023, 2, 28));
}

TEST_CASE("parse_rfc3339 rejects everything else", "[time]") {
    for (const char* bad : {
             "",
             "2026",
             "2026-11",
             "2026-13-01",
             "2026-00-10",
             "2026-11-00",
             "2026-11-31",
             "2026-04-31",
             "2026-11-21T24:00:00Z",
             "2026-11-21T23:60:00Z",
             "2026-11-21T23:59:60Z",
             "2026-11-21T10:15:03",
             "2026-11-21T10:15Z",
             "2026-11-21T10:15:03+0200",
             "2026-11-21T10:15:03+02",
             "2026-11-21T10:15:03+24:00",
             "2026-11-21T10:15:03+02:60",
             "2026-11-21T10:15:03.Z",
             "2026-11-21T10:15:03,5Z",
             "2026-11-21T10:15:03ZZ",
             "2026-11-21T10:15:03Z ",
             " 2026-11-21",
             "2026-11-21 ",
             "2026-11-21T",
             "2026-11-21X10:15:03Z",
             "2026/11/21",
             "26-11-21",
             "20261121",
             "2026-1-21",
             "2026-11-2",
             "+2026-11-21",
             "2026-11-21T1:15:03Z",
             "2026-11-21T10:15:03UTC",
             "２０２６-11-21",
             "yesterday",
         }) {
        INFO(bad);
        CHECK_FALSE(parse_rfc3339(bad));
    }
}

TEST_CASE("format_rfc3339 and parse_rfc3339 round trip", "[time]") {
    for (const TimePoint t : {at(2026, 11, 21, 10, 15, 3), TimePoint{}, at(2024, 2, 29, 23, 59, 59),
                              at(1999, 12, 31, 0, 0, 1), now()}) {
        CHECK(parse_rfc3339(format_rfc3339(t)) == t);
    }
}

TEST_CASE("parse_duration reads units and sums", "[time]") {
    CHECK(parse_duration("30s") == seconds(30));
    CHECK(parse_duration("5m") == minutes(5));
    CHECK(parse_duration("1h") == hours(1));
    CHECK(parse_duration("7d") == days(7));
    CHECK(parse_duration("2w") == weeks(2));
    CHECK(parse_duration("1h30m") == minutes(90));
    CHECK(parse_duration("1w2d3h4m5s") == weeks(1) + days(2) + hours(3) + minutes(4) + seconds(5));
    CHECK(parse_duration("90") == seconds(90));
    CHECK(parse_duration("0") == seconds(0));
    CHECK(parse_duration("0s") == seconds(0));
    CHECK(parse_duration("007m") == minutes(7));
    CHECK(parse_duration("9223372036854775807") ==
          seconds(std::numeric_limits<std::int64_t>::max()));
    CHECK(parse_duration("9223372036854775807s") ==
          seconds(std::numeric_limits<std::int64_t>::max()));
}

TEST_CASE("parse_duration rejects bad input and overflow", "[time]") {
    for (const char* bad : {
             "",
             "-5m",
             "+5m",
             "s",
             "m5",
             "5x",
             "5M",
             "5H",
             "1h30",
             "1h 30m",
             " 5m",
             "5m ",
             "1.5h",
             "5mm",
             "1y",
             "9223372036854775808",
             "9223372036854775807m",
             "15250284452472w",
             "99999999999999999999s",
             "9223372036854775807s1s",
         }) {
        INFO(bad);
        CHECK_FALSE(parse_duration(bad));
    }
}

TEST_CASE("format_duration picks the shortest exact form", "[time]") {
    CHECK(format_duration(seconds(0)) == "0s");
    CHECK(format_duration(seconds(1)) == "1s");
    CHECK(format_duration(seconds(59)) == "59s");
    CHECK(format_duration(seconds(60)) == "1m");
    CHECK(format_duration(seconds(90)) == "90s");
    CHECK(format_duration(seconds(300)) == "5m");
    CHECK(format_duration(seconds(5400)) == "90m");
    CHECK(format_duration(seconds(3600)) == "1h");
    CHECK(format_duration(seconds(86400)) == "1d");
    CHECK(format_duration(seconds(90000)) == "25h");
    CHECK(format_duration(days(7)) == "1w");
    CHECK(format_duration(days(8)) == "8d");
    CHECK(format_duration(days(14)) == "2w");
    CHECK(format_duration(seconds(3601)) == "3601s");
    CHECK(format_duration(seconds(std::numeric_limits<std::int64_t>::max())) ==
          "9223372036854775807s");
}

TEST_CASE("format_duration and parse_duration round trip", "[time]") {
    for (const std::int64_t s : {0LL, 1LL, 59LL, 60LL, 61LL, 3599LL, 3600LL, 5400LL, 86399LL,
                                 86400LL, 604800LL, 1209600LL, 123456789LL}) {
        INFO(s);
        CHECK(parse_duration(format_duration(seconds(s))) == seconds(s));
    }
}

TEST_CASE("parse_since takes a duration back from now or a date", "[time]") {
    const TimePoint base = at(2026, 11, 21, 10, 15, 3);
    CHECK(parse_since("7d", base) == at(2026, 11, 14, 10, 15, 3));
    CHECK(parse_since("1h30m", base) == at(2026, 11, 21, 8, 45, 3));
    CHECK(parse_since("0s", base) == base);
    CHECK(parse_since("60", base) == at(2026, 11, 21, 10, 14, 3));
    CHECK(parse_since("2026-11-01", base) == at(2026, 11, 1));
    CHECK(parse_since("2026-11-20T12:00:00+02:00", base) == at(2026, 11, 20, 10, 0, 0));
    CHECK(parse_since("2027-01-01", base) == at(2027, 1, 1));
    CHECK_FALSE(parse_since("", base));
    CHECK_FALSE(parse_since("last week", base));
    CHECK_FALSE(parse_since("2026-02-30", base));
    CHECK_FALSE(parse_since("-7d", base));
    CHECK_FALSE(parse_since("9223372036854775807s", TimePoint{seconds(-10)}));
}
