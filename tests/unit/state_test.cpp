#include "libcore/base/state.hpp"

#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <future>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "caught_error.hpp"
#include "libcore/base/config.hpp"
#include "libcore/base/error.hpp"
#include "libcore/base/ids.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using swd::Error;
using swd::Exit;
using swd::Schema;
using swd::State;
using swd::test::TempDir;

namespace {

using swd::test::caught_error;

/// Sets (or with nullopt unsets) an environment variable for the scope.
class EnvVar {
  public:
    EnvVar(const char* name, std::optional<std::string> value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        set(value);
    }
    ~EnvVar() { set(old_); }
    EnvVar(const EnvVar&) = delete;
    EnvVar& operator=(const EnvVar&) = delete;

  private:
    void set(const std::optional<std::string>& value) {
        if (value) {
            setenv(name_, value->c_str(), 1);
        } else {
            unsetenv(name_);
        }
    }
    const char* name_;
    std::optional<std::string> old_;
};

class Umask {
  public:
    explicit Umask(mode_t mask) : old_(umask(mask)) {}
    ~Umask() { umask(old_); }
    Umask(const Umask&) = delete;
    Umask& operator=(const Umask&) = delete;

  private:
    mode_t old_;
};

mode_t mode_of(const fs::path& path) {
    struct stat st {};
    REQUIRE(stat(path.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

std::int64_t int_of(State& state, const std::string& sql) {
    return state.db().execAndGet(sql).getInt64();
}

/// For a forked child: a crash must not run the signal handlers Catch installed for the parent.
void drop_catch_handlers() {
    for (int sig : {SIGABRT, SIGBUS, SIGFPE, SIGILL, SIGINT, SIGSEGV, SIGTERM})
        std::signal(sig, SIG_DFL);
}

std::string prefix_of(const fs::path& path) {
    return "state file " + path.string() + ": ";
}

/// state_path as a non-root user would see it: run as nobody in a child when we are root.
std::string path_as_non_root(const swd::Config& config) {
    if (geteuid() != 0) return swd::state_path("", config).string();
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        drop_catch_handlers();
        close(fds[0]);
        int status = 1;
        if (setgid(65534) == 0 && setuid(65534) == 0) {
            try {
                const std::string path = swd::state_path("", config).string();
                status =
                    write(fds[1], path.data(), path.size()) == static_cast<ssize_t>(path.size())
                        ? 0
                        : 1;
            } catch (...) {
            }
        }
        _exit(status);
    }
    close(fds[1]);
    std::string out;
    char buf[256];
    for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;)
        out.append(buf, static_cast<std::size_t>(n));
    close(fds[0]);
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    return out;
}

const Schema alpha_v2{
    "alpha", {"CREATE TABLE a(x INTEGER); INSERT INTO a VALUES(1)", "INSERT INTO a VALUES(2)"}};
const Schema alpha_v3{"alpha", {alpha_v2.steps[0], alpha_v2.steps[1], "INSERT INTO a VALUES(3)"}};
const Schema beta_v1{"beta", {"CREATE TABLE b(y TEXT)"}};
const Schema items{"items", {"CREATE TABLE items(name TEXT PRIMARY KEY)"}};

}  // namespace

TEST_CASE("state_path precedence: flag, $SWD_STATE, config, default", "[state]") {
    const swd::Config empty;
    const swd::Config configured =
        swd::Config::parse("[state]\npath = \"/x\"\n", "test", swd::common_config_keys());
    EnvVar xdg("XDG_STATE_HOME", "/xdg");
    EnvVar home("HOME", "/home/u");

    SECTION("the flag wins over everything") {
        EnvVar state("SWD_STATE", "/env/state.db");
        CHECK(swd::state_path("/flag/state.db", configured) == "/flag/state.db");
    }
    SECTION("$SWD_STATE wins over the config") {
        EnvVar state("SWD_STATE", "/env/state.db");
        CHECK(swd::state_path("", configured) == "/env/state.db");
    }
    SECTION("the config wins over the default; an empty $SWD_STATE counts as unset") {
        EnvVar state("SWD_STATE", "");
        CHECK(swd::state_path("", configured) == "/x");
    }
    SECTION("defaults") {
        EnvVar state("SWD_STATE", std::nullopt);
        if (geteuid() == 0) {
            CHECK(swd::state_path("", empty) == "/var/lib/swd/state.db");
        }
        CHECK(path_as_non_root(empty) == "/xdg/swd/state.db");
        SECTION("an empty $XDG_STATE_HOME counts as unset") {
            EnvVar blank("XDG_STATE_HOME", "");
            CHECK(path_as_non_root(empty) == "/home/u/.local/state/swd/state.db");
        }
        SECTION("so does an unset one") {
            EnvVar unset("XDG_STATE_HOME", std::nullopt);
            CHECK(path_as_non_root(empty) == "/home/u/.local/state/swd/state.db");
        }
    }
}

TEST_CASE("State creates its directories 0700 and its file 0600 whatever the umask", "[state]") {
    const mode_t mask = GENERATE(mode_t(0), mode_t(0277));
    Umask scoped(mask);
    TempDir tmp;
    const fs::path path = tmp.path() / "new" / "sub" / "state.db";
    State state(path, {&items});
    state.write([](SQLite::Database& db) { db.exec("INSERT INTO items VALUES('x')"); });

    CHECK(mode_of(tmp.path() / "new") == 0700);
    CHECK(mode_of(tmp.path() / "new" / "sub") == 0700);
    CHECK(mode_of(path) == 0600);
    CHECK(mode_of(path.string() + "-wal") == 0600);
    CHECK(mode_of(path.string() + "-shm") == 0600);
}

TEST_CASE("State leaves an existing file's mode alone", "[state]") {
    TempDir tmp;
    const fs::path path = tmp.path() / "state.db";
    { State first(path, {}); }
    REQUIRE(chmod(path.c_str(), 0640) == 0);
    State again(path, {});
    CHECK(mode_of(path) == 0640);
}

TEST_CASE("State configures WAL, foreign keys, busy timeout and synchronous", "[state]") {
    TempDir tmp;
    State state(tmp.path() / "state.db", {});
    CHECK(state.db().execAndGet("PRAGMA journal_mode").getString() == "wal");
    CHECK(int_of(state, "PRAGMA foreign_keys") == 1);
    CHECK(int_of(state, "PRAGMA busy_timeout") >= 5000);
    CHECK(int_of(state, "PRAGMA synchronous") == 1);  // NORMAL
    CHECK(state.path() == tmp.path() / "state.db");
}

TEST_CASE("State makes new files with 16 KiB pages and leaves an existing file's alone",
          "[state]") {
    TempDir tmp;
    {
        State state(tmp.path() / "new.db", {});
        CHECK(int_of(state, "PRAGMA page_size") == 16384);
    }
    const fs::path old = tmp.path() / "old.db";
    {
        SQLite::Database db(old, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        db.exec(
            "PRAGMA page_size = 4096; CREATE TABLE swd_schema(module TEXT PRIMARY KEY, "
            "version INTEGER NOT NULL); CREATE TABLE t(x)");
    }
    State state(old, {});
    CHECK(int_of(state, "PRAGMA page_size") == 4096);
    CHECK(state.db().tableExists("t"));
}

TEST_CASE("State reports an unusable path as a state error", "[state]") {
    TempDir tmp;
    const fs::path blocker = tmp.path() / "file";
    REQUIRE(std::ofstream(blocker).good());
    const fs::path path = blocker / "state.db";
    const Error e = caught_error([&] { State state(path, {}); });
    CHECK(e.code() == Exit::state);
    CHECK_THAT(e.what(), Catch::StartsWith(prefix_of(path)));
}

TEST_CASE("State applies migrations once and then only the new steps", "[state]") {
    TempDir tmp;
    const fs::path path = tmp.path() / "state.db";
    const auto rows = [&](State& state) {
        std::vector<std::int64_t> out;
        SQLite::Statement query(state.db(), "SELECT x FROM a ORDER BY x");
        while (query.executeStep())
            out.push_back(query.getColumn(0).getInt64());
        return out;
    };
    const auto version = [](State& state, const std::string& module) {
        SQLite::Statement query(state.db(), "SELECT version FROM swd_schema WHERE module = ?");
        query.bind(1, module);
        REQUIRE(query.executeStep());
        return query.getColumn(0).getInt64();
    };

    {
        State state(path, {&alpha_v2});
        CHECK(rows(state) == std::vector<std::int64_t>{1, 2});
        CHECK(version(state, "alpha") == 2);
        CHECK(int_of(state, "PRAGMA user_version") == 2);
    }
    {
        // Step 1 has no IF NOT EXISTS, so running it again would throw.
        State state(path, {&alpha_v2});
        CHECK(rows(state) == std::vector<std::int64_t>{1, 2});
    }
    {
        State state(path, {&alpha_v3, &beta_v1});
        CHECK(rows(state) == std::vector<std::int64_t>{1, 2, 3});
        CHECK(version(state, "alpha") == 3);
        CHECK(version(state, "beta") == 1);
        CHECK(int_of(state, "PRAGMA user_version") == 4);
    }
    {
        // A tool that knows only some modules leaves the others alone.
        State state(path, {&beta_v1});
        CHECK(rows(state) == std::vector<std::int64_t>{1, 2, 3});
        CHECK(int_of(state, "PRAGMA user_version") == 4);
    }
}

TEST_CASE("State refuses a file written by a newer swd", "[state]") {
    TempDir tmp;
    const fs::path path = tmp.path() / "state.db";
    { State state(path, {&alpha_v3}); }
    const std::string expected = prefix_of(path) +
                                 "written by a newer swd (module alpha at version 3, this swd "
                                 "knows 2)";

    SECTION("when nothing else needs migrating") {
        const Error e = caught_error([&] { State state(path, {&alpha_v2}); });
        CHECK(e.code() == Exit::state);
        CHECK(e.what() == expected);
    }
    SECTION("when another module needs migrating, which then is not migrated") {
        const Error e = caught_error([&] { State state(path, {&beta_v1, &alpha_v2}); });
        CHECK(e.code() == Exit::state);
        CHECK(e.what() == expected);
        State state(path, {});
        CHECK_FALSE(state.db().tableExists("b"));
        CHECK(int_of(state, "SELECT count(*) FROM swd_schema WHERE module = 'beta'") == 0);
    }
}

TEST_CASE("A failing migration applies nothing", "[state]") {
    TempDir tmp;
    const fs::path path = tmp.path() / "state.db";
    const Schema broken{"gamma", {"CREATE TABLE g(x)", "INSERT INTO nowhere VALUES(1)"}};
    const Error e = caught_error([&] { State state(path, {&beta_v1, &broken}); });
    CHECK(e.code() == Exit::state);
    CHECK_THAT(e.what(), Catch::StartsWith(prefix_of(path) + "migrating gamma to version 2: ") &&
                             Catch::Contains("no such table: nowhere"));

    State state(path, {});
    CHECK_FALSE(state.db().tableExists("g"));
    CHECK_FALSE(state.db().tableExists("b"));
    CHECK(int_of(state, "PRAGMA user_version") == 0);
}

TEST_CASE("write() commits, and rolls back on an exception", "[state]") {
    TempDir tmp;
    const fs::path path = tmp.path() / "state.db";
    State state(path, {&items});
    const auto count = [&] { return int_of(state, "SELECT count(*) FROM items"); };
    const auto insert = [](SQLite::Database& db) { db.exec("INSERT INTO items VALUES('x')"); };

    SECTION("commit") {
        state.write(insert);
        CHECK(count() == 1);
        State other(path, {&items});
        CHECK(int_of(other, "SELECT count(*) FROM items") == 1);
    }
    SECTION("any exception passes through unchanged") {
        CHECK_THROWS_WITH(state.write([&](SQLite::Database& db) {
            insert(db);
            throw std::runtime_error("boom");
        }),
                          "boom");
        CHECK(count() == 0);
    }
    SECTION("an swd::Error keeps its status and message") {
        const Error e = caught_error([&] {
            state.write([&](SQLite::Database& db) {
                insert(db);
                throw Error(Exit::network, "peer x: down");
            });
        });
        CHECK(e.code() == Exit::network);
        CHECK(e.what() == std::string("peer x: down"));
        CHECK(count() == 0);
    }
    SECTION("an SQLite error becomes a state error") {
        const Error e = caught_error([&] {
            state.write([&](SQLite::Database& db) {
                insert(db);
                db.exec("INSERT INTO nowhere VALUES(1)");
            });
        });
        CHECK(e.code() == Exit::state);
        CHECK(e.what() == prefix_of(path) + "no such table: nowhere");
        CHECK(count() == 0);
    }
    // The connection is out of the transaction and usable again.
    CHECK(sqlite3_get_autocommit(state.db().getHandle()) != 0);
    state.write([](SQLite::Database& db) { db.exec("INSERT INTO items VALUES('after')"); });
}

TEST_CASE("write() retries fn on busy and locked errors, rolling back each attempt", "[state]") {
    TempDir tmp;
    State state(tmp.path() / "state.db", {&items});
    const std::vector<int> codes{SQLITE_BUSY, SQLITE_LOCKED, SQLITE_BUSY_SNAPSHOT};
    std::size_t calls = 0;
    state.write([&](SQLite::Database& db) {
        db.exec("INSERT INTO items VALUES('x')");
        if (calls < codes.size()) {
            const int code = codes[calls++];
            throw SQLite::Exception("simulated", code);
        }
        ++calls;
    });
    CHECK(calls == 4);
    CHECK(int_of(state, "SELECT count(*) FROM items") == 1);
}

TEST_CASE("write() waits for another connection's write lock", "[state]") {
    TempDir tmp;
    const fs::path path = tmp.path() / "state.db";
    State state(path, {&items});
    SECTION("in SQLite's busy handler") {}
    SECTION("in its own retry loop") {
        state.db().setBusyTimeout(0);
    }

    std::promise<void> locked;
    bool signalled = false;
    std::string holder_error;
    // A jthread, so that a throwing write() still joins it.
    std::jthread holder([&] {
        try {
            SQLite::Database other(path, SQLite::OPEN_READWRITE);
            other.exec("BEGIN IMMEDIATE");
            other.exec("INSERT INTO items VALUES('holder')");
            signalled = true;
            locked.set_value();
            std::this_thread::sleep_for(1s);
            other.exec("COMMIT");
        } catch (const std::exception& e) {
            holder_error = e.what();
            if (!signalled) locked.set_value();
        }
    });
    locked.get_future().wait();
    const auto start = std::chrono::steady_clock::now();
    bool saw_holder = false;
    state.write([&](SQLite::Database& db) {
        saw_holder =
            db.execAndGet("SELECT count(*) FROM items WHERE name = 'holder'").getInt() == 1;
        db.exec("INSERT INTO items VALUES('waiter')");
    });
    const auto waited = std::chrono::steady_clock::now() - start;
    holder.join();
    REQUIRE(holder_error.empty());
    CHECK(waited >= 800ms);
    CHECK(saw_holder);
    CHECK(int_of(state, "SELECT count(*) FROM items") == 2);
}

namespace {

const Schema work{"work",
                  {"CREATE TABLE counter(n INTEGER NOT NULL); INSERT INTO counter VALUES(0);"
                   "CREATE TABLE work(child INTEGER, i INTEGER, id TEXT, PRIMARY KEY(child, i))"}};

/// One writer process: `n` transactions, each a read-modify-write of the shared counter, an
/// id and a row of its own. Returns the exit status.
int writer(const fs::path& path, int child, int n, bool own_retry) noexcept {
    try {
        State state(path, {&swd::ids::schema(), &work});
        if (own_retry) state.db().setBusyTimeout(0);
        const auto when = std::chrono::sys_days{std::chrono::year{2026} / 11 / 21} + 10h;
        for (int i = 0; i < n; ++i) {
            state.write([&](SQLite::Database& db) {
                const std::int64_t seen = db.execAndGet("SELECT n FROM counter").getInt64();
                SQLite::Statement bump(db, "UPDATE counter SET n = ?");
                bump.bind(1, seen + 1);
                bump.exec();
                SQLite::Statement row(db, "INSERT INTO work(child, i, id) VALUES(?, ?, ?)");
                row.bind(1, child);
                row.bind(2, i);
                row.bind(3, swd::ids::next(db, 'T', when));
                row.exec();
            });
            // Like a tool doing work between transactions. A writer that begins again at once
            // after each commit starves one that polls for the lock, and the two run in turn.
            std::this_thread::sleep_for(200us);
        }
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "writer %d: %s\n", child, e.what());
        return 1;
    }
}

}  // namespace

TEST_CASE("Two processes writing one state file at once lose nothing", "[state]") {
    TempDir tmp;
    // The parent does not open the file first: the children also race to create and migrate it.
    const fs::path path = tmp.path() / "dir" / "state.db";
    int n = 2000;
    bool own_retry = false;
    SECTION("busy handler") {}
    SECTION("own retry loop") {
        n = 300;
        own_retry = true;
    }

    int start[2];
    REQUIRE(pipe(start) == 0);
    std::vector<pid_t> children;
    for (int child = 0; child < 2; ++child) {
        const pid_t pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            drop_catch_handlers();
            close(start[1]);
            char byte;
            // Both children start when the parent closes its end.
            const bool go = read(start[0], &byte, 1) == 0;
            _exit(go ? writer(path, child, n, own_retry) : 1);
        }
        children.push_back(pid);
    }
    close(start[0]);
    close(start[1]);
    for (pid_t pid : children) {
        int status = 0;
        REQUIRE(waitpid(pid, &status, 0) == pid);
        REQUIRE(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
    }

    State state(path, {&swd::ids::schema(), &work});
    CHECK(int_of(state, "SELECT count(*) FROM counter") == 1);
    CHECK(int_of(state, "SELECT n FROM counter") == 2 * n);
    CHECK(int_of(state, "SELECT count(*) FROM work") == 2 * n);
    for (int child = 0; child < 2; ++child) {
        SQLite::Statement query(
            state.db(), "SELECT count(DISTINCT i), min(i), max(i) FROM work WHERE child = ?");
        query.bind(1, child);
        REQUIRE(query.executeStep());
        CHECK(query.getColumn(0).getInt() == n);
        CHECK(query.getColumn(1).getInt() == 0);
        CHECK(query.getColumn(2).getInt() == n - 1);
    }
    std::set<int> numbers;
    int first[2] = {2 * n, 2 * n};
    int last[2] = {0, 0};
    SQLite::Statement ids(state.db(), "SELECT child, id FROM work");
    while (ids.executeStep()) {
        const int child = ids.getColumn(0).getInt();
        const std::string id = ids.getColumn(1).getString();
        REQUIRE_THAT(id, Catch::StartsWith("T-20261121-"));
        const int number = std::stoi(id.substr(11));
        numbers.insert(number);
        first[child] = std::min(first[child], number);
        last[child] = std::max(last[child], number);
    }
    REQUIRE(numbers.size() == static_cast<std::size_t>(2 * n));
    CHECK(*numbers.begin() == 1);
    CHECK(*numbers.rbegin() == 2 * n);
    // Otherwise the writers did not overlap and the test proved nothing.
    CHECK(first[0] < last[1]);
    CHECK(first[1] < last[0]);
}

TEST_CASE("BackgroundCheckpoints copies what was committed into the file, on its own thread",
          "[state]") {
    TempDir tmp;
    const fs::path path = tmp.path() / "state.db";
    State state(path, {&items});
    state.db().exec("PRAGMA wal_autocheckpoint = 0");  // only the background copies
    const auto fill = [&](const std::string& prefix) {
        state.write([&](SQLite::Database& db) {
            SQLite::Statement q(db, "INSERT INTO items VALUES(?)");
            for (int i = 0; i < 2000; ++i) {
                q.reset();
                q.bind(1, prefix + std::to_string(i) + std::string(200, 'x'));
                q.exec();
            }
        });
    };
    const auto before = fs::file_size(path);
    {
        swd::BackgroundCheckpoints checkpoints(state);
        fill("a");  // committed, but not said: stays in the WAL
    }
    CHECK(fs::file_size(path) == before);
    {
        swd::BackgroundCheckpoints checkpoints(state);
        fill("b");
        checkpoints.committed();
        // A reader meanwhile is neither blocked nor in the way.
        State reader(path, {&items});
        CHECK(int_of(reader, "SELECT count(*) FROM items") == 4000);
    }  // waits for the checkpoint that was due
    CHECK(fs::file_size(path) > before + 800 * 1024);
    State other(path, {&items});
    CHECK(int_of(other, "SELECT count(*) FROM items") == 4000);
}

TEST_CASE("Access::read needs an existing file, creates nothing and writes nothing", "[state]") {
    TempDir tmp;
    const fs::path missing = tmp.path() / "no" / "state.db";
    const Error e = caught_error([&] { State state(missing, {&items}, swd::Access::read); });
    CHECK(e.code() == Exit::state);
    CHECK_THAT(e.what(), Catch::StartsWith(prefix_of(missing) + "no such state file"));
    CHECK_FALSE(fs::exists(missing.parent_path()));

    const fs::path path = tmp.path() / "state.db";
    State(path, {&items}).write([](SQLite::Database& db) {
        db.exec("INSERT INTO items VALUES('a')");
    });
    State reader(path, {&items}, swd::Access::read);
    CHECK(reader.db().execAndGet("SELECT name FROM items").getString() == "a");
    CHECK_THROWS_AS(reader.db().exec("INSERT INTO items VALUES('b')"), SQLite::Exception);
    CHECK(reader.db().execAndGet("PRAGMA application_id").getInt() == swd::application_id);
}

TEST_CASE("Access::read brings an older schema up to date when the user may write the file",
          "[state]") {
    TempDir tmp;
    const fs::path path = tmp.path() / "state.db";
    State(path, {&alpha_v2});
    State reader(path, {&alpha_v3}, swd::Access::read);
    CHECK(reader.db().execAndGet("SELECT count(*) FROM a").getInt() == 3);
}

TEST_CASE("another program's SQLite database is refused and left as it was", "[state]") {
    TempDir tmp;
    const fs::path path = tmp.path() / "other.db";
    {
        SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        db.exec("CREATE TABLE notes(x); CREATE TABLE tags(y)");
    }
    for (const auto access : {swd::Access::write, swd::Access::read}) {
        const Error e = caught_error([&] { State state(path, {&items}, access); });
        CHECK(e.code() == Exit::state);
        CHECK(std::string(e.what()) ==
              prefix_of(path) +
                  "not an swd state file (it holds another program's tables: notes, tags); "
                  "check --state and $SWD_STATE");
    }
    SQLite::Database db(path, SQLite::OPEN_READONLY);
    CHECK(db.execAndGet("PRAGMA journal_mode").getString() == "delete");
    CHECK_FALSE(db.tableExists("swd_schema"));
}
