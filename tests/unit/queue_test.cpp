#include <catch2/catch.hpp>
#include <functional>

#include "caught_error.hpp"
#include "libcore/base/error.hpp"
#include "libcore/base/ids.hpp"
#include "libcore/base/process.hpp"
#include "libcore/mail/outbox.hpp"
#include "libcore/queue/admin.hpp"
#include "libcore/queue/alert.hpp"
#include "libcore/queue/intake.hpp"
#include "libcore/queue/run.hpp"
#include "libcore/queue/settings.hpp"
#include "libcore/queue/transport.hpp"
#include "pkg_fixture.hpp"
#include "smtp_server.hpp"

namespace {

using swd::test::error_of;
using swd::test::status_of;

using swd::test::read_file;
using swd::test::TempDir;
using swd::test::write_file;
namespace queue = swd::queue;

struct Fixture {
    TempDir tmp;
    queue::Settings settings;
    swd::State state{tmp.path() / "state.db", queue::schemas()};
    std::unique_ptr<swd::distlog::Appender> log;

    Fixture() {
        settings.packages = tmp.path() / "store";
        settings.spool = tmp.path() / "spool";
        settings.log = tmp.path() / "dist.log";
        settings.retry_interval = 0;
        settings.push_retries = 1;
        settings.pull_retries = 1;
        settings.server = "relay-a";
        settings.alert_to = {"ops@example.com"};
        settings.alert_retry = {std::chrono::seconds(0)};
        settings.smtp.url = "smtp://127.0.0.1:1";
        settings.smtp.from = "swd@relay-a.east.example.com";
        log = std::make_unique<swd::distlog::Appender>(settings.log);
        swd::test::make_package(tmp.path() / "src/pkg-a-1.2", "pkg-a", "1.2",
                                {{"payload/a", "opt/a.txt", "a\n", "", ""}});
        swd::test::make_package(tmp.path() / "src/pkg-b-3.4", "pkg-b", "3.4",
                                {{"payload/b", "opt/b.txt", "b\n", "", ""}});
        swd::package::Store store(settings.packages);
        store.add(tmp.path() / "src/pkg-a-1.2");
        store.add(tmp.path() / "src/pkg-b-3.4");
    }

    void add_target(const std::string& name, const std::string& transport,
                    const std::string& install = "") {
        queue::Target t;
        t.name = name;
        t.transport = transport;
        t.install_cmd = install;
        t.location = "Building 12/Room 3";
        t.region = "east";
        t.added = "2026-11-21T10:00:00Z";
        state.write([&](SQLite::Database& db) { queue::upsert_target(db, t); });
    }

    std::vector<queue::Request> submit(std::vector<std::string> words) {
        return queue::submit_words(state, settings, *log, std::move(words));
    }

    queue::RunReport run(int max_active = 4) {
        std::FILE* out = std::tmpfile();
        swd::RecordOutput records(swd::Format::jsonl, {}, out);
        queue::RunOptions o;
        o.max_active = max_active;
        auto rep = queue::run_manager(state, settings, *log, records, o);
        std::fclose(out);
        return rep;
    }

    queue::Request request(const std::string& id) { return *queue::find_request(state.db(), id); }
};

}  // namespace

TEST_CASE("templates are split once, values stay inside their word", "[queue]") {
    const std::map<std::string, std::string> values{{"target", "pos 1"},
                                                    {"package", "$(reboot);x"},
                                                    {"package_dir", "/srv/it's here"},
                                                    {"params", "a,b"}};
    const auto argv = queue::expand(
        "install-pkg --to={target} '{package}' \"{package_dir}/x y\" {params} {nope}", values);
    CHECK(argv == std::vector<std::string>{"install-pkg", "--to=pos 1", "$(reboot);x",
                                           "/srv/it's here/x y", "a,b", "{nope}"});
    CHECK_NOTHROW(
        queue::check_template("t", "push {package_dir} {target}:{address} {mac} {params}"));
    CHECK_THAT(error_of([] { queue::check_template("--install-cmd", "push {pkgdir}"); }),
               Catch::Contains("unknown placeholder {pkgdir}"));
    CHECK_THAT(error_of([] { queue::check_template("--install-cmd", "push 'open"); }),
               Catch::Contains("unterminated"));
    CHECK_THAT(error_of([] { queue::check_template("--install-cmd", "   "); }),
               Catch::Contains("empty command"));
}

TEST_CASE("submit: one request per target, logged verbatim, bad commands refused whole",
          "[queue]") {
    Fixture f;
    f.add_target("pos-1", "local:/nonexistent/pos-1");
    f.add_target("pos-2", "local:/nonexistent/pos-2");
    const std::vector<std::string> words{
        "submit",    "--dist",    "D-1",      "--package",           "pkg-a-1.2",
        "--package", "pkg-b-3.4", "--target", "pos-1:replace,force", "--target",
        "pos-2",     "--origin",  "master-1", "--push-retries",      "2"};
    const auto reqs = f.submit(words);
    REQUIRE(reqs.size() == 2);
    CHECK(reqs[0].target == "pos-1");
    CHECK(reqs[0].params == std::vector<std::string>{"replace", "force"});
    CHECK(reqs[0].packages == std::vector<std::string>{"pkg-a-1.2", "pkg-b-3.4"});
    CHECK(reqs[0].push_left == 2);
    CHECK(reqs[1].params.empty());
    CHECK(reqs[0].queue == "incoming");
    CHECK(reqs[0].id < reqs[1].id);

    const auto line = read_file(f.settings.log);
    const auto parsed = swd::distlog::parse_line(line.substr(0, line.find('\n')));
    REQUIRE(parsed);
    CHECK(parsed->at("event") == "received");
    CHECK(parsed->at("origin") == "master-1");
    CHECK(parsed->at("targets") == "pos-1,pos-2");
    auto argv = words;
    argv.insert(argv.begin(), "swd-queue");
    CHECK(swd::process::split_words(parsed->at("cmd")) == argv);

    const auto refused = [&](std::vector<std::string> w) {
        return error_of([&] { f.submit(std::move(w)); });
    };
    CHECK_THAT(refused({"--dist", "D-2", "--package", "pkg;rm -rf /", "--target", "pos-1"}),
               Catch::Contains("package 'pkg;rm -rf /': only letters"));
    // A parameter is data (an argv word, never a shell's): only the separator and control
    // characters are refused, shown escaped.
    CHECK_THAT(refused({"--dist", "D-2", "--package", "pkg-a-1.2", "--target", "pos-1:a\tb"}),
               Catch::Contains("parameter 'a\\x09b': control characters"));
    CHECK_THAT(refused({"--dist", "D-2", "--package", "pkg-a-1.2", "--target", "pos-1", "--target",
                        "ghost"}),
               Catch::Contains("unknown target 'ghost'"));
    CHECK_THAT(refused({"--dist", "D-2", "--package", "pkg-a-1.2"}),
               Catch::Contains("--target is required"));
    CHECK_THAT(refused({"--dist", "D-2", "--package", "pkg-a-1.2", "--target", "pos-1",
                        "--retry-interval", "soon"}),
               Catch::Contains("not a duration"));
    CHECK(queue::list_requests(f.state.db(), "").size() == 2);  // nothing of the refused ones
    CHECK_THAT(read_file(f.settings.log), Catch::Contains("event=rejected"));
}

TEST_CASE("run: success, then hold -> pull -> login -> done, events end closed", "[queue]") {
    Fixture f;
    const auto up = f.tmp.path() / "ep/up";
    const auto down = f.tmp.path() / "ep/down";
    std::filesystem::create_directories(up);
    f.add_target("up", "local:" + up.string());
    f.add_target("down", "local:" + down.string());
    const auto reqs = f.submit({"--dist", "D-1", "--package", "pkg-a-1.2", "--package", "pkg-b-3.4",
                                "--target", "up", "--target", "down"});
    auto rep = f.run();
    CHECK(rep.done == 1);
    CHECK(rep.failed == 1);
    CHECK(f.request(reqs[0].id).queue == "done");
    CHECK(read_file(up / "opt/b.txt") == "b\n");
    auto down_req = f.request(reqs[1].id);
    CHECK(down_req.queue == "hold");
    CHECK(down_req.push_left == 0);
    CHECK(down_req.last_failure == "connection");

    f.run();  // the retry: no push retries left -> authoritative pull
    down_req = f.request(reqs[1].id);
    CHECK(down_req.queue == "pull");
    CHECK(down_req.mode == "pull");
    CHECK(down_req.pull_left == 0);
    f.run();  // pull requests wait for a login
    CHECK(f.request(reqs[1].id).queue == "pull");

    std::filesystem::create_directories(down);
    f.state.write([&](SQLite::Database& db) {
        auto in = queue::parse_command(db, f.settings, {"login", "down"}, "", swd::timeutil::now());
        queue::store(db, in, swd::timeutil::now());
    });
    f.run();
    CHECK(f.request(reqs[1].id).queue == "done");
    CHECK(read_file(down / "opt/a.txt") == "a\n");

    // Only the errors are still open: two unreachable attempts. Start events were all closed.
    queue::EventFilter open;
    open.open_only = true;
    const auto still = queue::list_events(f.state.db(), open);
    REQUIRE(still.size() == 2);
    for (const auto& e : still)
        CHECK(e.cls == "SWD_Unreachable");
    // One alert per failed attempt waits in the outbox (the SMTP server is not there).
    const auto alerts = swd::outbox::list(f.state.db(), "");
    REQUIRE(alerts.size() == 2);
    CHECK_THAT(alerts[0].message,
               Catch::Contains("Subject: [SWD] connection failure: down (pkg-a-1.2) dist D-1"));
    CHECK_THAT(alerts[0].message, Catch::Contains("Location: Building 12/Room 3"));
}

TEST_CASE("run: an install failure with no retries aborts naming the package", "[queue]") {
    Fixture f;
    f.add_target("x", "exec", "/bin/sh -c 'echo \"disk on fire\" >&2; exit 4' {package}");
    const auto reqs = f.submit({"--dist", "D-9", "--package", "pkg-a-1.2", "--target", "x",
                                "--push-retries", "0", "--pull-retries", "0"});
    f.run();
    const auto r = f.request(reqs[0].id);
    CHECK(r.queue == "abort");
    CHECK(r.last_package == "pkg-a-1.2");
    CHECK_THAT(r.last_error, Catch::Contains("exit 4: disk on fire"));
    queue::EventFilter all;
    const auto events = queue::list_events(f.state.db(), all);
    const auto last = events.back();
    CHECK(last.cls == "SWD_List_Failed");
    CHECK(last.severity == "MINOR");
    CHECK(last.open);
    CHECK_THAT(last.message, Catch::Contains("last attempted package pkg-a-1.2"));
    REQUIRE(queue::ack_event(f.state.db(), last.id, "2026-11-21T11:00:00Z"));
    CHECK_FALSE(queue::ack_event(f.state.db(), last.id, "2026-11-21T11:00:00Z"));
}

TEST_CASE("spool: good files are taken in once, corrupt ones set aside with a reason", "[queue]") {
    Fixture f;
    f.add_target("pos-1", "local:/nonexistent/pos-1");
    queue::ensure_spool(f.settings.spool);
    write_file(f.settings.spool / "incoming/1.good",
               "# from the master\nswd-queue submit --dist D-5 --package pkg-a-1.2 --target "
               "pos-1:replace\n\n"
               "pull-request --endpoint pos-1 --package pkg-b-3.4\n");
    write_file(f.settings.spool / "incoming/2.bad",
               "submit --dist D-6 --package pkg-a-1.2 --target pos-1\nsubmit --dist 'D-7 --target "
               "pos-1\n");
    write_file(f.settings.spool / "incoming/3.binary", std::string("\x00\xff\xfe garbage", 12));
    const auto rep = queue::ingest_spool(f.state, f.settings, *f.log);
    CHECK(rep.files == 3);
    CHECK(rep.requests == 2);
    CHECK(rep.corrupt == 2);
    CHECK_FALSE(std::filesystem::exists(f.settings.spool / "incoming/1.good"));
    CHECK(std::filesystem::exists(f.settings.spool / "corrupt/2.bad"));
    CHECK_THAT(read_file(f.settings.spool / "corrupt/2.bad.reason"),
               Catch::Contains("line 2: unterminated"));
    CHECK(std::filesystem::exists(f.settings.spool / "corrupt/3.binary.reason"));
    const auto reqs = queue::list_requests(f.state.db(), "");
    REQUIRE(reqs.size() == 2);  // nothing of 2.bad, though its first line was fine
    CHECK(reqs[0].origin == "spool");
    CHECK(reqs[1].mode == "trusted-pull");

    // The same file again (a crash between commit and unlink) is not queued twice.
    write_file(f.settings.spool / "incoming/1.good",
               "# from the master\nswd-queue submit --dist D-5 --package pkg-a-1.2 --target "
               "pos-1:replace\n\n"
               "pull-request --endpoint pos-1 --package pkg-b-3.4\n");
    queue::ingest_spool(f.state, f.settings, *f.log);
    CHECK(queue::list_requests(f.state.db(), "").size() == 2);
}

TEST_CASE("alert mails follow DESIGN §5", "[queue]") {
    queue::AlertInfo a{"connection",
                       "pos-0042",
                       "relay-a",
                       "D-20261121-0042",
                       "pkg-a-1.2",
                       "Building 12/Room 3",
                       "east",
                       swd::timeutil::parse_rfc3339("2026-11-21T10:15:03Z").value(),
                       "connect to 10.1.2.3 port 22\ntimed out"};
    CHECK(queue::alert_subject(a) ==
          "[SWD] connection failure: pos-0042 (pkg-a-1.2) dist D-20261121-0042");
    CHECK(queue::alert_body(a) ==
          "Failure-Type: connection\nDevice: pos-0042\nServer: relay-a\nDistribution-ID: "
          "D-20261121-0042\n"
          "Package: pkg-a-1.2\nLocation: Building 12/Room 3\nRegion: east\nTime: "
          "2026-11-21T10:15:03Z\n"
          "Detail: connect to 10.1.2.3 port 22 timed out\n");
    const auto msg = swd::mail::compose(
        queue::alert_message(a, "swd@relay-a.east.example.com", {"sc@example.com"}));
    CHECK_THAT(msg, Catch::Contains("From: swd-queue <swd@relay-a.east.example.com>"));
    CHECK_THAT(msg, Catch::Contains("Auto-Submitted: auto-generated"));
    CHECK_THAT(msg, Catch::Contains("X-SWD-Alert: 1"));
    CHECK_THAT(msg, Catch::Contains("@relay-a.east.example.com>"));
}

TEST_CASE("queue alerts: a 5xx leaves the alert failed with an open SWD_Alert_Failed event",
          "[queue]") {
    Fixture f;
    swd::test::SmtpServer server(f.tmp.path() / "smtpd");
    f.settings.smtp.url = server.url();
    f.settings.alert_retry = {std::chrono::seconds(0), std::chrono::seconds(1)};
    f.add_target("down", "local:/nonexistent/down");
    const auto reqs = f.submit({"--dist", "D-3", "--package", "pkg-a-1.2", "--target", "down",
                                "--push-retries", "0", "--pull-retries", "0"});
    server.answer("550");
    f.run();  // the attempt fails; its alert is refused at the end of the pass
    const auto alerts = swd::outbox::list(f.state.db(), "failed");
    REQUIRE(alerts.size() == 1);
    const auto rec = queue::alert_record(alerts[0]);
    CHECK_THAT(rec, Catch::StartsWith(
                        R"({"type":"outbox","v":1,"id":1,"kind":"alert","request":")" + reqs[0].id +
                        R"(","to":["ops@example.com"],"subject":"[SWD] connection )"
                        R"(failure: down (pkg-a-1.2) dist D-3","status":"failed",)"
                        R"("attempts":1,"last_error":")"));
    queue::EventFilter open;
    open.open_only = true;
    const auto events = queue::list_events(f.state.db(), open);
    REQUIRE(events.size() == 3);  // SWD_Unreachable, SWD_List_Failed, SWD_Alert_Failed
    const auto& e = events.back();
    CHECK(e.cls == "SWD_Alert_Failed");
    CHECK(e.severity == "MINOR");
    CHECK(e.request == reqs[0].id);
    CHECK(e.dist == "D-3");
    CHECK(e.target == "down");
    CHECK_THAT(e.message,
               Catch::EndsWith("550 5.7.1 no; resend it with: swd-queue alerts retry 1"));

    // Not resent by itself; sent once after outbox::retry.
    server.answer("250");
    auto rep = queue::send_alerts(f.state, f.settings, swd::timeutil::now());
    CHECK(rep.mail.sent + rep.mail.retry + rep.mail.failed == 0);
    f.state.write([&](SQLite::Database& db) {
        REQUIRE(swd::outbox::retry(db, 1, queue::alert_kind, swd::timeutil::now()));
    });
    rep = queue::send_alerts(f.state, f.settings, swd::timeutil::now());
    CHECK(rep.mail.sent == 1);
    CHECK(rep.events.empty());
    CHECK(server.messages().size() == 1);
}

TEST_CASE("undo through a local: target, and an exec target is refused", "[queue]") {
    Fixture f;
    const auto root = f.tmp.path() / "ep/pos-1";
    std::filesystem::create_directories(root);
    f.add_target("pos-1", "local:" + root.string());
    f.add_target("x", "exec", "/bin/true {package}");
    const auto reqs = f.submit({"--dist", "D-U", "--package", "pkg-a-1.2", "--target", "pos-1"});
    f.run();
    REQUIRE(f.request(reqs[0].id).queue == "done");
    REQUIRE(std::filesystem::exists(root / "opt/a.txt"));
    const auto t = *queue::find_target(f.state.db(), "pos-1");
    CHECK(queue::undo(t, "pkg-a-1.2").status == swd::installer::Outcome::Status::undone);
    CHECK_FALSE(std::filesystem::exists(root / "opt"));
    CHECK(queue::undo(t, "pkg-a-1.2").status == swd::installer::Outcome::Status::not_installed);
    const auto x = *queue::find_target(f.state.db(), "x");
    CHECK_THAT(error_of([&] { queue::undo(x, "pkg-a-1.2"); }),
               Catch::Contains("only local: targets are undone"));
}

TEST_CASE("admin: new targets take their name into a local: transport, bad ones are refused",
          "[queue]") {
    queue::Target proto;
    proto.transport = "local:/srv/endpoints/{target}";
    proto.location = "Building 12/Room 3";
    const auto ts = "2026-11-21T10:00:00Z";
    const auto targets = queue::new_targets({"pos-1", "pos-2"}, proto, ts);
    REQUIRE(targets.size() == 2);
    CHECK(targets[1].name == "pos-2");
    CHECK(targets[1].transport == "local:/srv/endpoints/pos-2");
    CHECK(targets[1].location == "Building 12/Room 3");
    CHECK(targets[1].added == ts);
    CHECK(queue::target_record(targets[0]) ==
          R"({"type":"target","v":1,"name":"pos-1","transport":"local:/srv/endpoints/pos-1",)"
          R"("location":"Building 12/Room 3","added":"2026-11-21T10:00:00Z"})");

    proto.transport = "exec";
    proto.install_cmd = "push {package} {target}";
    CHECK(queue::new_targets({"x"}, proto, ts).front().transport == "exec");  // no {target} there
    CHECK(status_of([&] {
              queue::new_targets({"ok", "bad name"}, proto, ts);
          }).first == swd::Exit::usage);
    proto.transport = "local:relative/{target}";
    proto.install_cmd.clear();
    CHECK_THAT(error_of([&] { queue::new_targets({"x"}, proto, ts); }),
               Catch::Contains("local: needs an absolute directory"));
}

TEST_CASE("admin: a target is removed only when no request waits for it", "[queue]") {
    Fixture f;
    f.add_target("pos-1", "local:/nonexistent/pos-1");
    f.add_target("pos-2", "local:/nonexistent/pos-2");
    f.submit({"--dist", "D-1", "--package", "pkg-a-1.2", "--target", "pos-1"});
    const auto retire = [&](const std::string& name, bool dry) {
        return status_of([&] {
            f.state.write([&](SQLite::Database& db) { queue::retire_target(db, name, dry); });
        });
    };
    CHECK(retire("pos-1", false) ==
          std::pair{swd::Exit::negative, std::string("pos-1: 1 request(s) still queued for it")});
    CHECK(retire("pos-1", true).second == "pos-1: 1 request(s) still queued for it");
    CHECK(queue::find_target(f.state.db(), "pos-1"));
    CHECK(retire("ghost", false) ==
          std::pair{swd::Exit::negative, std::string("ghost: no such target")});
    f.state.write([&](SQLite::Database& db) { queue::retire_target(db, "pos-2", true); });
    CHECK(queue::find_target(f.state.db(), "pos-2"));
    f.state.write([&](SQLite::Database& db) { queue::retire_target(db, "pos-2"); });
    CHECK_FALSE(queue::find_target(f.state.db(), "pos-2"));
}

TEST_CASE("admin: a dry package add verifies in a scratch store and keeps nothing", "[queue]") {
    Fixture f;
    swd::test::make_package(f.tmp.path() / "src/pkg-c-1.0", "pkg-c", "1.0",
                            {{"payload/c", "opt/c.txt", "c\n", "", ""}});
    swd::package::Store store(f.settings.packages);
    const auto src = (f.tmp.path() / "src/pkg-c-1.0").string();
    // The scratch store is made under TMPDIR, and gone afterwards.
    const auto scratch = f.tmp.path() / "scratch";
    std::filesystem::create_directories(scratch);
    const char* tmpdir = std::getenv("TMPDIR");
    const std::string saved = tmpdir ? tmpdir : "";
    ::setenv("TMPDIR", scratch.c_str(), 1);
    const auto dry = queue::add_package(store, src, true);
    CHECK_THAT(error_of([&] { queue::add_package(store, (f.tmp.path() / "src").string(), true); }),
               Catch::Contains("swd-package.xml"));
    if (tmpdir)
        ::setenv("TMPDIR", saved.c_str(), 1);
    else
        ::unsetenv("TMPDIR");
    CHECK(std::filesystem::is_empty(scratch));
    CHECK(dry.dir == src);
    CHECK_FALSE(store.find("pkg-c-1.0"));
    CHECK_THAT(queue::package_record(dry),
               Catch::StartsWith(R"({"type":"package","v":1,)"
                                 R"("id":"pkg-c-1.0","name":"pkg-c",)"
                                 R"("version":"1.0","title":"pkg-c","files":1,)"
                                 R"("dependencies":[],"path":")" +
                                 src + "\""));
    CHECK(queue::add_package(store, src).dir == f.settings.packages / "pkg-c-1.0");
    auto& db = f.state.db();
    CHECK(queue::remove_package(db, store, "pkg-c-1.0", true));
    CHECK(store.find("pkg-c-1.0"));
    CHECK(queue::remove_package(db, store, "pkg-c-1.0"));
    CHECK_FALSE(queue::remove_package(db, store, "pkg-c-1.0"));
    CHECK_FALSE(queue::remove_package(db, store, "pkg-c-1.0", true));
}

TEST_CASE("admin: undo names the distribution in its event and log line", "[queue]") {
    Fixture f;
    const auto root = f.tmp.path() / "ep/pos-1";
    std::filesystem::create_directories(root);
    f.add_target("pos-1", "local:" + root.string());
    f.add_target("x", "exec", "/bin/true {package}");
    f.submit({"--dist", "D-U", "--package", "pkg-a-1.2", "--target", "pos-1"});
    f.run();
    const auto now = swd::timeutil::now();
    const auto would = queue::undo_install(f.state, *f.log, "pos-1", "pkg-a-1.2", now, true);
    CHECK(would.result == "would_undo");
    CHECK_FALSE(would.install_id.empty());
    CHECK(std::filesystem::exists(root / "opt/a.txt"));

    const auto done = queue::undo_install(f.state, *f.log, "pos-1", "pkg-a-1.2", now);
    CHECK(done.result == "undone");
    CHECK(done.install_id == would.install_id);
    CHECK_FALSE(std::filesystem::exists(root / "opt/a.txt"));
    queue::EventFilter all;
    const auto last = queue::list_events(f.state.db(), all).back();
    CHECK(last.cls == "SWD_Undo");
    CHECK(last.dist == "D-U");
    CHECK_FALSE(last.open);
    const auto log = read_file(f.settings.log);
    CHECK_THAT(log, Catch::Contains("dist=D-U event=undo target=pos-1 package=pkg-a-1.2 "
                                    "result=undone install_id=" +
                                    done.install_id));
    CHECK(queue::undo_record("pos-1", "pkg-a-1.2", done, "2026-11-21T10:00:00Z") ==
          R"({"type":"undo","v":1,"target":"pos-1","package":"pkg-a-1.2","result":"undone",)"
          R"("install_id":")" +
              done.install_id + R"(","detail":")" + done.detail +
              R"(","time":"2026-11-21T10:00:00Z"})");

    // Not installed (any more): nothing recorded.
    const auto events = queue::list_events(f.state.db(), all).size();
    CHECK(queue::undo_install(f.state, *f.log, "pos-1", "pkg-a-1.2", now).result ==
          "not_installed");
    CHECK(queue::undo_install(f.state, *f.log, "pos-1", "pkg-a-1.2", now, true).result ==
          "not_installed");
    CHECK(queue::list_events(f.state.db(), all).size() == events);
    CHECK(read_file(f.settings.log) == log);

    for (const bool dry : {false, true}) {
        CHECK(
            status_of([&] { queue::undo_install(f.state, *f.log, "x", "pkg-a-1.2", now, dry); }) ==
            std::pair{swd::Exit::usage,
                      std::string("undo: x is an exec target: only local: targets are undone "
                                  "by swd's installer")});
        CHECK(status_of([&] {
                  queue::undo_install(f.state, *f.log, "ghost", "pkg-a-1.2", now, dry);
              }) == std::pair{swd::Exit::usage, std::string("undo: no target ghost")});
    }
}
