#include <catch2/catch.hpp>
#include <map>

#include "caught_error.hpp"
#include "libcore/queue/operator.hpp"
#include "libcore/queue/settings.hpp"
#include "temp_dir.hpp"

namespace {

namespace queue = swd::queue;
using queue::Operation;
using swd::test::status_of;
using swd::test::TempDir;

const std::string then = "2026-11-21T09:00:00Z";
const std::string now = "2026-11-21T10:00:00Z";

/// A request after its first attempt failed (mode pull, retries used up, one package done), in
/// `q`, held or not.
queue::Request request(const std::string& q, bool held = false) {
    queue::Request r;
    r.id = "R-1";
    r.dist = "D-1";
    r.mode = q == "pull" ? "pull" : "push";
    r.first_mode = "push";
    r.queue = q;
    r.target = "pos-1";
    r.packages = {"pkg-a-1.2", "pkg-b-3.4"};
    r.pos = 1;
    r.push_retries = 2;
    r.pull_retries = 1;
    r.not_before = r.created = r.updated = then;
    r.held = held;
    return r;
}

/// The states a request can be in when an operator acts on it.
struct From {
    const char* name;
    const char* queue;
    bool held;
};
const From states[] = {{"incoming", "incoming", false}, {"active", "active", false},
                       {"hold", "hold", false},         {"held", "hold", true},
                       {"pull", "pull", false},         {"abort", "abort", false},
                       {"done", "done", false}};

const Operation operations[] = {Operation::hold, Operation::release, Operation::requeue,
                                Operation::flush, Operation::remove};

/// What each operation does from each state: the queue and hold it leaves, or the refusal.
const std::map<std::pair<std::string, std::string>, std::string> expected{
    {{"incoming", "hold"}, "hold held"},
    {{"incoming", "release"}, "refused: not held"},
    {{"incoming", "requeue"}, "incoming"},
    {{"incoming", "flush"}, "refused: not waiting (incoming)"},
    {{"incoming", "delete"}, "incoming"},
    {{"active", "hold"}, "refused: active now; wait for it to finish"},
    {{"active", "release"}, "refused: active now; wait for it to finish"},
    {{"active", "requeue"}, "refused: active now; wait for it to finish"},
    {{"active", "flush"}, "refused: active now; wait for it to finish"},
    {{"active", "delete"}, "refused: active now; wait for it to finish"},
    {{"hold", "hold"}, "hold held"},
    {{"hold", "release"}, "refused: not held"},
    {{"hold", "requeue"}, "incoming"},
    {{"hold", "flush"}, "incoming"},
    {{"hold", "delete"}, "hold"},
    {{"held", "hold"}, "hold held"},
    {{"held", "release"}, "incoming"},
    {{"held", "requeue"}, "incoming"},
    {{"held", "flush"}, "refused: held (release it first)"},
    {{"held", "delete"}, "hold held"},
    {{"pull", "hold"}, "hold held"},
    {{"pull", "release"}, "refused: not held"},
    {{"pull", "requeue"}, "incoming"},
    {{"pull", "flush"}, "incoming"},
    {{"pull", "delete"}, "pull"},
    {{"abort", "hold"}, "refused: already finished (abort)"},
    {{"abort", "release"}, "refused: not held"},
    {{"abort", "requeue"}, "incoming"},
    {{"abort", "flush"}, "refused: not waiting (abort)"},
    {{"abort", "delete"}, "abort"},
    {{"done", "hold"}, "refused: already finished (done)"},
    {{"done", "release"}, "refused: not held"},
    {{"done", "requeue"}, "incoming"},
    {{"done", "flush"}, "refused: not waiting (done)"},
    {{"done", "delete"}, "done"},
};

/// What `op` does to a request in `from`, in the words of `expected`.
std::string outcome(const From& from, Operation op) {
    try {
        const auto r = queue::transition(request(from.queue, from.held), op, now);
        return r.queue + (r.held ? " held" : "");
    } catch (const swd::Error& e) {
        CHECK(e.code() == swd::Exit::negative);
        const std::string what = e.what();
        REQUIRE(what.starts_with("R-1: "));
        return "refused: " + what.substr(5);
    }
}

struct Db {
    TempDir tmp;
    swd::State state{tmp.path() / "state.db", queue::schemas()};

    void add(queue::Request r) {
        state.write([&](SQLite::Database& db) { queue::insert_request(db, r); });
    }
    std::vector<queue::Event> events() { return queue::list_events(state.db(), {}); }
};

}  // namespace

TEST_CASE("operator: each operation from each state is allowed or refused by its rule",
          "[queue_operator]") {
    for (const auto& from : states)
        for (const auto op : operations) {
            const std::string name(queue::verb(op));
            INFO(name << " from " << from.name);
            CHECK(outcome(from, op) == expected.at({from.name, name}));
        }
}

TEST_CASE("operator: what an allowed transition changes besides the queue", "[queue_operator]") {
    SECTION("hold keeps the time it was due") {
        const auto r = queue::transition(request("incoming"), Operation::hold, now);
        CHECK(r.not_before == then);
        CHECK(r.updated == now);
    }
    SECTION("release makes a held request due now, and only takes the hold off elsewhere") {
        const auto r = queue::transition(request("hold", true), Operation::release, now);
        CHECK(r.not_before == now);
        const auto pulled = queue::transition(request("pull", true), Operation::release, now);
        CHECK(pulled.queue == "pull");
        CHECK_FALSE(pulled.held);
        CHECK(pulled.not_before == then);
    }
    SECTION("requeue restores the first mode and the retries, and starts a done list over") {
        auto failed = request("pull");
        failed.push_left = failed.pull_left = 0;
        const auto r = queue::transition(failed, Operation::requeue, now);
        CHECK(r.mode == "push");
        CHECK(r.push_left == 2);
        CHECK(r.pull_left == 1);
        CHECK(r.not_before == now);
        CHECK(r.pos == 1);  // resumes at the package it stopped at
        CHECK(queue::transition(request("abort"), Operation::requeue, now).pos == 1);
        CHECK(queue::transition(request("done"), Operation::requeue, now).pos == 0);
        CHECK_FALSE(queue::transition(request("hold", true), Operation::requeue, now).held);
    }
    SECTION("flush makes a waiting request due now and keeps its mode and retries") {
        auto waiting = request("pull");
        waiting.pull_left = 0;
        const auto r = queue::transition(waiting, Operation::flush, now);
        CHECK(r.not_before == now);
        CHECK(r.mode == "pull");
        CHECK(r.pull_left == 0);
    }
    SECTION("delete changes nothing but the time") {
        const auto r = queue::transition(request("abort"), Operation::remove, now);
        CHECK(r.updated == now);
        CHECK(r.not_before == then);
    }
}

TEST_CASE("operator: operate writes the transition and an SWD_Operator event", "[queue_operator]") {
    Db d;
    d.add(request("hold"));
    queue::Request changed;
    d.state.write(
        [&](SQLite::Database& db) { changed = queue::operate(db, Operation::flush, "R-1", now); });
    CHECK(changed.queue == "incoming");
    const auto stored = *queue::find_request(d.state.db(), "R-1");
    CHECK(stored.queue == "incoming");
    CHECK(stored.not_before == now);
    const auto events = d.events();
    REQUIRE(events.size() == 1);
    CHECK(events[0].cls == "SWD_Operator");
    CHECK(events[0].severity == "HARMLESS");
    CHECK_FALSE(events[0].open);
    CHECK(events[0].request == "R-1");
    CHECK(events[0].dist == "D-1");
    CHECK(events[0].target == "pos-1");
    CHECK(events[0].message == "flush by operator");
    CHECK(events[0].time == now);
    CHECK(queue::operation_log(Operation::flush, changed) ==
          swd::distlog::Fields{{"dist", "D-1"},
                               {"event", "operator"},
                               {"action", "flush"},
                               {"request", "R-1"},
                               {"target", "pos-1"},
                               {"queue", "incoming"}});

    d.state.write(
        [&](SQLite::Database& db) { changed = queue::operate(db, Operation::remove, "R-1", now); });
    CHECK(changed.id == "R-1");
    CHECK_FALSE(queue::find_request(d.state.db(), "R-1"));
    CHECK(d.events().back().message == "delete by operator");
    CHECK(queue::operation_log(Operation::remove, changed).back() ==
          std::pair<std::string, std::string>{"queue", "deleted"});
}

TEST_CASE("operator: a dry run, a refusal and an unknown id change nothing", "[queue_operator]") {
    Db d;
    d.add(request("hold"));
    const auto dry = queue::operate(d.state.db(), Operation::hold, "R-1", now, true);
    CHECK(dry.held);
    CHECK_FALSE(queue::find_request(d.state.db(), "R-1")->held);

    const auto refused = status_of([&] {
        d.state.write(
            [&](SQLite::Database& db) { queue::operate(db, Operation::release, "R-1", now); });
    });
    CHECK(refused == std::pair{swd::Exit::negative, std::string("R-1: not held")});
    CHECK(status_of([&] { queue::operate(d.state.db(), Operation::hold, "R-9", now); }) ==
          std::pair{swd::Exit::negative, std::string("R-9: no such request")});
    CHECK(d.events().empty());
    CHECK(queue::find_request(d.state.db(), "R-1")->updated == then);
}

TEST_CASE("operator: flush without ids takes the waiting requests no operator holds",
          "[queue_operator]") {
    Db d;
    const auto add = [&](const std::string& id, const std::string& q, bool held = false) {
        auto r = request(q, held);
        r.id = id;
        d.add(r);
    };
    add("R-1", "pull");
    add("R-2", "hold");
    add("R-3", "hold", true);
    add("R-4", "incoming");
    add("R-5", "abort");
    add("R-6", "hold");
    CHECK(queue::waiting_requests(d.state.db()) == std::vector<std::string>{"R-2", "R-6", "R-1"});
}
