// The distribution log (DESIGN §6): one logfmt line per event, appended by swd-queue, read back
// by swd-redist. A line is `ts=<UTC RFC 3339> key=value ...`; a value is written bare when it is
// made only of printable characters other than space, '"', '=' and '\\', and otherwise
// double-quoted with \" \\ \n \r \t and \xHH escapes. The empty value is "".
//
//   ts=2026-11-21T10:15:03Z dist=D-1 event=received origin=master-1 packages=pkg-a-1.2
//   targets=pos-0042 cmd="swd-queue submit --dist D-1 --package pkg-a-1.2 --target pos-0042"
//
// Events swd-queue writes (`event=`): received (a distribution command accepted; `cmd` is the
// shell-quoted argv exactly as received, so process::split_words(cmd) gives it back), rejected
// (a command refused, with `reason`), result (one package on one target: `result=success|failed`,
// with `failure` and `detail` on failure), queue (a request moved: `queue=hold|pull|abort|done|
// incoming`), login, corrupt (a spool file set aside).
#pragma once

#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "libcore/base/time.hpp"

namespace swd::distlog {

/// Fields of one line in order (without ts).
using Fields = std::vector<std::pair<std::string, std::string>>;

/// A value as written in a line: bare or quoted (see the file comment).
std::string quote(std::string_view value);

/// "ts=... k=v ..." without the newline.
std::string format_line(timeutil::TimePoint ts, const Fields& fields);

/// Parses one line into key -> value (quotes removed, escapes decoded; a repeated key keeps
/// its last value). nullopt when the line is not logfmt: an unterminated quote, a bad escape,
/// a key that is empty or holds '"', or a value that runs into the next pair ('a=b"c').
/// A bare word without '=' is a key with the empty value.
std::optional<std::map<std::string, std::string>> parse_line(std::string_view line);

/// The default log: /var/log/swd/distribution.log for root, $XDG_STATE_HOME/swd/
/// distribution.log (default ~/.local/state/swd/distribution.log) otherwise.
std::filesystem::path default_path();

/// Appends lines to a log file: O_APPEND, one write() per line, so lines from several writers
/// never interleave. The file (and its directory) is created on first use, mode 0644. After
/// logrotate moved the file away, the next append opens the new one. Thread-safe.
class Appender {
  public:
    explicit Appender(std::filesystem::path path);
    ~Appender();
    Appender(const Appender&) = delete;
    Appender& operator=(const Appender&) = delete;

    const std::filesystem::path& path() const { return path_; }

    /// Appends one line. Throws Error(Exit::config, "distribution log PATH: why").
    void append(timeutil::TimePoint ts, const Fields& fields);

  private:
    void reopen_if_rotated();
    std::filesystem::path path_;
    int fd_ = -1;
    std::mutex mutex_;
};

}  // namespace swd::distlog
