// The state file: one SQLite database per host, shared by every tool (DESIGN §3).
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <condition_variable>
#include <cstdint>
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

/// What a command does with the state file.
enum class Access {
    write,  ///< creates the file if needed, brings its schemas up to date, writes
    read,   ///< only reads: the file must exist; opened read-only when nothing needs migrating
};

/// `PRAGMA application_id` of an swd state file ("SWD1"), so that `file(1)` and swd tell it
/// from another program's SQLite database.
inline constexpr std::int32_t application_id = 0x53574431;

/// An open state file.
class State {
  public:
    /// Access::write opens (creating it and its directory if needed, the file with mode 0600)
    /// and configures: WAL (its -wal and -shm files kept between runs, so that readers without
    /// write access can use them), busy timeout (10 s), foreign keys on, synchronous=NORMAL.
    /// Then brings each schema up to date in one transaction: per-module versions are kept in
    /// the table `swd_schema`, and `PRAGMA user_version` holds the sum of all applied steps.
    ///
    /// Access::read opens an existing file read-only, so that anyone who can read it can run
    /// the commands that only read. A reader that can read neither the -shm file nor create it
    /// reads the file as it is on disk (SQLite's immutable mode: what is still only in the -wal
    /// is not seen). When a schema needs migrating, the file is opened as for Access::write if
    /// the user may write it.
    ///
    /// Throws Error(Exit::state, "state file PATH: why") on any failure: a missing file
    /// (Access::read), a SQLite database that is not swd's (its application_id, or tables of
    /// another program), a file written by a newer swd.
    State(const std::filesystem::path& path, const std::vector<const Schema*>& schemas,
          Access access = Access::write);

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
