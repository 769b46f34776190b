// Output of records: JSON Lines for programs, an aligned table for people.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace swd {

enum class Format { jsonl, table };

/// --format: "jsonl" (alias "json"), "table", or "auto": a table when stdout is a terminal,
/// JSONL otherwise. Throws Error(Exit::usage) for anything else.
Format resolve_format(std::string_view flag);

/// Writes records to stdout (or `out`). In JSONL mode each record is written at once, one per
/// line. In table mode records are kept until finish() and rendered as aligned columns with an
/// upper-case header: `columns` when given, else the keys of the first record in order, without
/// "type" and "v"; nested values are shown as compact JSON, absent ones as "-".
/// A write to a closed pipe throws OutputClosed; any other write error throws Error.
class RecordOutput {
  public:
    explicit RecordOutput(Format format, std::vector<std::string> columns = {},
                          std::FILE* out = stdout);
    /// `json` is one JSON object without the trailing "\n".
    void write(std::string_view json);
    /// Renders the table (table mode) and flushes.
    void finish();
    std::size_t count() const { return count_; }

  private:
    Format format_;
    std::vector<std::string> columns_;
    std::FILE* out_;
    std::vector<std::string> pending_;
    std::size_t count_ = 0;
};

/// Writes `data` to `out` in full; throws OutputClosed on EPIPE and Error otherwise.
void write_all(std::FILE* out, std::string_view data);

}  // namespace swd
