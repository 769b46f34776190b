// The state file: one SQLite database per host, shared by every tool (DESIGN §3).
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace swd {

class Config;

/// A module's schema: its name and its forward-only migration steps. Step i (0-based) moves the
/// module from version i to i+1. Steps are never edited once released; new ones are appended.
struct Schema {
    std::string module;
    std::vector<std::string> steps;  ///< SQL, possibly several statements each
};

/// The state file's path: `flag` if not empty, else $SWD_STATE, else `[state] path` in the
/// config, else /var/lib/swd/state.db for root and $XDG_STATE_HOME/swd/state.db (default
/// ~/.local/state/swd/state.db) otherwise.
std::filesystem::path state_path(const std::string& flag, const Config& config);

/// Binds `value` to parameter `index` of `q`, or NULL when it is empty (optional text columns).
void bind_or_null(SQLite::Statement& q, int index, const std::string& value);

/// An open state file.
class State {
  public:
    /// Opens (creating it and its directory if needed, the file with mode 0600) and configures:
    /// WAL, busy timeout (10 s), foreign keys on, synchronous=NORMAL. Then brings each schema up
    /// to date in one transaction: per-module versions are kept in the table `swd_schema`, and
    /// `PRAGMA user_version` holds the sum of all applied steps. Throws Error(Exit::state,
    /// "state file PATH: why") on any failure, including a file written by a newer swd.
    State(const std::filesystem::path& path, const std::vector<const Schema*>& schemas);

    SQLite::Database& db() { return db_; }
    const std::filesystem::path& path() const { return path_; }

    /// Runs `fn` inside BEGIN IMMEDIATE ... COMMIT. When SQLite reports the database busy or
    /// locked (after the busy timeout), rolls back, waits with growing jittered backoff and
    /// runs `fn` again, up to a total of 60 s; `fn` must therefore be safe to repeat. Any other
    /// exception rolls back and propagates (SQLite errors as Error(Exit::state)).
    void write(const std::function<void(SQLite::Database&)>& fn);

  private:
    std::filesystem::path path_;
    SQLite::Database db_;
};

/// For a long run of write transactions (swd-ticket process): what each commits is copied from
/// the WAL into the state file by a thread of its own, with its own connection, while the
/// writer goes on. The checkpoints are passive: they never wait for, or hold up, any other
/// connection. The writer's own automatic checkpoint (which bounds the WAL) then finds little
/// left to copy, and so does the last connection's checkpoint when it closes.
class BackgroundCheckpoints {
  public:
    explicit BackgroundCheckpoints(State& state);
    /// Copies what was committed last, if not done yet, and closes its connection.
    ~BackgroundCheckpoints();
    BackgroundCheckpoints(const BackgroundCheckpoints&) = delete;
    BackgroundCheckpoints& operator=(const BackgroundCheckpoints&) = delete;

    /// After a commit: copy what was committed (the thread does it; this returns at once).
    void committed();

  private:
    void run();

    SQLite::Database db_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool due_ = false, stopping_ = false;
    std::thread thread_;
};

}  // namespace swd
