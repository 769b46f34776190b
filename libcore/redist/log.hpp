// Searching the distribution logs for failed jobs (seed 002, FIG. 2 steps 126-130; DESIGN §6):
// the current log and its rotations, newest first and without opening what cannot hold the jobs,
// read as a stream (plain or gzip), picking out the `received` and `result` lines of a set of
// distributions.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "libcore/base/time.hpp"

namespace swd::redist {

/// A log file and its modification time: every line in it is at most that old, since lines
/// carry their append time and logrotate and gzip keep the time of the file they move.
struct LogFile {
    std::filesystem::path path;
    timeutil::TimePoint mtime{};
};

/// The log `current` and its rotations beside it: every file in its directory whose name is
/// the log's name alone or followed by '.' or '-' (distribution.log.1, .2.gz, -20261121.gz),
/// oldest first. A missing current log is no error. Throws Error(Exit::config) when the
/// directory cannot be read.
std::vector<LogFile> rotation_set(const std::filesystem::path& current);

/// Every such file of the log named `base` in `dir` (--log-dir), oldest first.
std::vector<LogFile> rotation_set_in(const std::filesystem::path& dir, const std::string& base);

/// Named files (--log), oldest first. Throws Error(Exit::config, "PATH: why") for one that
/// does not exist.
std::vector<LogFile> named_files(const std::vector<std::string>& paths);

/// A distribution's `received` line.
struct Received {
    std::string ts;
    std::string cmd;  ///< the command as received, shell-quoted
    std::string origin, packages, targets, redist_of;
    std::string where;  ///< "PATH:LINE"
};

/// A `result` line: one package on one target.
struct Result {
    timeutil::TimePoint ts{};
    std::string target, package;
    bool ok = false;
    std::string failure, detail;
    std::string where;
};

/// What the logs hold about one distribution.
struct Found {
    std::optional<Received> received;  ///< the earliest one in the files read
    std::vector<Result> results;       ///< in log order
};

struct SearchStats {
    int files_read = 0;
    int files_skipped = 0;  ///< left unopened: nothing of the jobs can be in them
    int files_failed = 0;   ///< unreadable or truncated (a warning each)
    std::uint64_t lines = 0;
    std::uint64_t bytes = 0;
};

/// A job to find: its distribution id, and the earliest time its `received` line can have (its
/// earliest failure, or --since, less --lookback); none when nothing dates it.
struct Job {
    std::string dist;
    std::optional<timeutil::TimePoint> from;
};

/// Searches `files` (oldest first, as rotation_set gives them) for the `received` line of each
/// job and the `result` lines of the jobs and of `more` (their earlier redistributions). The
/// files are taken newest first, and one is opened only while some job still lacks its
/// `received` line and the file reaches back to that job's `from` (its modification time is not
/// older). Every line of a distribution follows its `received` line, so once all of them are
/// found, or every job left is older than the next file, the older files hold nothing of
/// interest and are not opened at all (counted as skipped). A job without `from` that is in no
/// file makes every file be read. Other lines cost a look at their `dist=` value only. A file
/// that cannot be read, or whose gzip stream is cut short, gives one warning (lines read before
/// the fault still count) and the search goes on. Results come back in log order (oldest file
/// first). Stops early when interrupted.
std::map<std::string, Found> search(const std::vector<LogFile>& files, const std::vector<Job>& jobs,
                                    const std::unordered_set<std::string>& more,
                                    SearchStats& stats);

}  // namespace swd::redist
