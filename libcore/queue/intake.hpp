// How requests enter the queue: distribution commands (submit: standard push), the endpoint's
// own list (pull-request: trusted pull), endpoint logins (login: authoritative pull is
// activated), and request files dropped into the spool.
//
// A spool file is written to SPOOL/tmp/ and renamed into SPOOL/incoming/ (Maildir style). It
// holds one command per line (blank lines and '#' comments are skipped), each the words of
// `[swd-queue] submit ...`, `[swd-queue] pull-request --endpoint E --package P...` or
// `[swd-queue] login E`, quoted as a shell would (process::split_words; nothing is expanded).
// A file is taken in whole (one transaction) and then removed; a file with any bad line is moved
// to SPOOL/corrupt/ with SPOOL/corrupt/NAME.reason holding the one-line reason, and nothing of
// it is queued.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <filesystem>
#include <string>
#include <vector>

#include "libcore/queue/db.hpp"
#include "libcore/queue/distlog.hpp"
#include "libcore/queue/settings.hpp"

namespace swd::queue {

/// A validated command, ready to be stored.
struct Intake {
    enum class Kind { submit, pull_request, login };
    Kind kind = Kind::submit;
    std::vector<Request> requests;  ///< submit, pull-request: without ids yet
    std::string endpoint;           ///< login
    std::string cmd;                ///< the command as received (shell-quoted)
    distlog::Fields log;            ///< the distribution log line (without ts)
};

/// Parses and validates the words of one command (see the file comment). `db` is read to check
/// that targets are registered. Throws Error(Exit::usage, "why").
Intake parse_command(SQLite::Database& db, const Settings& settings, std::vector<std::string> words,
                     const std::string& default_origin, timeutil::TimePoint now);

/// Stores a parsed command inside the caller's transaction: assigns request ids, inserts the
/// requests with an SWD_Received event, or for a login moves the endpoint's pull-queue requests
/// to the incoming queue (not before now) with an SWD_Login event. Must be repeatable (it is
/// called inside State::write()). Returns the requests stored or released.
std::vector<Request> store(SQLite::Database& db, const Intake& in, timeutil::TimePoint now);

/// Takes in a parsed command: its distribution log line first (a crash before the commit
/// repeats a line, never loses one), then store() in one transaction. Returns what store() did.
std::vector<Request> take_in(State& state, distlog::Appender& log, const Intake& in,
                             timeutil::TimePoint now);

/// Creates SPOOL/tmp, SPOOL/incoming and SPOOL/corrupt when missing.
void ensure_spool(const std::filesystem::path& spool);

struct SpoolReport {
    int files = 0;
    int requests = 0;
    int corrupt = 0;
};

/// Takes in every file in SPOOL/incoming (by name). Never throws for a bad file.
SpoolReport ingest_spool(State& state, const Settings& settings, distlog::Appender& log);

/// Takes in a distribution command in-process, as `swd-queue submit` does (swd-redist uses
/// it): `words` is the command's argv, with or without a leading "swd-queue" and "submit".
/// Validates everything (names, parameters, known targets, durations) before anything is
/// stored, then enqueues one request per target in one transaction and logs the command
/// (`cmd`: process::shell_join of "swd-queue", "submit" and the words, as received) to the
/// distribution log. Throws Error(Exit::usage, "why") when the command is refused; the refusal
/// is logged too (event=rejected). Returns the new requests.
std::vector<Request> submit_words(State& state, const Settings& settings, distlog::Appender& log,
                                  std::vector<std::string> words,
                                  const std::string& default_origin = "");

}  // namespace swd::queue
