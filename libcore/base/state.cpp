#include "libcore/base/state.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <random>
#include <thread>

#include "libcore/base/config.hpp"
#include "libcore/base/error.hpp"
#include "libcore/base/paths.hpp"
#include "libcore/base/signals.hpp"

namespace swd {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr int busy_timeout_ms = 10000;
constexpr auto retry_limit = 60s;
constexpr auto first_backoff = std::chrono::microseconds(5ms);
constexpr auto max_backoff = std::chrono::microseconds(250ms);

Error state_error(const fs::path& path, const std::string& why) {
    return Error(Exit::state, "state file " + path.string() + ": " + why);
}

/// An environment variable's value; empty when unset.
std::string env(const char* name) {
    const char* value = std::getenv(name);
    return value ? value : "";
}

bool is_busy(const SQLite::Exception& e) {
    // Extended codes (SQLITE_BUSY_SNAPSHOT, SQLITE_LOCKED_SHAREDCACHE...) share the low byte.
    for (int code : {e.getErrorCode(), e.getExtendedErrorCode()}) {
        if ((code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED) return true;
    }
    return false;
}

/// Runs `attempt` until it does not fail with SQLITE_BUSY/SQLITE_LOCKED, backing off with
/// jitter so that competing processes do not retry in lockstep, for at most `retry_limit`.
/// Other SQLite errors become Error(Exit::state); any other exception passes through.
template <class F>
void retry_busy(const fs::path& path, F&& attempt) {
    const auto start = std::chrono::steady_clock::now();
    auto backoff = first_backoff;
    std::optional<std::minstd_rand> rng;
    for (;;) {
        try {
            attempt();
            return;
        } catch (const SQLite::Exception& e) {
            if (!is_busy(e)) throw state_error(path, e.what());
            if (std::chrono::steady_clock::now() - start + backoff > retry_limit) {
                throw state_error(path, std::string(e.what()) + " (gave up after 60 s)");
            }
            // Seeded here rather than once per process so forked processes differ.
            if (!rng) rng.emplace(std::random_device{}());
            std::uniform_int_distribution<std::int64_t> pick(backoff.count() / 2, backoff.count());
            std::this_thread::sleep_for(std::chrono::microseconds(pick(*rng)));
            backoff = std::min(backoff * 2, max_backoff);
        }
    }
}

void rollback_if_open(SQLite::Database& db) noexcept {
    if (sqlite3_get_autocommit(db.getHandle()) == 0) db.tryExec("ROLLBACK");
}

/// Creates the missing directories above `file`, mode 0700 whatever the umask.
void create_parents(const fs::path& file) {
    std::vector<fs::path> missing;
    struct stat st {};
    for (fs::path dir = file.parent_path(); !dir.empty() && stat(dir.c_str(), &st) != 0;
         dir = dir.parent_path()) {
        if (errno != ENOENT) throw state_error(file, dir.string() + ": " + errno_text(errno));
        missing.push_back(dir);
        if (dir == dir.parent_path()) break;
    }
    for (auto dir = missing.rbegin(); dir != missing.rend(); ++dir) {
        if (mkdir(dir->c_str(), 0700) == 0) {
            if (chmod(dir->c_str(), 0700) != 0) {
                throw state_error(file, "chmod " + dir->string() + ": " + errno_text(errno));
            }
        } else if (errno != EEXIST) {  // another process may have just created it
            throw state_error(file,
                              "creating directory " + dir->string() + ": " + errno_text(errno));
        }
    }
}

/// Creates the file with mode 0600 before SQLite does, since SQLite would use 0644 minus the
/// umask; its -wal and -shm files then copy this mode. An existing file keeps its mode.
void create_file(const fs::path& file) {
    const int fd = open(file.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST) return;
        throw state_error(file, "creating: " + errno_text(errno));
    }
    const bool ok = fchmod(fd, 0600) == 0;
    const int err = errno;
    close(fd);
    if (!ok) throw state_error(file, "chmod: " + errno_text(err));
}

/// Each connection is used by one thread at a time (BackgroundCheckpoints has its own), so
/// SQLite need not lock it on every call, nor count memory under a global lock on every
/// allocation: about a tenth of swd-ticket process's time went to those locks.
constexpr int open_flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;

/// Keeps the -wal and -shm files when the last connection closes (SQLite deletes them
/// otherwise): a reader without write access to the directory cannot create them, and needs
/// them to see what is still only in the WAL.
void keep_wal_files(SQLite::Database& db) {
    int keep = 1;
    sqlite3_file_control(db.getHandle(), "main", SQLITE_FCNTL_PERSIST_WAL, &keep);
}

void configure_sqlite() {
    // Takes effect only before SQLite's first use in the process; later calls change nothing.
    [[maybe_unused]] static const int once = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/// Whether the file carries swd's application_id; throws when it is another program's
/// database. A file without one is swd's when it has swd's schema table (written before swd set
/// the id) or no table at all (new).
bool marked_ours(SQLite::Database& db, const fs::path& path) {
    const auto id = db.execAndGet("PRAGMA application_id").getInt64();
    if (id == application_id) return true;
    if (id != 0) {
        throw state_error(path, "not an swd state file (SQLite application_id " +
                                    std::to_string(id) + "); check --state and $SWD_STATE");
    }
    if (db.tableExists("swd_schema")) return false;
    SQLite::Statement tables(db,
                             "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT "
                             "LIKE 'sqlite%' ORDER BY name LIMIT 4");
    std::string names;
    int count = 0;
    while (tables.executeStep()) {
        if (++count == 4) {
            names += ", ...";
            break;
        }
        names += (names.empty() ? "" : ", ") + tables.getColumn(0).getString();
    }
    if (count > 0) {
        throw state_error(path, "not an swd state file (it holds another program's tables: " +
                                    names + "); check --state and $SWD_STATE");
    }
    return false;
}

SQLite::Database open_database(const fs::path& path) {
    create_parents(path);
    create_file(path);
    configure_sqlite();
    try {
        SQLite::Database db(path, open_flags | SQLITE_OPEN_CREATE, busy_timeout_ms);
        // Before anything changes the file: another program's database is left as it is.
        retry_busy(path, [&] { marked_ours(db, path); });
        // 16 KiB pages for a new file (an existing one keeps its own): the WAL is written a page
        // per system call, and bulk work (swd-ticket's alerts) makes a quarter of the calls.
        db.exec("PRAGMA page_size = 16384");
        // Switching a new file to WAL takes an exclusive lock, which a concurrent first open
        // may hold.
        retry_busy(path, [&] {
            const std::string mode = db.execAndGet("PRAGMA journal_mode = WAL").getString();
            if (mode != "wal") {
                throw state_error(path,
                                  "cannot use write-ahead logging (journal mode " + mode + ")");
            }
        });
        db.exec("PRAGMA foreign_keys = ON");
        db.exec("PRAGMA synchronous = NORMAL");
        keep_wal_files(db);
        return db;
    } catch (const SQLite::Exception& e) {
        throw state_error(path, e.what());
    }
}

/// The state file as a URI naming it, for SQLite's URI parameters.
std::string file_uri(const fs::path& path) {
    std::string uri = "file:";
    for (const char c : fs::absolute(path).lexically_normal().string()) {
        if (c == '%' || c == '?' || c == '#') {
            static constexpr char hex[] = "0123456789ABCDEF";
            uri += '%';
            uri += hex[static_cast<unsigned char>(c) >> 4];
            uri += hex[c & 15];
        } else {
            uri += c;
        }
    }
    return uri;
}

/// An existing state file, read-only. Without the right to create the -shm file beside it (or
/// to read an existing one), SQLite cannot share the WAL index: the file is then read as it is
/// on disk (immutable), which a reader without write access cannot change anyway.
SQLite::Database open_read_only(const fs::path& path) {
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) {
            throw state_error(path,
                              "no such state file (check --state, $SWD_STATE and [state] path; "
                              "a command that writes creates it)");
        }
        throw state_error(path, errno_text(errno));
    }
    configure_sqlite();
    constexpr int flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX;
    try {
        SQLite::Database db(path, flags, busy_timeout_ms);
        try {
            db.execAndGet("PRAGMA application_id");
            return db;
        } catch (const SQLite::Exception& e) {
            const int code = e.getErrorCode() & 0xff;
            if (code != SQLITE_READONLY && code != SQLITE_CANTOPEN) throw;
        }
        return SQLite::Database(file_uri(path) + "?immutable=1", flags | SQLITE_OPEN_URI,
                                busy_timeout_ms);
    } catch (const SQLite::Exception& e) {
        throw state_error(path, e.what());
    }
}

/// The version of `module` recorded in swd_schema, 0 when it has none.
std::int64_t recorded_version(SQLite::Database& db, const std::string& module) {
    SQLite::Statement query(db, "SELECT version FROM swd_schema WHERE module = ?");
    query.bind(1, module);
    return query.executeStep() ? query.getColumn(0).getInt64() : 0;
}

/// Whether `schema` has steps to apply; throws when the file is ahead of this swd.
bool behind(SQLite::Database& db, const fs::path& path, const Schema& schema) {
    const std::int64_t version = recorded_version(db, schema.module);
    const auto known = static_cast<std::int64_t>(schema.steps.size());
    if (version > known) {
        throw state_error(path, "written by a newer swd (module " + schema.module + " at version " +
                                    std::to_string(version) + ", this swd knows " +
                                    std::to_string(known) + ")");
    }
    return version < known;
}

void migrate(SQLite::Database& db, const fs::path& path, const Schema& schema) {
    for (auto step = static_cast<std::size_t>(recorded_version(db, schema.module));
         step < schema.steps.size(); ++step) {
        try {
            db.exec(schema.steps[step]);
        } catch (const SQLite::Exception& e) {
            if (is_busy(e)) throw;
            throw state_error(path, "migrating " + schema.module + " to version " +
                                        std::to_string(step + 1) + ": " + e.what());
        }
    }
    SQLite::Statement record(db,
                             "INSERT INTO swd_schema(module, version) VALUES(?, ?) "
                             "ON CONFLICT(module) DO UPDATE SET version = excluded.version");
    record.bind(1, schema.module);
    record.bind(2, static_cast<std::int64_t>(schema.steps.size()));
    record.exec();
}

}  // namespace

fs::path state_path(const std::string& flag, const Config& config) {
    if (!flag.empty()) return flag;
    if (std::string path = env("SWD_STATE"); !path.empty()) return path;
    if (auto path = config.get_string("state.path"); path && !path->empty()) return *path;
    return with_context(
        "cannot choose a state file (set $SWD_STATE)",
        [] { return paths::state_dir() / "state.db"; }, Exit::state);
}

State::State(const fs::path& path, const std::vector<const Schema*>& schemas, Access access)
    : path_(path), db_(access == Access::read ? open_read_only(path) : open_database(path)) {
    // Checked outside a write transaction first, so that opening an up-to-date file does not
    // wait for another tool's long write.
    bool marked = false, current = false;
    retry_busy(path_, [&] {
        marked = marked_ours(db_, path_);
        current = db_.tableExists("swd_schema") &&
                  std::none_of(schemas.begin(), schemas.end(),
                               [&](const Schema* s) { return behind(db_, path_, *s); });
    });
    if (current && (marked || access == Access::read)) return;
    if (access == Access::read) {
        if (::access(path_.c_str(), W_OK) != 0 ||
            ::access(fs::absolute(path_).parent_path().c_str(), W_OK) != 0) {
            throw state_error(path_,
                              "its schema is older than this swd's and only a user who may write "
                              "it can bring it up to date (run a command that writes, once)");
        }
        db_ = open_database(path_);
    }
    write([&](SQLite::Database& db) {
        db.exec(
            "CREATE TABLE IF NOT EXISTS swd_schema("
            "module TEXT PRIMARY KEY, version INTEGER NOT NULL)");
        for (const Schema* schema : schemas) {
            if (behind(db, path_, *schema)) migrate(db, path_, *schema);
        }
        const std::int64_t total =
            db.execAndGet("SELECT coalesce(sum(version), 0) FROM swd_schema").getInt64();
        db.exec("PRAGMA user_version = " + std::to_string(total));
        db.exec("PRAGMA application_id = " + std::to_string(application_id));
    });
}

void State::write(const std::function<void(SQLite::Database&)>& fn) {
    retry_busy(path_, [&] {
        db_.exec("BEGIN IMMEDIATE");
        try {
            fn(db_);
            db_.exec("COMMIT");
        } catch (...) {
            rollback_if_open(db_);
            throw;
        }
    });
}

BackgroundCheckpoints::BackgroundCheckpoints(State& state)
    : db_([&] {
          try {
              SQLite::Database db(state.path(), open_flags, busy_timeout_ms);
              // A connection opens the file (and learns it is in WAL mode) at its first
              // statement.
              db.execAndGet("PRAGMA journal_mode");
              keep_wal_files(db);
              return db;
          } catch (const SQLite::Exception& e) {
              throw state_error(state.path(), e.what());
          }
      }()) {
    thread_ = thread_without_stop_signals([this] { run(); });
}

BackgroundCheckpoints::~BackgroundCheckpoints() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

void BackgroundCheckpoints::committed() {
    {
        std::lock_guard lock(mutex_);
        due_ = true;
    }
    wake_.notify_all();
}

void BackgroundCheckpoints::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [&] { return due_ || stopping_; });
        if (!due_) return;
        due_ = false;
        lock.unlock();
        // Passive: copies what no reader still needs, without waiting for anyone. A failure
        // only leaves the pages in the WAL for a later checkpoint.
        sqlite3_wal_checkpoint_v2(db_.getHandle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                  nullptr);
        lock.lock();
    }
}

void bind_or_null(SQLite::Statement& q, int index, const std::string& value) {
    if (value.empty())
        q.bind(index);
    else
        q.bind(index, value);
}

}  // namespace swd
