#include <catch2/catch.hpp>
#include <fstream>

#include "caught_error.hpp"
#include "libcore/package/store.hpp"
#include "libcore/queue/intake.hpp"
#include "temp_dir.hpp"

namespace {

namespace queue = swd::queue;
using swd::test::error_of;
using swd::test::status_of;
using swd::test::TempDir;
using Words = std::vector<std::string>;

const auto now = swd::timeutil::parse_rfc3339("2026-11-21T10:15:03Z").value();
const std::string now_text = "2026-11-21T10:15:03Z";

std::string read(const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), {}};
}

struct Intake {
    TempDir tmp;
    swd::State state{tmp.path() / "state.db", queue::schemas()};
    queue::Settings settings;
    std::unique_ptr<swd::distlog::Appender> log;

    Intake() {
        settings.packages = tmp.path() / "store";
        for (const auto* id : {"pkg-a-1.2", "pkg-b-3.4"})
            swd::package::Store(settings.packages)
                .add(std::filesystem::path(SWD_SOURCE_DIR) / "examples/packages" / id);
        settings.spool = tmp.path() / "spool";
        settings.log = tmp.path() / "dist.log";
        settings.push_retries = 3;
        settings.pull_retries = 1;
        settings.retry_interval = 900;
        log = std::make_unique<swd::distlog::Appender>(settings.log);
        state.write([&](SQLite::Database& db) {
            for (const auto* name : {"pos-1", "pos-2"}) {
                queue::Target t;
                t.name = name;
                t.transport = "exec";
                t.added = now_text;
                queue::upsert_target(db, t);
            }
        });
    }

    queue::Intake parse(Words words, const std::string& origin = "") {
        return queue::parse_command(state.db(), settings, std::move(words), origin, now);
    }
    std::vector<queue::Request> store(const queue::Intake& in) {
        std::vector<queue::Request> out;
        state.write([&](SQLite::Database& db) { out = queue::store(db, in, now); });
        return out;
    }
    std::vector<queue::Request> all() { return queue::list_requests(state.db(), ""); }
    /// A file dropped into SPOOL/incoming.
    void drop(const std::string& name, const std::string& content) {
        queue::ensure_spool(settings.spool);
        std::ofstream(settings.spool / "incoming" / name, std::ios::binary) << content;
    }
};

const Words submit{"submit",    "--dist",    "D-1",      "--package",           "pkg-a-1.2",
                   "--package", "pkg-b-3.4", "--target", "pos-1:replace,force", "--target",
                   "pos-2"};

}  // namespace

TEST_CASE("intake: a submit becomes one push request per target, the settings' defaults filled in",
          "[queue_intake]") {
    Intake f;
    const auto in = f.parse(submit);
    CHECK(in.kind == queue::Intake::Kind::submit);
    REQUIRE(in.requests.size() == 2);
    const auto& r = in.requests[0];
    CHECK(r.id.empty());
    CHECK(r.dist == "D-1");
    CHECK(r.mode == "push");
    CHECK(r.first_mode == "push");
    CHECK(r.queue == "incoming");
    CHECK(r.target == "pos-1");
    CHECK(r.params == Words{"replace", "force"});
    CHECK(r.packages == Words{"pkg-a-1.2", "pkg-b-3.4"});
    CHECK(r.push_retries == 3);
    CHECK(r.push_left == 3);
    CHECK(r.pull_retries == 1);
    CHECK(r.pull_left == 1);
    CHECK(r.retry_interval == 900);
    CHECK(r.not_before == now_text);
    CHECK(r.created == now_text);
    CHECK(r.origin.empty());
    CHECK(in.requests[1].target == "pos-2");
    CHECK(in.requests[1].params.empty());
    const std::string cmd =
        "swd-queue submit --dist D-1 --package pkg-a-1.2 --package pkg-b-3.4 --target "
        "pos-1:replace,force --target pos-2";
    CHECK(in.cmd == cmd);
    CHECK(r.cmd == cmd);
    CHECK(in.log == swd::distlog::Fields{{"dist", "D-1"},
                                         {"event", "received"},
                                         {"mode", "push"},
                                         {"packages", "pkg-a-1.2,pkg-b-3.4"},
                                         {"targets", "pos-1,pos-2"},
                                         {"cmd", cmd}});
    // The program's name in front is taken off, with or without its directory.
    auto named = submit;
    named.insert(named.begin(), "/usr/bin/swd-queue");
    CHECK(f.parse(named).cmd == cmd);
}

TEST_CASE("intake: a submit's options override the settings", "[queue_intake]") {
    Intake f;
    auto words = submit;
    words.insert(words.end(), {"--push-retries", "0", "--pull-retries", "1000", "--retry-interval",
                               "5m", "--not-before", "1h", "--redist-of", "D-0"});
    auto in = f.parse(words, "spool");
    const auto& r = in.requests[0];
    CHECK(r.push_left == 0);
    CHECK(r.pull_left == 1000);
    CHECK(r.retry_interval == 300);
    CHECK(r.not_before == "2026-11-21T11:15:03Z");
    CHECK(r.created == now_text);
    CHECK(r.origin == "spool");  // the default origin, when the command names none
    CHECK(r.redist_of == "D-0");
    CHECK(in.log[2] == std::pair<std::string, std::string>{"origin", "spool"});
    CHECK(in.log[6] == std::pair<std::string, std::string>{"redist_of", "D-0"});

    words = submit;
    words.insert(words.end(), {"--origin", "master-1", "--not-before", "2026-12-01T00:00:00Z"});
    in = f.parse(words, "spool");
    CHECK(in.requests[0].origin == "master-1");
    CHECK(in.requests[0].not_before == "2026-12-01T00:00:00Z");
}

TEST_CASE("intake: a submit with any bad word is refused whole, saying why", "[queue_intake]") {
    Intake f;
    const auto refused = [&](Words extra, const std::string& target = "pos-1",
                             const std::string& dist = "D-1") {
        Words words{"submit", "--dist", dist, "--package", "pkg-a-1.2", "--target", target};
        words.insert(words.end(), extra.begin(), extra.end());
        const auto [status, what] = status_of([&] { f.parse(words); });
        CHECK(status == swd::Exit::usage);
        return what;
    };
    CHECK_THAT(refused({}, "pos-1", "D 2"), Catch::Contains("distribution id 'D 2'"));
    CHECK_THAT(refused({"--package", "pkg;rm"}), Catch::Contains("package 'pkg;rm'"));
    CHECK(refused({}, "ghost") ==
          "unknown target 'ghost' (known: pos-1, pos-2) (register it with swd-queue targets add)");
    CHECK(refused({}, "pos-1:") == "target 'pos-1': parameter '': empty");
    CHECK(refused({}, "pos-1:a,,b") == "target 'pos-1': parameter '': empty");
    CHECK(refused({}, "pos-1:" + std::string(129, 'p')) ==
          "target 'pos-1': parameter '" + std::string(129, 'p') + "': longer than 128 characters");
    CHECK(refused({}, "pos-1:a\x1b[2Jb") ==
          "target 'pos-1': parameter 'a\\x1b[2Jb': control characters (newline, tab, escape, "
          "...) are not allowed");
    CHECK(refused({"--push-retries", "1001"}) == "--push-retries must be between 0 and 1000");
    CHECK(refused({"--retry-interval", "soon"}) == "--retry-interval 'soon' is not a duration");
    CHECK(refused({"--not-before", "later"}) ==
          "--not-before 'later' is neither a time nor a duration");
    CHECK_THAT(refused({"--origin", "a b"}), Catch::Contains("origin 'a b'"));
    CHECK_THAT(refused({"--redist-of", "D/1"}), Catch::Contains("--redist-of 'D/1'"));
    CHECK_THAT(refused({"--nonsense"}), Catch::Contains("--nonsense"));
    // Parameters are data, not shell: quotes, spaces and metacharacters are taken as they are.
    const auto in = f.parse({"submit", "--dist", "D-1", "--package", "pkg-a-1.2", "--target",
                             "pos-1:$(reboot);x,it's here"});
    CHECK(in.requests[0].params == Words{"$(reboot);x", "it's here"});

    CHECK(status_of([&] { f.parse({}); }) ==
          std::pair{swd::Exit::usage, std::string("empty command")});
    CHECK(error_of([&] { f.parse({"swd-queue"}); }) == "empty command");
    CHECK(error_of([&] {
              f.parse({"run", "--once"});
          }) == "unknown command 'run' (expected submit, pull-request or login)");
}

TEST_CASE("intake: a pull-request is one trusted-pull request, named after its endpoint",
          "[queue_intake]") {
    Intake f;
    auto in = f.parse({"pull-request", "--endpoint", "pos-2:replace", "--package", "pkg-a-1.2"});
    CHECK(in.kind == queue::Intake::Kind::pull_request);
    REQUIRE(in.requests.size() == 1);
    const auto& r = in.requests[0];
    CHECK(r.dist == "P-pos-2-20261121101503");
    CHECK(r.mode == "trusted-pull");
    CHECK(r.target == "pos-2");
    CHECK(r.params == Words{"replace"});
    CHECK(r.origin == "pos-2");
    CHECK(r.push_left == 3);
    CHECK(r.retry_interval == 900);
    CHECK(in.log ==
          swd::distlog::Fields{{"dist", "P-pos-2-20261121101503"},
                               {"event", "received"},
                               {"origin", "pos-2"},
                               {"mode", "trusted-pull"},
                               {"packages", "pkg-a-1.2"},
                               {"targets", "pos-2"},
                               {"cmd",
                                "swd-queue pull-request --endpoint pos-2:replace --package "
                                "pkg-a-1.2"}});
    in = f.parse({"pull-request", "--endpoint", "pos-2", "--package", "pkg-a-1.2", "--dist", "D-7"},
                 "spool");
    CHECK(in.requests[0].dist == "D-7");
    CHECK(in.requests[0].origin == "spool");

    CHECK_THAT(error_of([&] {
                   f.parse({"pull-request", "--endpoint", "ghost", "--package", "p"});
               }),
               Catch::Contains("unknown target 'ghost'"));
    CHECK_THAT(
        error_of([&] {
            f.parse({"pull-request", "--endpoint", "pos-2", "--package", "p", "--dist", "D 7"});
        }),
        Catch::Contains("distribution id 'D 7'"));
    CHECK_THAT(error_of([&] {
                   f.parse({"pull-request", "--endpoint", "pos-2"});
               }),
               Catch::Contains("--package is required"));
}

TEST_CASE("intake: a login names one registered endpoint", "[queue_intake]") {
    Intake f;
    const auto in = f.parse({"swd-queue", "login", "pos-1"});
    CHECK(in.kind == queue::Intake::Kind::login);
    CHECK(in.endpoint == "pos-1");
    CHECK(in.requests.empty());
    CHECK(in.cmd == "swd-queue login pos-1");
    CHECK(in.log == swd::distlog::Fields{{"event", "login"}, {"target", "pos-1"}});
    CHECK(error_of([&] { f.parse({"login"}); }) == "login takes exactly one endpoint name");
    CHECK(error_of([&] {
              f.parse({"login", "pos-1", "pos-2"});
          }) == "login takes exactly one endpoint name");
    CHECK_THAT(error_of([&] {
                   f.parse({"login", "ghost"});
               }),
               Catch::Contains("unknown target 'ghost'"));
    CHECK_THAT(error_of([&] {
                   f.parse({"login", "../pos-1"});
               }),
               Catch::Contains("endpoint '../pos-1'"));
}

TEST_CASE("intake: store gives ids and a received event, a login frees only its pull requests",
          "[queue_intake]") {
    Intake f;
    const auto stored = f.store(f.parse(submit));
    REQUIRE(stored.size() == 2);
    CHECK(stored[0].id == "R-20261121-000001");
    CHECK(stored[1].id == "R-20261121-000002");
    const auto events = queue::list_events(f.state.db(), {});
    REQUIRE(events.size() == 2);
    CHECK(events[0].cls == "SWD_Received");
    CHECK(events[0].request == "R-20261121-000001");
    CHECK(events[0].message == "push request received: pkg-a-1.2 pkg-b-3.4");

    // Both wait: pos-1's in the pull queue, pos-2's in the hold queue.
    for (auto r : stored) {
        r.queue = r.target == "pos-1" ? "pull" : "hold";
        r.not_before = "2026-11-22T00:00:00Z";
        f.state.write([&](SQLite::Database& db) { queue::update_request(db, r); });
    }
    f.store(f.parse(submit));  // two more, incoming
    const auto freed = f.store(f.parse({"login", "pos-1"}));
    REQUIRE(freed.size() == 1);
    CHECK(freed[0].id == "R-20261121-000001");
    const auto r1 = *queue::find_request(f.state.db(), "R-20261121-000001");
    CHECK(r1.queue == "incoming");
    CHECK(r1.not_before == now_text);
    CHECK(queue::find_request(f.state.db(), "R-20261121-000002")->queue == "hold");
    CHECK(queue::list_requests(f.state.db(), "incoming").size() == 3);
    const auto login = queue::list_events(f.state.db(), {}).back();
    CHECK(login.cls == "SWD_Login");
    CHECK(login.target == "pos-1");
    CHECK(login.message == "endpoint logged in: 1 pull request(s) activated");
    CHECK(f.store(f.parse({"login", "pos-1"})).empty());
}

TEST_CASE("intake: submit_words logs what it takes in and what it refuses", "[queue_intake]") {
    Intake f;
    const Words words(submit.begin() + 1, submit.end());  // "submit" may be left out
    CHECK(queue::submit_words(f.state, f.settings, *f.log, words).size() == 2);
    CHECK(f.all().size() == 2);
    CHECK_THAT(read(f.settings.log), Catch::Contains(" dist=D-1 event=received mode=push "));

    const auto what = error_of([&] {
        queue::submit_words(f.state, f.settings, *f.log,
                            {"swd-queue", "submit", "--dist", "D-2", "--package", "pkg-a-1.2",
                             "--target", "ghost"});
    });
    CHECK(what ==
          "unknown target 'ghost' (known: pos-1, pos-2) (register it with swd-queue targets add)");
    CHECK(f.all().size() == 2);
    CHECK_THAT(read(f.settings.log),
               Catch::Contains(" event=rejected reason=\"unknown target 'ghost' (known: pos-1, "
                               "pos-2) (register it with "
                               "swd-queue targets add)\" cmd=\"swd-queue submit --dist D-2 "
                               "--package pkg-a-1.2 --target ghost\"\n"));
}

TEST_CASE("intake: a spool file is taken in once, by its name and content", "[queue_intake]") {
    Intake f;
    const std::string content =
        "# from the master\r\n"
        "swd-queue submit --dist D-5 --package pkg-a-1.2 --target 'pos-1:it'\\''s'\r\n"
        "\n"
        "   \n"
        "login pos-2\n";
    f.drop("1.cmd", content);
    f.drop(".hidden", "submit --dist D-6 --package pkg-a-1.2 --target pos-1\n");
    auto rep = queue::ingest_spool(f.state, f.settings, *f.log);
    CHECK(rep.files == 1);
    CHECK(rep.requests == 1);
    CHECK(rep.corrupt == 0);
    REQUIRE(f.all().size() == 1);
    CHECK(f.all()[0].params == Words{"it's"});
    CHECK(f.all()[0].origin == "spool");
    CHECK_FALSE(std::filesystem::exists(f.settings.spool / "incoming/1.cmd"));
    CHECK(std::filesystem::exists(f.settings.spool / "incoming/.hidden"));
    CHECK_THAT(read(f.settings.log), Catch::Contains(" spool=1.cmd\n"));
    CHECK(queue::list_events(f.state.db(), {}).back().cls == "SWD_Login");

    // The same file again (a crash between the commit and the unlink): removed, not queued.
    f.drop("1.cmd", content);
    rep = queue::ingest_spool(f.state, f.settings, *f.log);
    CHECK(rep.requests == 0);
    CHECK_FALSE(std::filesystem::exists(f.settings.spool / "incoming/1.cmd"));
    CHECK(f.all().size() == 1);
    // The same name with another content is another file.
    f.drop("1.cmd", "submit --dist D-8 --package pkg-a-1.2 --target pos-2\n");
    rep = queue::ingest_spool(f.state, f.settings, *f.log);
    CHECK(rep.requests == 1);
    CHECK(f.all().size() == 2);
}

TEST_CASE("intake: a bad spool file is set aside whole, with its reason", "[queue_intake]") {
    Intake f;
    const auto corrupt = f.settings.spool / "corrupt";
    f.drop("a.cmd", "submit --dist D-1 --package pkg-a-1.2 --target pos-1\nlogin ghost\n");
    f.drop("b.cmd", "# nothing but a comment\n\n");
    f.drop("c.cmd", std::string((1 << 20) + 1, '#'));
    std::filesystem::create_directory(f.settings.spool / "incoming/d.cmd");
    auto rep = queue::ingest_spool(f.state, f.settings, *f.log);
    CHECK(rep.files == 4);
    CHECK(rep.corrupt == 4);
    CHECK(rep.requests == 0);
    CHECK(f.all().empty());  // nothing of a.cmd, though its first line was fine
    CHECK(read(corrupt / "a.cmd.reason") ==
          "line 2: unknown target 'ghost' (known: pos-1, pos-2) (register it with swd-queue "
          "targets add)\n");
    CHECK(read(corrupt / "b.cmd.reason") == "no command in the file\n");
    CHECK(read(corrupt / "c.cmd.reason") == "larger than 1 MiB\n");
    CHECK(read(corrupt / "d.cmd.reason") == "not a regular file\n");
    CHECK(std::filesystem::is_directory(corrupt / "d.cmd"));

    // A second bad file of the same name keeps the first.
    f.drop("a.cmd", "submit --dist\n");
    rep = queue::ingest_spool(f.state, f.settings, *f.log);
    CHECK(rep.corrupt == 1);
    CHECK(read(corrupt / "a.cmd") ==
          "submit --dist D-1 --package pkg-a-1.2 --target pos-1\nlogin ghost\n");
    CHECK(read(corrupt / "a.cmd.1") == "submit --dist\n");
    CHECK_THAT(read(corrupt / "a.cmd.1.reason"), Catch::StartsWith("line 1: "));
    CHECK_THAT(read(f.settings.log),
               Catch::Contains("event=corrupt file=a.cmd kept_as=corrupt/a.cmd.1 reason="));
    const auto events = queue::list_events(f.state.db(), {});
    REQUIRE(events.size() == 5);
    CHECK(events.back().cls == "SWD_Spool_Corrupt");
    CHECK(events.back().open);
    CHECK_THAT(events.back().message, Catch::StartsWith("spool file a.cmd moved to corrupt/: "));
}
