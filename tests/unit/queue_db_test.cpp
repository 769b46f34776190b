#include <catch2/catch.hpp>

#include "caught_error.hpp"
#include "libcore/queue/db.hpp"
#include "libcore/queue/settings.hpp"
#include "temp_dir.hpp"

namespace {

namespace queue = swd::queue;
using swd::test::status_of;
using swd::test::TempDir;

struct Db {
    TempDir tmp;
    swd::State state{tmp.path() / "state.db", queue::schemas()};

    SQLite::Database& db() { return state.db(); }

    /// Inserts a request for `target` in `queue`, due at `not_before`.
    queue::Request add(const std::string& id, const std::string& target, const std::string& q,
                       const std::string& not_before = "2026-11-21T10:00:00Z", bool held = false) {
        queue::Request r;
        r.id = id;
        r.dist = "D-" + target;
        r.mode = r.first_mode = "push";
        r.queue = q;
        r.target = target;
        r.params = {"replace"};
        r.packages = {"pkg-a-1.2", "pkg-b-3.4"};
        r.push_retries = r.push_left = 2;
        r.pull_retries = r.pull_left = 1;
        r.retry_interval = 900;
        r.not_before = not_before;
        r.held = held;
        r.created = r.updated = "2026-11-21T09:00:00Z";
        state.write([&](SQLite::Database& d) { queue::insert_request(d, r); });
        return r;
    }

    std::string queue_of(const std::string& id) { return queue::find_request(db(), id)->queue; }
};

queue::Target target(const std::string& name, const std::string& transport) {
    queue::Target t;
    t.name = name;
    t.transport = transport;
    t.location = "Building 12/Room 3";
    t.added = "2026-11-21T08:00:00Z";
    return t;
}

}  // namespace

TEST_CASE("queue db: targets are upserted by name, listed by name, removed once", "[queue_db]") {
    Db d;
    d.state.write([&](SQLite::Database& db) {
        queue::upsert_target(db, target("pos-2", "exec"));
        queue::upsert_target(db, target("pos-1", "local:/srv/pos-1"));
    });
    auto changed = target("pos-2", "local:/srv/pos-2");
    changed.added = "2026-12-01T00:00:00Z";
    changed.region = "east";
    d.state.write([&](SQLite::Database& db) { queue::upsert_target(db, changed); });

    const auto t = queue::find_target(d.db(), "pos-2");
    REQUIRE(t);
    CHECK(t->transport == "local:/srv/pos-2");
    CHECK(t->region == "east");
    CHECK(t->added == "2026-11-21T08:00:00Z");  // registered once: an update keeps the date
    const auto all = queue::list_targets(d.db());
    REQUIRE(all.size() == 2);
    CHECK(all[0].name == "pos-1");
    CHECK(all[1].name == "pos-2");
    CHECK_FALSE(queue::find_target(d.db(), "ghost"));
    CHECK(queue::remove_target(d.db(), "pos-1"));
    CHECK_FALSE(queue::remove_target(d.db(), "pos-1"));
    CHECK(queue::list_targets(d.db()).size() == 1);
}

TEST_CASE("queue db: a request reads back as written, and update writes only what may change",
          "[queue_db]") {
    Db d;
    auto r = d.add("R-1", "pos-1", "incoming");
    CHECK(r.seq > 0);
    const auto r2 = d.add("R-2", "pos-2", "hold");
    CHECK(r2.seq > r.seq);

    auto back = queue::find_request(d.db(), "R-1");
    REQUIRE(back);
    CHECK(back->params == std::vector<std::string>{"replace"});
    CHECK(back->packages == std::vector<std::string>{"pkg-a-1.2", "pkg-b-3.4"});
    CHECK(back->push_left == 2);
    CHECK(back->retry_interval == 900);
    CHECK_FALSE(queue::find_request(d.db(), "R-9"));

    back->queue = "hold";
    back->pos = 1;
    back->held = true;
    back->last_package = "pkg-a-1.2";
    back->dist = "D-other";  // not a mutable column
    back->updated = "2026-11-21T11:00:00Z";
    d.state.write([&](SQLite::Database& db) { queue::update_request(db, *back); });
    const auto updated = *queue::find_request(d.db(), "R-1");
    CHECK(updated.queue == "hold");
    CHECK(updated.pos == 1);
    CHECK(updated.held);
    CHECK(updated.last_package == "pkg-a-1.2");
    CHECK(updated.dist == "D-pos-1");
    CHECK(updated.updated == "2026-11-21T11:00:00Z");

    CHECK(queue::list_requests(d.db(), "").size() == 2);
    CHECK(queue::list_requests(d.db(), "hold").size() == 2);
    CHECK(queue::list_requests(d.db(), "hold", "D-pos-2").size() == 1);
    CHECK(queue::list_requests(d.db(), "", "", "pos-1").front().id == "R-1");
    CHECK(queue::list_requests(d.db(), "incoming").empty());

    const auto rec = updated.to_record();
    CHECK_THAT(rec, Catch::Contains(R"("last_package":"pkg-a-1.2","redist_of":null,)"
                                    R"("next_package":"pkg-b-3.4","done_packages":1,)"));
    CHECK_THAT(rec, Catch::Contains(R"("retry_interval":"15m")"));

    CHECK(queue::delete_request(d.db(), "R-1"));
    CHECK_FALSE(queue::delete_request(d.db(), "R-1"));
    CHECK(queue::list_requests(d.db(), "").size() == 1);
}

TEST_CASE("queue db: a malformed package list is a state-file error", "[queue_db]") {
    Db d;
    d.add("R-1", "pos-1", "incoming");
    d.db().exec("UPDATE queue_requests SET packages='[\"pkg-a-1.2\",' WHERE id='R-1'");
    const auto [status, what] = status_of([&] { queue::find_request(d.db(), "R-1"); });
    CHECK(status == swd::Exit::state);
    CHECK(what == "queue_requests: malformed array '[\"pkg-a-1.2\",'");
}

TEST_CASE("queue db: unfinished_requests counts the queues a target still waits in", "[queue_db]") {
    Db d;
    CHECK(queue::unfinished_requests(d.db(), "pos-1") == 0);
    for (const auto* q : {"incoming", "active", "hold", "pull", "done", "abort"})
        d.add(std::string("R-") + q, "pos-1", q);
    d.add("R-other", "pos-2", "incoming");
    CHECK(queue::unfinished_requests(d.db(), "pos-1") == 4);
    CHECK(queue::unfinished_requests(d.db(), "pos-2") == 1);
    CHECK(queue::unfinished_requests(d.db(), "pos-3") == 0);
}

TEST_CASE("queue db: due requests are incoming ones whose time has come, in creation order",
          "[queue_db]") {
    Db d;
    const std::string now = "2026-11-21T10:00:00Z";
    CHECK_FALSE(queue::any_due(d.db(), now));
    d.add("R-9", "pos-1", "incoming", "2026-11-21T10:00:01Z");  // a second too early
    d.add("R-5", "pos-2", "hold", "2026-11-21T09:00:00Z");      // not incoming
    CHECK_FALSE(queue::any_due(d.db(), now));
    CHECK(queue::due_request_ids(d.db(), now).empty());
    d.add("R-3", "pos-3", "incoming", now);  // due at the very second
    d.add("R-1", "pos-4", "incoming", "2026-11-20T10:00:00Z");
    CHECK(queue::any_due(d.db(), now));
    CHECK(queue::due_request_ids(d.db(), now) == std::vector<std::string>{"R-3", "R-1"});
    CHECK(queue::due_request_ids(d.db(), "2026-11-21T10:00:01Z") ==
          std::vector<std::string>{"R-9", "R-3", "R-1"});
}

TEST_CASE("queue db: release_due_holds moves only due holds no operator holds", "[queue_db]") {
    Db d;
    const std::string now = "2026-11-21T10:00:00Z";
    d.add("R-due", "pos-1", "hold", "2026-11-21T09:59:59Z");
    d.add("R-later", "pos-2", "hold", "2026-11-21T10:00:01Z");
    d.add("R-held", "pos-3", "hold", "2026-11-21T09:00:00Z", true);
    d.add("R-pull", "pos-4", "pull", "2026-11-21T09:00:00Z");
    int moved = 0;
    d.state.write([&](SQLite::Database& db) { moved = queue::release_due_holds(db, now); });
    CHECK(moved == 1);
    const auto r = *queue::find_request(d.db(), "R-due");
    CHECK(r.queue == "incoming");
    CHECK(r.updated == now);
    CHECK(d.queue_of("R-later") == "hold");
    CHECK(d.queue_of("R-held") == "hold");
    CHECK(d.queue_of("R-pull") == "pull");
    d.state.write([&](SQLite::Database& db) { moved = queue::release_due_holds(db, now); });
    CHECK(moved == 0);
}

TEST_CASE("queue db: an event closes the open ones it names, and ack closes one once",
          "[queue_db]") {
    Db d;
    const auto event = [](std::string cls, std::string package, bool open) {
        queue::Event e;
        e.cls = std::move(cls);
        e.severity = queue::warning;
        e.open = open;
        e.request = "R-1";
        e.package = std::move(package);
        e.message = "m";
        e.time = "2026-11-21T10:00:00Z";
        return e;
    };
    std::vector<queue::Event> added;
    d.state.write([&](SQLite::Database& db) {
        added.clear();
        added.push_back(queue::add_event(db, event("SWD_List_Start", "", true)));
        added.push_back(queue::add_event(db, event("SWD_Start", "pkg-a-1.2", true)));
        added.push_back(queue::add_event(db, event("SWD_Start", "pkg-b-3.4", true)));
        // Closes the start of its own package only, and the list start.
        added.push_back(queue::add_event(db, event("SWD_Success", "pkg-a-1.2", false),
                                         {"SWD_Start", "SWD_List_Start"}));
    });
    CHECK(added[0].id == "E-20261121-000001");
    CHECK(added[3].id == "E-20261121-000004");
    queue::EventFilter open;
    open.open_only = true;
    const auto still = queue::list_events(d.db(), open);
    REQUIRE(still.size() == 1);
    CHECK(still[0].package == "pkg-b-3.4");
    CHECK(queue::find_event(d.db(), added[1].id)->closed_by == added[3].id);

    CHECK(queue::ack_event(d.db(), still[0].id, "2026-11-21T11:00:00Z"));
    CHECK_FALSE(queue::ack_event(d.db(), still[0].id, "2026-11-21T12:00:00Z"));
    CHECK_FALSE(queue::ack_event(d.db(), "E-nothing", "2026-11-21T12:00:00Z"));
    CHECK(queue::find_event(d.db(), still[0].id)->acked == "2026-11-21T11:00:00Z");
    CHECK(queue::list_events(d.db(), open).empty());

    queue::EventFilter f;
    f.since = "2026-11-21T10:00:01Z";
    CHECK(queue::list_events(d.db(), f).empty());
    f.since.clear();
    f.request = "R-2";
    CHECK(queue::list_events(d.db(), f).empty());
    f.request = "R-1";
    CHECK(queue::list_events(d.db(), f).size() == 4);
}

TEST_CASE("queue db: a spool file is seen by its name and content together", "[queue_db]") {
    Db d;
    CHECK_FALSE(queue::spool_seen(d.db(), "1.cmd", "aa"));
    d.state.write([&](SQLite::Database& db) {
        queue::mark_spool_seen(db, "1.cmd", "aa", "2026-11-21T10:00:00Z");
        queue::mark_spool_seen(db, "1.cmd", "aa", "2026-11-21T10:00:05Z");  // again: no error
    });
    CHECK(queue::spool_seen(d.db(), "1.cmd", "aa"));
    CHECK_FALSE(queue::spool_seen(d.db(), "1.cmd", "bb"));
    CHECK_FALSE(queue::spool_seen(d.db(), "2.cmd", "aa"));
}
