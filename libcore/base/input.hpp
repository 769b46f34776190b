// The input rule every tool follows, and a line reader over files, gzip files and stdin.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace swd {

/// One input named on the command line: a path, or stdin.
struct InputSpec {
    std::string path;  ///< the path as given; "-" for stdin
    bool is_stdin() const { return path == "-"; }
    /// For messages and `source` fields: the path, or "stdin".
    std::string display() const { return is_stdin() ? "stdin" : path; }
};

/// The input rule (DESIGN §3): files named on the command line; `-` is stdin; no file and stdin
/// not a terminal means stdin. No file with stdin a terminal throws Error(Exit::usage,
/// "no input: name a file, or pipe records in").
std::vector<InputSpec> resolve_inputs(const std::vector<std::string>& args);

/// Reads lines from a file or stdin, plain or gzip (detected by its magic bytes), in bounded
/// memory. Lines are returned without their "\n" (and without a "\r" before it).
class LineReader {
  public:
    /// Opens the input; throws Error(Exit::config, "PATH: <strerror>") when it cannot.
    explicit LineReader(const InputSpec& input);
    ~LineReader();
    LineReader(const LineReader&) = delete;
    LineReader& operator=(const LineReader&) = delete;

    /// The next line, valid until the next call. Returns false at the end of the input.
    /// A last line without "\n" is still returned. Throws Error(Exit::partial,
    /// "PATH: truncated gzip stream") or a read error with the path as context.
    bool next(std::string_view& line);

    /// 1-based number of the line last returned.
    std::size_t line_number() const { return line_no_; }
    /// Bytes consumed from the (decompressed) input so far.
    std::uint64_t offset() const { return offset_; }
    const InputSpec& input() const { return input_; }

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    InputSpec input_;
    std::size_t line_no_ = 0;
    std::uint64_t offset_ = 0;
};

}  // namespace swd
