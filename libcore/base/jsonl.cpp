#include "libcore/base/jsonl.hpp"

#include <spdlog/spdlog.h>

#include <cassert>
#include <charconv>
#include <cmath>

namespace swd::jsonl {

std::string Item::where() const {
    return source + ":" + std::to_string(line) + ": " + error;
}

Reader::Reader(std::vector<InputSpec> inputs) : inputs_(std::move(inputs)) {}

namespace {

bool blank(std::string_view line) {
    return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

}  // namespace

bool Reader::next(Item& item) {
    std::string_view line;
    for (;;) {
        if (!lines_) {
            if (index_ == inputs_.size()) return false;
            lines_.emplace(inputs_[index_]);
        }
        if (!lines_->next(line)) {
            lines_.reset();
            ++index_;
            continue;
        }
        if (!blank(line)) break;
    }
    item.source = lines_->input().display();
    item.line = lines_->line_number();
    item.text = line;
    item.error.clear();
    item.doc = {};
    // realloc_if_needed: the line lives in LineReader's buffer, without simdjson's padding.
    auto parsed = parser_.parse(line.data(), line.size(), true);
    if (parsed.error()) {
        item.error = simdjson::error_message(parsed.error());
    } else if (!parsed.value_unsafe().is_object()) {
        item.error = "expected a JSON object";
    } else {
        item.doc = parsed.value_unsafe();
    }
    return true;
}

std::optional<std::string_view> get_string(simdjson::dom::element obj, std::string_view key) {
    std::string_view s;
    if (obj.at_key(key).get(s)) return std::nullopt;
    return s;
}

std::optional<std::int64_t> get_int(simdjson::dom::element obj, std::string_view key) {
    std::int64_t n = 0;
    if (obj.at_key(key).get(n)) return std::nullopt;
    return n;
}

std::optional<bool> get_bool(simdjson::dom::element obj, std::string_view key) {
    bool b = false;
    if (obj.at_key(key).get(b)) return std::nullopt;
    return b;
}

std::optional<std::vector<std::string>> get_strings(simdjson::dom::element obj,
                                                    std::string_view key) {
    simdjson::dom::array array;
    if (obj.at_key(key).get(array)) return std::nullopt;
    std::vector<std::string> out;
    out.reserve(array.size());
    for (simdjson::dom::element e : array) {
        std::string_view s;
        if (e.get(s)) return std::nullopt;
        out.emplace_back(s);
    }
    return out;
}

std::string to_json(simdjson::dom::element value) {
    return simdjson::minify(value);
}

namespace {

constexpr std::string_view replacement = "\xEF\xBF\xBD";  // U+FFFD

bool plain_ascii(unsigned char c) {
    return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

void append_escaped_ascii(std::string& out, unsigned char c) {
    switch (c) {
        case '"':
            out += "\\\"";
            return;
        case '\\':
            out += "\\\\";
            return;
        case '\n':
            out += "\\n";
            return;
        case '\t':
            out += "\\t";
            return;
        case '\r':
            out += "\\r";
            return;
        case '\b':
            out += "\\b";
            return;
        case '\f':
            out += "\\f";
            return;
        default: {
            static constexpr char hex[] = "0123456789abcdef";
            const char esc[] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF]};
            out.append(esc, sizeof esc);
        }
    }
}

/// The bytes a UTF-8 sequence starting with `lead` needs after it, and the range its first
/// continuation byte must fall in (which rules out overlong forms, surrogates and code points
/// above U+10FFFF); 0 needed when `lead` cannot start a sequence.
struct Lead {
    int needed;
    unsigned char lo;
    unsigned char hi;
};

Lead classify(unsigned char lead) {
    if (lead >= 0xC2 && lead <= 0xDF) return {1, 0x80, 0xBF};
    if (lead == 0xE0) return {2, 0xA0, 0xBF};
    if (lead == 0xED) return {2, 0x80, 0x9F};
    if (lead >= 0xE1 && lead <= 0xEF) return {2, 0x80, 0xBF};
    if (lead == 0xF0) return {3, 0x90, 0xBF};
    if (lead >= 0xF1 && lead <= 0xF3) return {3, 0x80, 0xBF};
    if (lead == 0xF4) return {3, 0x80, 0x8F};
    return {0, 0, 0};
}

}  // namespace

void append_string(std::string& out, std::string_view s) {
    out += '"';
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    std::size_t i = 0;
    while (i < s.size()) {
        std::size_t run = i;
        while (run < s.size() && plain_ascii(byte(run)))
            ++run;
        out.append(s.data() + i, run - i);
        i = run;
        if (i == s.size()) break;

        unsigned char c = byte(i);
        if (c < 0x80) {
            append_escaped_ascii(out, c);
            ++i;
            continue;
        }
        // Like Python's decode('utf-8', 'replace'): each maximal prefix of a valid sequence
        // that cannot be completed becomes one U+FFFD, and decoding resumes after it.
        Lead lead = classify(c);
        std::size_t j = i + 1;
        int got = 0;
        unsigned char lo = lead.lo;
        unsigned char hi = lead.hi;
        while (got < lead.needed && j < s.size() && byte(j) >= lo && byte(j) <= hi) {
            ++j;
            ++got;
            lo = 0x80;
            hi = 0xBF;
        }
        if (lead.needed > 0 && got == lead.needed) {
            out.append(s.data() + i, j - i);
        } else {
            out += replacement;
        }
        i = j;
    }
    out += '"';
}

void Writer::before_value() {
    if (after_key_) {
        after_key_ = false;
        return;
    }
    if (first_.empty()) {
        assert(out_.empty() && "a second top-level value");
        return;
    }
    assert(!in_object_.back() && "a value without a key inside an object");
    if (!first_.back()) out_ += ',';
    first_.back() = false;
}

Writer& Writer::begin_object() {
    before_value();
    out_ += '{';
    first_.push_back(true);
    in_object_.push_back(true);
    return *this;
}

Writer& Writer::end_object() {
    assert(!in_object_.empty() && in_object_.back() && !after_key_);
    out_ += '}';
    first_.pop_back();
    in_object_.pop_back();
    return *this;
}

Writer& Writer::begin_array() {
    before_value();
    out_ += '[';
    first_.push_back(true);
    in_object_.push_back(false);
    return *this;
}

Writer& Writer::end_array() {
    assert(!in_object_.empty() && !in_object_.back());
    out_ += ']';
    first_.pop_back();
    in_object_.pop_back();
    return *this;
}

Writer& Writer::key(std::string_view k) {
    assert(!in_object_.empty() && in_object_.back() && !after_key_);
    if (!first_.back()) out_ += ',';
    first_.back() = false;
    append_string(out_, k);
    out_ += ':';
    after_key_ = true;
    return *this;
}

Writer& Writer::value(std::string_view s) {
    before_value();
    append_string(out_, s);
    return *this;
}

Writer& Writer::value(std::int64_t n) {
    before_value();
    char buf[24];
    auto res = std::to_chars(buf, buf + sizeof buf, n);
    out_.append(buf, res.ptr);
    return *this;
}

Writer& Writer::value(double d) {
    before_value();
    // JSON has no NaN or infinity.
    if (!std::isfinite(d)) {
        out_ += "null";
        return *this;
    }
    char buf[32];
    auto res = std::to_chars(buf, buf + sizeof buf, d);
    out_.append(buf, res.ptr);
    return *this;
}

Writer& Writer::value(bool b) {
    before_value();
    out_ += b ? "true" : "false";
    return *this;
}

Writer& Writer::null() {
    before_value();
    out_ += "null";
    return *this;
}

Writer& Writer::raw(std::string_view json) {
    before_value();
    out_ += json;
    return *this;
}

Writer& Writer::field(std::string_view k, const std::vector<std::string>& v) {
    key(k).begin_array();
    for (const auto& s : v)
        value(s);
    return end_array();
}

void Writer::clear() {
    out_.clear();
    first_.clear();
    in_object_.clear();
    after_key_ = false;
}

Record::Record(std::string_view type, int version) {
    begin_object();
    field("type", type);
    field("v", version);
}

std::string Record::finish() {
    end_object();
    return take();
}

LineWarnings::~LineWarnings() {
    try {
        finish();
    } catch (...) {  // a log that cannot be written has nowhere to say so
    }
}

void LineWarnings::operator()(const std::string& text) {
    if (seen_++ < cap_) spdlog::warn("{}", text);
}

void LineWarnings::finish() {
    if (seen_ > cap_) {
        const std::size_t more = seen_ - cap_;
        spdlog::warn("... and {} more bad line{}", more, more == 1 ? "" : "s");
    }
    seen_ = std::min(seen_, cap_);
}

}  // namespace swd::jsonl
