#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "libcore/base/error.hpp"
#include "libcore/base/ids.hpp"
#include "libcore/base/process.hpp"
#include "libcore/base/state.hpp"
#include "libcore/redist/command.hpp"
#include "libcore/redist/log.hpp"
#include "libcore/redist/plan.hpp"
#include "libcore/redist/store.hpp"
#include "libcore/ticket/store.hpp"
#include "temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using namespace swd::redist;
using swd::timeutil::parse_rfc3339;
using Words = std::vector<std::string>;
using swd::test::TempDir;

void write(const fs::path& p, const std::string& text) {
    std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
}

// A gzip file; `cut`: only its first half, as a crash or a full disk leaves it.
void write_gz(const fs::path& p, const std::string& text, bool cut = false) {
    gzFile gz = gzopen(p.c_str(), "wb");
    gzwrite(gz, text.data(), static_cast<unsigned>(text.size()));
    gzclose(gz);
    if (cut) fs::resize_file(p, fs::file_size(p) / 2);
}

void set_mtime(const fs::path& p, const std::string& when) {
    const auto t = parse_rfc3339(when).value().time_since_epoch().count();
    const timespec times[2] = {{t, 0}, {t, 0}};
    REQUIRE(::utimensat(AT_FDCWD, p.c_str(), times, 0) == 0);
}

Failure failure(const std::string& device, const std::string& package, const char* at) {
    Failure f;
    f.dist = "D-1";
    f.device = device;
    f.package = package;
    f.alert = "A-20261121-000001";
    if (at) f.failed_at = parse_rfc3339(at);
    return f;
}

Result result(const std::string& target, const std::string& package, bool ok, const char* at) {
    return Result{parse_rfc3339(at).value(), target, package, ok, ok ? "" : "connection",
                  ok ? "" : "timed out",     "log:1"};
}

const Words original{
    "swd-queue", "submit",          "--dist",   "D-1",           "--package",        "pkg-a-1.2",
    "--package", "pkg-b-3.4",       "--target", "pos-1:replace", "--target",         "pos-2",
    "--target",  "pos-3:opt=a%20b", "--origin", "master-1",      "--retry-interval", "1h"};

}  // namespace

TEST_CASE("a submit command is read the way swd-queue reads it", "[redist]") {
    const auto v = read_command(original);
    CHECK(v.dist == "D-1");
    CHECK(v.redist_of.empty());
    CHECK(v.packages == Words{"pkg-a-1.2", "pkg-b-3.4"});
    REQUIRE(v.targets.size() == 3);
    CHECK(v.targets[0].name == "pos-1");
    CHECK(v.targets[0].spec == "pos-1:replace");

    // --opt=value, several values after one option, and a flag that ends them.
    const auto w = read_command({"submit", "--dist=D-2", "--target", "a", "b:x", "-v",
                                 "--package=p", "q", "--redist-of", "D-0"});
    CHECK(w.dist == "D-2");
    CHECK(w.redist_of == "D-0");
    CHECK(w.packages == Words{"p", "q"});
    REQUIRE(w.targets.size() == 2);
    CHECK(w.targets[1].name == "b");

    CHECK_THROWS_AS(read_command({"swd-queue", "submit", "--dist"}), swd::Error);
    CHECK_THROWS_AS(read_command({"swd-queue", "submit", "--target", "a"}), swd::Error);
}

TEST_CASE("rebuild keeps every other word in its place", "[redist]") {
    const auto argv = rebuild(original, "D-1-R1", "D-1", {"pos-1", "POS-3"});
    CHECK(argv == Words{"swd-queue", "submit", "--dist", "D-1-R1", "--redist-of", "D-1",
                        "--package", "pkg-a-1.2", "--package", "pkg-b-3.4", "--target",
                        "pos-1:replace", "--target", "pos-3:opt=a%20b", "--origin", "master-1",
                        "--retry-interval", "1h"});

    // Inline values, several values after one option, an existing --redist-of, "--".
    const Words odd{
        "swd-queue",     "submit",       "--redist-of=D-0",      "--target=a", "b",        "c:p",
        "--dist=D-0-R1", "--not-before", "2026-11-21 10:00:00Z", "--",         "--target", "x"};
    CHECK(rebuild(odd, "D-0-R2", "D-0", {"b"}) ==
          Words{"swd-queue", "submit", "--redist-of=D-0", "--target=b", "--dist=D-0-R2",
                "--not-before", "2026-11-21 10:00:00Z", "--", "--target", "x"});
    CHECK(rebuild(odd, "D-0-R2", "D-0", {"a", "c"}) ==
          Words{"swd-queue", "submit", "--redist-of=D-0", "--target=a", "c:p", "--dist=D-0-R2",
                "--not-before", "2026-11-21 10:00:00Z", "--", "--target", "x"});

    // Words a shell would expand stay exactly as they were, and survive quoting for display.
    const Words hostile{
        "swd-queue", "submit",   "--dist", "D-9",      "--package",
        "p-1",       "--target", "t1",     "--origin", "it's \"x\"; rm -rf / $(id) `id` | * \\",
        "--target",  "t2"};
    const auto h = rebuild(hostile, "D-9-R1", "D-9", {"t2"});
    REQUIRE(h.size() == 12);
    CHECK(h[5] == "D-9");
    CHECK(h[9] == hostile[9]);
    CHECK(h[11] == "t2");
    CHECK(swd::process::split_words(swd::process::shell_join(h)) == h);
}

TEST_CASE("a foreign manager's options before, between and after targets are kept", "[redist]") {
    const Words foreign{"mgr",       "submit",    "--mode",   "fast",  "--dist", "D-1",
                        "--package", "pkg-a-1.2", "--target", "pos-1", "--note", "keep-me",
                        "--target",  "pos-2",     "pos-3",    "-x",    "--prio", "5",
                        "--target",  "pos-4",     "--tail"};
    const auto v = read_command(foreign);
    REQUIRE(v.targets.size() == 4);
    CHECK(v.targets[0].name == "pos-1");
    CHECK(v.targets[2].name == "pos-3");
    CHECK(v.targets[3].name == "pos-4");
    CHECK(rebuild(foreign, "D-1-R1", "D-1", {"pos-1", "pos-3"}) ==
          Words{"mgr",      "submit",    "--mode",    "fast",     "--dist", "D-1-R1", "--redist-of",
                "D-1",      "--package", "pkg-a-1.2", "--target", "pos-1",  "--note", "keep-me",
                "--target", "pos-3",     "-x",        "--prio",   "5",      "--tail"});
}

TEST_CASE("manager templates put the command in as words or as one quoted word", "[redist]") {
    const Words cmd{"swd-queue", "submit", "--dist", "D-1-R1", "--origin", "a b;c"};
    CHECK(ManagerTemplate("other-manager --id {dist} {argv}").expand(cmd, "D-1-R1", "D-1") ==
          Words{"other-manager", "--id", "D-1-R1", "swd-queue", "submit", "--dist", "D-1-R1",
                "--origin", "a b;c"});
    const auto ssh =
        ManagerTemplate("ssh relay-b {cmd} --of={redist_of}").expand(cmd, "D-1-R1", "D-1");
    REQUIRE(ssh.size() == 4);
    CHECK(swd::process::split_words(ssh[2]) == cmd);
    CHECK(ssh[3] == "--of=D-1");
    CHECK(ManagerTemplate("/opt/mgr/bin/submit").expand(cmd, "D", "O").size() == 7);
    CHECK_THROWS_AS(ManagerTemplate("mgr {nope}"), swd::Error);
    CHECK_THROWS_AS(ManagerTemplate("mgr 'unterminated"), swd::Error);
    CHECK_THROWS_AS(ManagerTemplate(""), swd::Error);
}

TEST_CASE("recipients are the targets that did not complete", "[redist]") {
    const auto view = read_command(original);
    std::vector<Failure> failures{failure("POS-1", "pkg-a-1.2", "2026-11-21T10:00:00Z"),
                                  failure("pos-2", "pkg-b-3.4", "2026-11-21T10:00:00Z"),
                                  failure("pos-9", "pkg-a-1.2", "2026-11-21T10:00:00Z")};
    std::vector<Result> results{
        // pos-2 succeeded later (a retry, or a redistribution).
        result("pos-2", "pkg-b-3.4", true, "2026-11-21T11:00:00Z"),
        // pos-3: pkg-a fine, then pkg-b failed.
        result("pos-3", "pkg-a-1.2", true, "2026-11-21T09:00:00Z"),
        result("pos-3", "pkg-b-3.4", false, "2026-11-21T09:01:00Z"),
    };
    auto c = choose(view, failures, results, false);
    REQUIRE(c.recipients.size() == 2);
    CHECK(c.recipients[0].spec == "pos-1:replace");
    CHECK_THAT(c.recipients[0].why, Catch::Contains("pkg-a-1.2 failed 2026-11-21T10:00:00Z") &&
                                        Catch::Contains("failed record A-20261121-000001"));
    CHECK(c.recipients[1].spec == "pos-3:opt=a%20b");
    CHECK_THAT(c.recipients[1].why, Catch::Contains("connection (timed out) [log:1]"));
    REQUIRE(c.left_out.size() == 1);
    CHECK(c.left_out[0].name == "pos-2");
    CHECK(c.strangers == Words{"pos-9"});

    // A failure after the success counts again; one without a date is older than any success.
    results.push_back(result("pos-2", "pkg-b-3.4", false, "2026-11-21T12:00:00Z"));
    c = choose(view, failures, results, false);
    CHECK(c.recipients.size() == 3);
    failures = {failure("pos-2", "pkg-b-3.4", nullptr)};
    results = {result("pos-2", "pkg-b-3.4", true, "2026-11-21T11:00:00Z")};
    c = choose(view, failures, results, false);
    CHECK(c.recipients.empty());
    // A record without a package: every package of the target.
    failures = {failure("pos-2", "", "2026-11-21T10:00:00Z")};
    c = choose(view, failures, results, false);
    REQUIRE(c.recipients.size() == 1);
    CHECK_THAT(c.recipients[0].why, Catch::StartsWith("the distribution failed"));
    // --all-recipients: everyone, in the original order.
    c = choose(view, failures, results, true);
    REQUIRE(c.recipients.size() == 3);
    CHECK_THAT(c.recipients[0].why, Catch::StartsWith("in the original list"));
    CHECK(c.left_out.empty());
}

TEST_CASE("the display quotes control characters away", "[redist]") {
    CHECK(display_quote("pos-1:replace") == "pos-1:replace");
    CHECK(display_quote("a b") == "'a b'");
    CHECK(display_quote("x\x1b[2Jy'") == "$'x\\x1b[2Jy\\''");
    Plan p;
    p.dist = "D-1";
    p.status = "open";
    p.original_cmd = "swd-queue submit --dist D-1 --origin $'\\e'";
    p.argv = {"swd-queue", "submit", "--origin", "\x1b]0;owned\x07"};
    p.choice.recipients = {{"pos-1", "pos-1", "why\x1b[31m"}};
    const auto text = describe(p);
    CHECK(text.find('\x1b') == std::string::npos);
    CHECK(text.find('\x07') == std::string::npos);
    CHECK_THAT(text, Catch::Contains("$'\\x1b]0;owned\\x07'"));
    CHECK_THAT(text, Catch::Contains("pos-1  why\\x1b[31m\n"));
}

TEST_CASE("log files: rotations oldest first, searched newest first, older files never opened",
          "[redist]") {
    TempDir dir;
    const auto log = dir.path() / "distribution.log";
    const std::string received =
        "ts=2026-11-20T08:00:00Z dist=D-1 event=received origin=m packages=pkg-a-1.2 "
        "targets=pos-1,pos-2 cmd=\"swd-queue submit --dist D-1 --package pkg-a-1.2 --target "
        "pos-1:replace --target pos-2\"\n";
    std::string noise;
    for (int i = 0; i < 2000; ++i)
        noise += "ts=2026-11-20T09:00:00Z dist=D-" + std::to_string(100 + i) +
                 " event=result target=x package=p result=success\n";
    write_gz(dir.path() / "distribution.log.2.gz", noise + received + noise);
    write(dir.path() / "distribution.log.1",
          "ts=2026-11-21T10:00:00Z dist=D-1 event=result request=R-1 target=pos-1 "
          "package=pkg-a-1.2 result=failed failure=connection detail=\"timed out\"\n"
          "garbage \"line\n");
    write(log,
          "ts=2026-11-22T10:00:00Z dist=D-1 event=result target=pos-2 package=pkg-a-1.2 "
          "result=success\n"
          "ts=2026-11-22T10:00:01Z dist=\"D-2\" event=received cmd=\"swd-queue submit --dist "
          "D-2\"\n");
    write_gz(dir.path() / "distribution.log.3.gz", received, true);
    write(dir.path() / "other.log", received);
    set_mtime(dir.path() / "distribution.log.3.gz", "2026-11-01T00:00:00Z");
    set_mtime(dir.path() / "distribution.log.2.gz", "2026-11-20T12:00:00Z");
    set_mtime(dir.path() / "distribution.log.1", "2026-11-21T12:00:00Z");
    set_mtime(log, "2026-11-22T12:00:00Z");

    const auto files = rotation_set(log);
    REQUIRE(files.size() == 4);
    CHECK(files[0].path.filename() == "distribution.log.3.gz");
    CHECK(files[3].path.filename() == "distribution.log");
    CHECK(rotation_set_in(dir.path(), "distribution.log").size() == 4);
    CHECK(rotation_set(dir.path() / "missing" / "distribution.log").empty());

    // D-1 failed 2026-11-21 with a lookback of two days: the files from 2026-11-19 on, newest
    // first, until its received line is found (in .2.gz); .3.gz is older than that.
    SearchStats stats;
    auto found = search(
        files, {{"D-1", parse_rfc3339("2026-11-19T00:00:00Z")}, {"D-2", std::nullopt}}, {}, stats);
    CHECK(stats.files_read == 3);
    CHECK(stats.files_skipped == 1);
    CHECK(stats.files_failed == 0);
    CHECK(stats.lines == 4005);
    REQUIRE(found["D-1"].received);
    CHECK(found["D-1"].received->where ==
          (dir.path() / "distribution.log.2.gz").string() + ":2001");
    CHECK(swd::process::split_words(found["D-1"].received->cmd).size() == 10);
    REQUIRE(found["D-1"].results.size() == 2);  // in log order, oldest file first
    CHECK(found["D-1"].results[0].target == "pos-1");
    CHECK(!found["D-1"].results[0].ok);
    CHECK(found["D-1"].results[0].detail == "timed out");
    CHECK(found["D-1"].results[1].ok);
    CHECK(found["D-2"].received);  // a quoted dist value is parsed too

    // A job without a date: newest first until its received line is found, nothing older.
    SearchStats undated;
    found = search(files, {{"D-2", std::nullopt}}, {"D-1"}, undated);
    CHECK(undated.files_read == 1);
    CHECK(undated.files_skipped == 3);
    CHECK(found["D-2"].received);
    CHECK(found["D-1"].results.size() == 1);  // results of `more` in the files read

    // A dated job whose window ends before the newest file: nothing opened.
    SearchStats none;
    found = search(files, {{"D-9", parse_rfc3339("2026-11-23T00:00:00Z")}}, {}, none);
    CHECK(none.files_read == 0);
    CHECK(none.files_skipped == 4);
    CHECK(found.empty());

    // A job in no file and without a date reads every file: the corrupt one is a warning and
    // the search goes on.
    SearchStats all;
    found = search(files, {{"D-1", std::nullopt}, {"D-9", std::nullopt}}, {}, all);
    CHECK(all.files_failed == 1);
    CHECK(all.files_read == 4);
    CHECK(all.files_skipped == 0);
    CHECK(found["D-1"].received);
    CHECK(found.count("D-9") == 0);
    CHECK_THROWS_AS(named_files({(dir.path() / "nope").string()}), swd::Error);
}

TEST_CASE("entries, runs and swd-ticket's failed records in the state file", "[redist]") {
    TempDir dir;
    auto schemas = swd::ticket::schemas();
    schemas.push_back(&schema());
    swd::State st(dir.path() / "state.db", schemas);
    CHECK(holds_failures(st.db()));
    st.write([](SQLite::Database& db) {
        // The alerts swd-ticket stored: the failed distributions are what they name.
        db.exec(
            "INSERT INTO ticket_keys(key, device, failure) VALUES (1, 'pos-1', 'package'), "
            "(2, 'pos-2', 'package'), (3, 'pos-3', 'package');"
            "INSERT INTO ticket_alerts(id, key, device, failure, at, counted, outage, action, "
            "dist, server, package, processed) VALUES "
            "('A-1', 1, 'pos-1', 'package', unixepoch('2026-11-21T10:00:00Z'), 1, 0, 'counted', "
            "'D-1', 'relay-a', 'pkg-a-1.2', '2026-11-21T10:05:00Z'),"
            "('A-2', 1, 'pos-1', 'package', unixepoch('2026-11-21T10:01:00Z'), 1, 0, 'counted', "
            "'D-1', 'relay-a', 'pkg-b-3.4', '2026-11-21T10:05:00Z'),"
            "('A-3', 2, 'pos-2', 'package', unixepoch('2026-11-21T10:00:00Z'), 1, 0, 'counted', "
            "'D-2', 'relay-b', 'pkg-a-1.2', '2026-11-21T10:05:00Z'),"
            "('A-4', 3, 'pos-3', 'package', unixepoch('2026-11-10T10:00:00Z'), 1, 0, 'counted', "
            "'D-3', 'relay-a', 'pkg-a-1.2', '2026-11-21T10:05:00Z')");
    });
    const auto open =
        open_failures(st.db(), "relay-a", parse_rfc3339("2026-11-20T00:00:00Z"), std::nullopt);
    REQUIRE(open.size() == 2);
    CHECK(open[1].alert == "A-2");
    CHECK(open[0].source == "state");
    const auto now = parse_rfc3339("2026-11-22T00:00:00Z").value();
    int changed = 0;
    st.write([&](SQLite::Database& db) {
        changed =
            mark_failures(db, "D-1", "relay-a", "POS-1", "redistributed", "X-1", "D-1-R1", now);
    });
    CHECK(changed == 2);
    CHECK(open_failures(st.db(), "relay-a", std::nullopt, std::nullopt).size() == 1);
    SQLite::Statement q(
        st.db(), "SELECT status, resolved_by, new_dist FROM ticket_failed WHERE dist = 'D-1'");
    REQUIRE(q.executeStep());
    CHECK(q.getColumn(0).getString() == "redistributed");
    CHECK(q.getColumn(2).getString() == "D-1-R1");

    CHECK(issued_count(st.db(), "D-1") == 0);
    st.write([&](SQLite::Database& db) {
        Entry e;
        e.id = swd::ids::next(db, 'X', now);
        e.server = "relay-a";
        e.dist = "D-1";
        e.redist_of = "D-1";
        e.new_dist = "D-1-R1";
        e.argv = {"swd-queue", "submit"};
        e.status = "issued";
        e.created = e.updated = "2026-11-22T00:00:00Z";
        save_entry(db, e);
        e.id = swd::ids::next(db, 'X', now);
        e.status = "declined";
        e.new_dist.clear();
        save_entry(db, e);
        set_last_run(db, "relay-a", now);
    });
    CHECK(issued_count(st.db(), "D-1") == 1);
    CHECK(issued_new_dists(st.db(), "D-1") == Words{"D-1-R1"});
    CHECK(last_run(st.db(), "relay-a") == now);
    CHECK(!last_run(st.db(), "relay-b"));

    swd::State bare(dir.path() / "bare.db", {&swd::ids::schema(), &schema()});
    CHECK(!holds_failures(bare.db()));
}
