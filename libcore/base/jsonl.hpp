// JSON Lines: a streaming reader (simdjson) where a bad line is a value, not the end of the
// stream, and a writer with correct escaping that puts "type" and "v" first.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libcore/base/input.hpp"

namespace swd::jsonl {

/// One line of a JSONL input: either a parsed JSON object or an error.
struct Item {
    std::string source;          ///< input display name ("stdin", a path)
    std::size_t line = 0;        ///< 1-based line number in that input
    std::string_view text;       ///< the raw line, valid until the next call to next()
    simdjson::dom::element doc;  ///< the parsed object (when ok()), valid until the next call
    std::string error;           ///< why the line is not a JSON object; empty when ok()

    bool ok() const { return error.empty(); }
    /// "stdin:12: <error>" — for one-line messages.
    std::string where() const;
};

/// Reads JSON objects one per line from the inputs in turn, skipping blank lines. A line that
/// is not valid JSON, or is valid JSON but not an object, comes back as an Item with `error`
/// set ("expected a JSON object", simdjson's message for bad JSON). I/O errors throw
/// (see LineReader).
class Reader {
  public:
    explicit Reader(std::vector<InputSpec> inputs);
    bool next(Item& item);

  private:
    std::vector<InputSpec> inputs_;
    std::size_t index_ = 0;
    std::optional<LineReader> lines_;
    simdjson::dom::parser parser_;
};

/// Warnings about bad input lines, capped: the first `cap` go to the log as they come, then only
/// their number, said once by finish() ("... and 388 more bad lines"), so that binary or
/// garbage input gives a few lines on stderr, not one per pseudo-line.
class LineWarnings {
  public:
    explicit LineWarnings(std::size_t cap = 10) : cap_(cap) {}
    /// Says what finish() has not said yet.
    ~LineWarnings();
    LineWarnings(const LineWarnings&) = delete;
    LineWarnings& operator=(const LineWarnings&) = delete;

    /// One warning (a whole line, "FILE:LINE: why"), said or counted.
    void operator()(const std::string& text);
    /// Says how many were not said, if any.
    void finish();

  private:
    std::size_t cap_;
    std::size_t seen_ = 0;
};

/// Field access on a parsed object; absent or of another type gives nullopt.
std::optional<std::string_view> get_string(simdjson::dom::element obj, std::string_view key);
std::optional<std::int64_t> get_int(simdjson::dom::element obj, std::string_view key);
std::optional<bool> get_bool(simdjson::dom::element obj, std::string_view key);
/// An array of strings; nullopt when absent, not an array, or holding a non-string.
std::optional<std::vector<std::string>> get_strings(simdjson::dom::element obj,
                                                    std::string_view key);
/// The value's JSON text, minified (for copying sub-objects into other records).
std::string to_json(simdjson::dom::element value);

/// Appends `s` as a JSON string literal (with quotes) to `out`: escapes '"', '\\' and every
/// control character (\n \t \r \b \f, others as \u00XX), keeps valid UTF-8 as is, and replaces
/// each invalid UTF-8 sequence (overlong forms, surrogates, > U+10FFFF, truncated) by U+FFFD.
void append_string(std::string& out, std::string_view s);

/// Builds one JSON text. Keys and values are escaped; commas are placed for you.
/// Misuse (a value without a key inside an object) is a programming error (assert).
class Writer {
  public:
    Writer& begin_object();
    Writer& end_object();
    Writer& begin_array();
    Writer& end_array();
    Writer& key(std::string_view k);
    Writer& value(std::string_view s);
    Writer& value(const char* s) { return value(std::string_view(s)); }
    Writer& value(const std::string& s) { return value(std::string_view(s)); }
    Writer& value(std::int64_t n);
    Writer& value(int n) { return value(static_cast<std::int64_t>(n)); }
    Writer& value(double d);
    Writer& value(bool b);
    Writer& null();
    /// Inserts already-valid JSON text as a value.
    Writer& raw(std::string_view json);

    /// key + value; the optional forms write nothing when empty ("absent means unknown").
    template <class T>
    Writer& field(std::string_view k, const T& v) {
        return key(k).value(v);
    }
    Writer& field(std::string_view k, const std::optional<std::string>& v) {
        return v ? key(k).value(*v) : *this;
    }
    Writer& field(std::string_view k, const std::vector<std::string>& v);

    const std::string& str() const { return out_; }
    std::string take() { return std::move(out_); }
    void clear();

  private:
    void before_value();
    std::string out_;
    std::vector<bool> first_;      // per open container: no element written yet
    std::vector<bool> in_object_;  // per open container: it is an object (keys expected)
    bool after_key_ = false;
};

/// A record: `{"type":TYPE,"v":V, ...}` — begin with the type and version, add fields, then
/// finish() returns the line without "\n".
class Record : public Writer {
  public:
    explicit Record(std::string_view type, int version = 1);
    std::string finish();
};

}  // namespace swd::jsonl
