// The state file: one SQLite database per host, shared by every tool (DESIGN §3).
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <filesystem>
#include <functional>
#include <string>
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

}  // namespace swd
