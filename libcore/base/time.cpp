#include "libcore/base/time.hpp"

#include <cstdint>
#include <cstdio>

namespace swd::timeutil {

namespace {

using namespace std::chrono;

// A cursor over the text: every parse_rfc3339 field has a fixed number of digits.
class Scanner {
  public:
    explicit Scanner(std::string_view text) : text_(text) {}

    bool done() const { return pos_ == text_.size(); }
    char peek() const { return done() ? '\0' : text_[pos_]; }

    bool digits(int count, int& value) {
        if (text_.size() - pos_ < static_cast<std::size_t>(count)) return false;
        value = 0;
        for (int i = 0; i < count; ++i) {
            const char c = text_[pos_ + static_cast<std::size_t>(i)];
            if (c < '0' || c > '9') return false;
            value = value * 10 + (c - '0');
        }
        pos_ += static_cast<std::size_t>(count);
        return true;
    }

    bool skip(char c) {
        if (done() || peek() != c) return false;
        ++pos_;
        return true;
    }

    bool skip_any(std::string_view chars) {
        if (done() || chars.find(peek()) == std::string_view::npos) return false;
        ++pos_;
        return true;
    }

    bool is_digit() const { return !done() && peek() >= '0' && peek() <= '9'; }

  private:
    std::string_view text_;
    std::size_t pos_ = 0;
};

// The time-of-day part after the date: "10:15:03[.frac](Z|+hh:mm|-hh:mm)", as seconds since
// midnight UTC of that date (may be negative or past one day because of the offset).
std::optional<seconds> parse_time_of_day(Scanner& s) {
    int hour = 0, minute = 0, second = 0;
    if (!s.digits(2, hour) || !s.skip(':') || !s.digits(2, minute) || !s.skip(':') ||
        !s.digits(2, second)) {
        return std::nullopt;
    }
    if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
    if (s.skip('.')) {
        if (!s.is_digit()) return std::nullopt;
        while (s.is_digit())
            s.skip(s.peek());
    }
    seconds offset{0};
    if (!s.skip_any("Zz")) {
        const char sign = s.peek();
        if (!s.skip_any("+-")) return std::nullopt;
        int off_hour = 0, off_minute = 0;
        if (!s.digits(2, off_hour) || !s.skip(':') || !s.digits(2, off_minute)) {
            return std::nullopt;
        }
        if (off_hour > 23 || off_minute > 59) return std::nullopt;
        offset = hours(off_hour) + minutes(off_minute);
        if (sign == '-') offset = -offset;
    }
    return hours(hour) + minutes(minute) + seconds(second) - offset;
}

bool checked_add(std::int64_t a, std::int64_t b, std::int64_t& out) {
    return !__builtin_add_overflow(a, b, &out);
}

bool checked_mul(std::int64_t a, std::int64_t b, std::int64_t& out) {
    return !__builtin_mul_overflow(a, b, &out);
}

struct Unit {
    char suffix;
    std::int64_t seconds;
};

// Largest first: format_duration picks the first that divides exactly.
constexpr Unit units[] = {{'w', 604800}, {'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};

}  // namespace

TimePoint now() {
    return floor<seconds>(Clock::now());
}

std::string format_rfc3339(TimePoint t) {
    const sys_days day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss hms{t - day};
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                  static_cast<int>(hms.seconds().count()));
    return buf;
}

std::string format_day(TimePoint t) {
    const year_month_day ymd{floor<days>(t)};
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d%02u%02u", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    return buf;
}

std::optional<TimePoint> parse_rfc3339(std::string_view text) {
    Scanner s(text);
    int y = 0, m = 0, d = 0;
    if (!s.digits(4, y) || !s.skip('-') || !s.digits(2, m) || !s.skip('-') || !s.digits(2, d)) {
        return std::nullopt;
    }
    const year_month_day ymd{year(y), month(static_cast<unsigned>(m)),
                             day(static_cast<unsigned>(d))};
    if (!ymd.ok()) return std::nullopt;
    const TimePoint midnight{sys_days(ymd)};
    if (s.done()) return midnight;
    if (!s.skip_any("Tt ")) return std::nullopt;
    const auto time_of_day = parse_time_of_day(s);
    if (!time_of_day || !s.done()) return std::nullopt;
    return midnight + *time_of_day;
}

std::optional<Duration> parse_duration(std::string_view text) {
    if (text.empty()) return std::nullopt;
    std::int64_t total = 0;
    std::size_t i = 0;
    for (bool first = true; i < text.size(); first = false) {
        if (text[i] < '0' || text[i] > '9') return std::nullopt;
        std::int64_t number = 0;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
            if (!checked_mul(number, 10, number) || !checked_add(number, text[i] - '0', number)) {
                return std::nullopt;
            }
            ++i;
        }
        std::int64_t scale = 0;
        if (i == text.size()) {
            // A unit-less number counts as seconds only on its own: "1h30" is ambiguous.
            if (!first) return std::nullopt;
            scale = 1;
        } else {
            for (const Unit& unit : units) {
                if (text[i] == unit.suffix) scale = unit.seconds;
            }
            if (scale == 0) return std::nullopt;
            ++i;
        }
        std::int64_t part = 0;
        if (!checked_mul(number, scale, part) || !checked_add(total, part, total)) {
            return std::nullopt;
        }
    }
    return Duration(total);
}

std::string format_duration(Duration d) {
    const std::int64_t count = d.count();
    if (count == 0) return "0s";
    const Unit* unit = units;
    while (count % unit->seconds != 0)
        ++unit;
    return std::to_string(count / unit->seconds) + unit->suffix;
}

std::optional<TimePoint> parse_since(std::string_view text, TimePoint now) {
    if (const auto back = parse_duration(text)) {
        std::int64_t when = 0;
        if (__builtin_sub_overflow(now.time_since_epoch().count(), back->count(), &when)) {
            return std::nullopt;
        }
        return TimePoint(seconds(when));
    }
    return parse_rfc3339(text);
}

}  // namespace swd::timeutil
