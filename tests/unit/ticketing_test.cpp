#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "libcore/alert/devices.hpp"
#include "libcore/base/ids.hpp"
#include "libcore/mail/outbox.hpp"
#include "libcore/ticket/admin.hpp"
#include "libcore/ticket/failed.hpp"
#include "libcore/ticket/processor.hpp"
#include "libcore/ticket/store.hpp"
#include "temp_dir.hpp"

namespace {

using namespace std::chrono_literals;
using swd::State;
using swd::test::TempDir;
using swd::ticket::Alert;
using swd::ticket::Processor;
using swd::ticket::Settings;
using swd::timeutil::TimePoint;

const TimePoint t0 = swd::timeutil::parse_rfc3339("2026-11-21T00:00:00Z").value();

Settings test_settings() {
    Settings s;
    s.thresholds = swd::ticket::default_thresholds();
    s.diagnostics = false;
    s.retry = {0s, 30s, 5min, 1h};
    s.default_center = "mc";
    s.from = "swd@service.example.com";
    return s;
}

Alert alert(int n, const std::string& device, const std::string& failure, TimePoint at) {
    Alert a;
    a.id = "A-" + std::to_string(100000 + n);
    a.device = device;
    a.failure = failure;
    a.at = at;
    a.dist = "D-" + std::to_string(n % 5);
    a.server = "relay-a";
    a.package = "pkg-a";
    a.location = "Building 1";
    a.region = "east";
    return a;
}

struct Fixture {
    TempDir dir;
    State state{dir.path() / "state.db", swd::ticket::schemas()};
    Settings settings = test_settings();

    std::vector<swd::ticket::Ticket> tickets() { return swd::ticket::list_tickets(state.db(), {}); }
    swd::ticket::BatchResult run(const std::vector<Alert>& alerts, TimePoint now = t0 + 30 * 24h) {
        Processor p(state, settings, now);
        return p.process(alerts);
    }
};

/// What must not depend on the order alerts arrive in.
struct Shape {
    std::string device, failure;
    int count;
    TimePoint first, last;
    std::vector<std::string> alerts;
    bool operator<(const Shape& o) const {
        return std::tie(device, failure, first) < std::tie(o.device, o.failure, o.first);
    }
    bool operator==(const Shape& o) const {
        return device == o.device && failure == o.failure && count == o.count && first == o.first &&
               last == o.last && alerts == o.alerts;
    }
};

std::string describe(const std::vector<Shape>& shapes) {
    std::string out;
    for (const auto& s : shapes) {
        out += s.device + "/" + s.failure + " x" + std::to_string(s.count) + " " +
               swd::timeutil::format_rfc3339(s.first) + ".." +
               swd::timeutil::format_rfc3339(s.last) + ":";
        for (const auto& a : s.alerts)
            out += " " + a;
        out += "\n";
    }
    return out;
}

std::vector<Shape> shapes(const std::vector<swd::ticket::Ticket>& tickets) {
    std::vector<Shape> out;
    for (const auto& t : tickets) {
        auto ids = t.alerts;
        std::sort(ids.begin(), ids.end());
        out.push_back({t.device, t.failure, t.count, t.first, t.last, ids});
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

TEST_CASE("a ticket when the count meets the failure type's threshold", "[ticketing]") {
    Fixture f;
    std::vector<Alert> a;
    for (int i = 0; i < 3; ++i)
        a.push_back(alert(i, "pos-1", "connection", t0 + i * 1h));
    auto r = f.run(a);
    CHECK(r.created.empty());
    CHECK(r.counted == 3);
    CHECK(f.tickets().empty());

    r = f.run({alert(3, "pos-1", "connection", t0 + 3h), alert(4, "pos-1", "connection", t0 + 4h)});
    REQUIRE(r.created.size() == 1);
    CHECK(r.updated == 1);
    const auto t = f.tickets();
    REQUIRE(t.size() == 1);
    CHECK(t[0].count == 5);
    CHECK(t[0].threshold == 4);
    CHECK(t[0].first == t0);
    CHECK(t[0].last == t0 + 4h);
    CHECK(t[0].alerts ==
          std::vector<std::string>{"A-100000", "A-100001", "A-100002", "A-100003", "A-100004"});
    CHECK(t[0].status == "new");

    // Disk has threshold 1; another device's alerts count apart.
    r = f.run({alert(5, "pos-2", "disk", t0), alert(6, "pos-3", "connection", t0)});
    CHECK(r.created.size() == 1);
}

TEST_CASE("alerts outside the window do not count, the alerts' own times do", "[ticketing]") {
    Fixture f;
    // Timeout: threshold 3 in 24 h. Spaced 13 h apart, never three within 24 h.
    std::vector<Alert> a;
    for (int i = 0; i < 6; ++i)
        a.push_back(alert(i, "pos-1", "timeout", t0 + i * 13h));
    auto r = f.run(a);
    CHECK(r.created.empty());
    // A third alert inside the last window makes it.
    r = f.run({alert(10, "pos-1", "timeout", t0 + 5 * 13h + 1h)});
    REQUIRE(r.created.size() == 1);
    const auto t = f.tickets();
    CHECK(t[0].count == 3);
    CHECK(t[0].first == t0 + 4 * 13h);
}

TEST_CASE("a repeated alert id is a duplicate", "[ticketing]") {
    Fixture f;
    const auto a = alert(1, "pos-1", "disk", t0);
    CHECK(f.run({a}).created.size() == 1);
    const auto r = f.run({a, a});
    CHECK(r.duplicates == 2);
    CHECK(f.tickets()[0].count == 1);
}

TEST_CASE("outages: no ticket, no update, dropped alerts leave the counts", "[ticketing]") {
    Fixture f;
    f.state.write([&](SQLite::Database& db) {
        swd::ticket::add_outage(db, {"pos-1", t0 + 10h, t0 + 20h, "maintenance"}, t0);
    });
    std::vector<Alert> a;
    for (int i = 0; i < 5; ++i)
        a.push_back(alert(i, "pos-1", "connection", t0 + 10h + i * 1h));
    auto r = f.run(a);
    CHECK(r.created.empty());
    CHECK(r.suppressed == 2);  // the fourth and fifth meet the threshold, but the device is out
    CHECK(r.counted == 3);
    // After the outage the alerts counted during it still count: one more makes a ticket.
    r = f.run({alert(9, "pos-1", "connection", t0 + 21h)});
    REQUIRE(r.created.size() == 1);
    CHECK(f.tickets()[0].count == 1);  // outage alerts are never part of a ticket

    Fixture g;
    g.settings.drop_outage_alerts = true;
    g.state.write([&](SQLite::Database& db) {
        swd::ticket::add_outage(db, {"pos-1", t0 + 10h, t0 + 20h, ""}, t0);
    });
    r = g.run(a);
    CHECK(r.suppressed == 5);
    CHECK(g.run({alert(9, "pos-1", "connection", t0 + 21h)}).created.empty());
}

TEST_CASE("a closed ticket reopens within the reopen window, else a new one", "[ticketing]") {
    Fixture f;
    f.run({alert(1, "pos-1", "disk", t0)});
    const auto id = f.tickets()[0].id;
    f.state.write([&](SQLite::Database& db) { CHECK(swd::ticket::close_ticket(db, id, t0 + 1h)); });
    // 3 h after closing: within 4 h, the same ticket, reopened.
    auto r = f.run({alert(2, "pos-1", "disk", t0 + 4h)});
    CHECK(r.created.empty());
    CHECK(r.updated == 1);
    auto t = f.tickets();
    REQUIRE(t.size() == 1);
    CHECK(t[0].open());
    CHECK(t[0].reopened == 1);
    CHECK(t[0].count == 2);

    f.state.write([&](SQLite::Database& db) { CHECK(swd::ticket::close_ticket(db, id, t0 + 5h)); });
    r = f.run({alert(3, "pos-1", "disk", t0 + 9h + 1s)});
    CHECK(r.created.size() == 1);
    t = f.tickets();
    REQUIRE(t.size() == 2);
    CHECK_FALSE(t[0].open());
    CHECK(t[1].alerts == std::vector<std::string>{"A-100003"});
}

TEST_CASE("one processor over many batches sees what other processes wrote in between",
          "[ticketing]") {
    // Alerts as AlertFeed gives them (each device and failure type numbered), or not numbered.
    const bool numbered = GENERATE(false, true);
    std::map<std::string, std::uint32_t> pairs;
    const auto in = [&](std::vector<Alert> alerts) {
        for (Alert& a : alerts) {
            if (numbered)
                a.pair =
                    pairs.try_emplace(a.device + '/' + a.failure, pairs.size() + 1).first->second;
        }
        return alerts;
    };
    Fixture f;
    Processor p(f.state, f.settings, t0 + 30 * 24h);
    REQUIRE(p.process(in({alert(1, "pos-1", "disk", t0)})).created.size() == 1);
    CHECK(p.process(in({alert(2, "pos-1", "disk", t0 + 1h)})).updated == 1);
    CHECK(p.process(in({alert(10, "pos-4", "connection", t0 + 1h)})).counted == 1);
    // Another process (its own connection) closes the ticket, starts an outage and lowers a
    // threshold.
    {
        State other(f.dir.path() / "state.db", swd::ticket::schemas());
        other.write([&](SQLite::Database& db) {
            REQUIRE(swd::ticket::close_ticket(db, f.tickets()[0].id, t0 + 2h));
            swd::ticket::add_outage(db, {"pos-2", t0, t0 + 48h, ""}, t0);
            swd::ticket::set_threshold(db, "device", "pos-4", "connection", 2, std::nullopt);
        });
    }
    // Past the reopen window the next alert makes a new ticket, not an update of the closed one;
    // the new outage suppresses pos-2's; pos-4's second connection alert meets the new limit.
    auto r = p.process(in({alert(3, "pos-1", "disk", t0 + 7h), alert(4, "pos-2", "disk", t0 + 7h),
                           alert(11, "pos-4", "connection", t0 + 7h)}));
    CHECK(r.created.size() == 2);
    CHECK(r.updated == 0);
    CHECK(r.suppressed == 1);
    // A batch rolled back (here a dry run) takes what it learned with it.
    swd::ticket::BatchResult dry;
    CHECK(p.dry_run(in({alert(5, "pos-3", "disk", t0 + 8h)}), dry).size() == 1);
    r = p.process(in({alert(5, "pos-3", "disk", t0 + 8h), alert(6, "pos-1", "disk", t0 + 8h)}));
    CHECK(r.created.size() == 1);
    CHECK(r.updated == 1);
    CHECK(f.tickets().size() == 4);
}

TEST_CASE("tickets do not depend on the order alerts arrive in", "[ticketing]") {
    const std::vector<std::string> types{"connection", "timeout", "access", "disk"};
    for (unsigned seed = 1; seed <= 60; ++seed) {
        std::mt19937 rng(seed);
        std::vector<Alert> stream;
        const int n = 60 + static_cast<int>(rng() % 60);
        for (int i = 0; i < n; ++i) {
            const auto device = "pos-" + std::to_string(rng() % 4);
            // Bursts and gaps over five days, so windows open and close.
            const auto at = t0 + std::chrono::seconds(rng() % (5 * 86400));
            stream.push_back(alert(i, device, types[rng() % types.size()], at));
        }
        std::sort(stream.begin(), stream.end(),
                  [](const Alert& a, const Alert& b) { return a.at < b.at; });
        // Every other stream has a device on the outage list for a day, its alerts counted or
        // (every fourth) dropped.
        const auto with_outage = [&](Fixture& f) {
            f.settings.drop_outage_alerts = seed % 4 == 0;
            if (seed % 2 == 0) {
                f.state.write([&](SQLite::Database& db) {
                    swd::ticket::add_outage(db, {"pos-1", t0 + 24h, t0 + 48h, ""}, t0);
                });
            }
        };
        Fixture in_order;
        with_outage(in_order);
        in_order.run(stream);
        const auto expected = shapes(in_order.tickets());

        auto shuffled = stream;
        std::shuffle(shuffled.begin(), shuffled.end(), rng);
        Fixture out_of_order;
        with_outage(out_of_order);
        for (std::size_t from = 0; from < shuffled.size();) {
            const std::size_t k = 1 + rng() % 15;
            std::vector<Alert> batch(shuffled.begin() + static_cast<std::ptrdiff_t>(from),
                                     shuffled.begin() + static_cast<std::ptrdiff_t>(
                                                            std::min(shuffled.size(), from + k)));
            out_of_order.run(batch);
            from += k;
        }
        const auto got = shapes(out_of_order.tickets());
        INFO("seed " << seed << "\nexpected:\n" << describe(expected) << "got:\n" << describe(got));
        CHECK(got == expected);
    }
}

TEST_CASE("a dry run shows the tickets and changes nothing", "[ticketing]") {
    Fixture f;
    Processor p(f.state, f.settings, t0);
    swd::ticket::BatchResult r;
    const auto t = p.dry_run(std::vector{alert(1, "pos-1", "disk", t0)}, r);
    REQUIRE(t.size() == 1);
    CHECK(t[0].device == "pos-1");
    CHECK(f.tickets().empty());
    CHECK(swd::ticket::alert_records(f.state.db(), {}).empty());
}

TEST_CASE("alert records: time, then date, then now, type and fields checked", "[ticketing]") {
    simdjson::dom::parser parser;
    std::string why;
    const auto now = t0 + 1h;
    // One Alert read into again and again, as a batch does: each read leaves nothing of the last.
    swd::ticket::Alert a;
    REQUIRE(swd::ticket::parse_alert(
        parser.parse(std::string_view(R"({"type":"alert","v":1,"id":"A-1","device":"POS-7",)"
                                      R"("failure":"Disk","date":"2026-11-21T10:00:00Z",)"
                                      R"("time":"2026-11-21T09:59:00Z","dist":"D-1"})")),
        now, a, why));
    CHECK(a.device == "pos-7");
    CHECK(a.failure == "disk");
    CHECK(a.dist == "D-1");
    CHECK(swd::timeutil::format_rfc3339(a.at) == "2026-11-21T09:59:00Z");
    REQUIRE(swd::ticket::parse_alert(
        parser.parse(std::string_view(R"({"type":"alert","id":"A-2","device":"x","time":"bad",)"
                                      R"("date":"2026-11-21T10:00:00Z"})")),
        now, a, why));
    CHECK(a.id == "A-2");
    CHECK(swd::timeutil::format_rfc3339(a.at) == "2026-11-21T10:00:00Z");
    CHECK(a.failure == "other");
    CHECK(a.dist.empty());
    REQUIRE(swd::ticket::parse_alert(
        parser.parse(std::string_view(R"({"type":"alert","id":"A-1","device":"x"})")), now, a,
        why));
    CHECK(a.at == now);
    CHECK(a.date.empty());
    // The first field of a name counts, and only when it is a string.
    REQUIRE(swd::ticket::parse_alert(
        parser.parse(std::string_view(R"({"type":"alert","id":"A-3","device":"x","dist":7,)"
                                      R"("dist":"D-2","server":"s1","server":"s2"})")),
        now, a, why));
    CHECK(a.dist.empty());
    CHECK(a.server == "s1");

    CHECK_FALSE(swd::ticket::parse_alert(
        parser.parse(std::string_view(R"({"type":"reject","id":"A-1","device":"x"})")), now, a,
        why));
    CHECK(why == "a 'reject' record, not an alert");
    CHECK_FALSE(swd::ticket::parse_alert(
        parser.parse(std::string_view(R"({"type":"alert","device":"x"})")), now, a, why));
    CHECK(why == "alert without an id");
    CHECK_FALSE(swd::ticket::parse_alert(
        parser.parse(std::string_view(R"({"type":"alert","id":"A-9"})")), now, a, why));
    CHECK(why == "alert A-9 names no device");
}

TEST_CASE("a state file of ticket schema 2 keeps its alerts, tickets and failed distributions",
          "[ticketing]") {
    TempDir dir;
    const auto path = dir.path() / "state.db";
    {
        // The state file as swd-ticket of schema version 2 left it: a ticket holding two
        // alerts, a third alert held by none, and one of the two failed distributions resolved.
        swd::Schema v2 = swd::ticket::schema();
        v2.steps.resize(2);
        State old(path,
                  {&swd::ids::schema(), &swd::devices::schema(), &swd::outbox::schema(), &v2});
        old.write([](SQLite::Database& db) {
            db.exec(
                "INSERT INTO ticket_alerts(id, device, failure, at, counted, outage, action, "
                "ticket, dist, server, package, processed) VALUES "
                "('A-1', 'pos-1', 'disk', 100, 1, 0, 'ticket T-1', 'T-1', 'D-1', 'relay-a', "
                "'pkg-a', '2026-11-21T00:00:00Z'), "
                "('A-2', 'pos-1', 'disk', 200, 1, 0, 'updated T-1', 'T-1', 'D-2', 'relay-a', "
                "'pkg-a', '2026-11-21T00:00:00Z'), "
                "('A-3', 'pos-2', 'connection', 150, 1, 0, 'counted', NULL, NULL, NULL, NULL, "
                "'2026-11-21T00:00:00Z');"
                "INSERT INTO ticket_failed(dist, server, device, package, failed_at, alert, "
                "status, "
                "resolved_by, new_dist, resolved_at) VALUES "
                "('D-1', 'relay-a', 'pos-1', 'pkg-a', '1970-01-01T00:01:40Z', 'A-1', 'resolved', "
                "'X-1', 'D-9', '2026-11-21T01:00:00Z'), "
                "('D-2', 'relay-a', 'pos-1', 'pkg-a', '1970-01-01T00:03:20Z', 'A-2', 'open', "
                "NULL, NULL, NULL);"
                "INSERT INTO tickets(id, device, failure, stage, count, threshold, window_s, "
                "first_at, last_at, trigger_at, window_start, created) VALUES ('T-1', 'pos-1', "
                "'disk', 'queued', 2, 1, 86400, 100, 200, 100, -86300, "
                "'2026-11-21T00:00:00Z')");
        });
    }
    State st(path, swd::ticket::schemas());
    const auto t = swd::ticket::find_ticket(st.db(), "T-1");
    REQUIRE(t);
    CHECK(t->alerts == std::vector<std::string>{"A-1", "A-2"});
    CHECK(swd::ticket::alert_records(st.db(), {}).size() == 3);
    SQLite::Statement keys(st.db(), "SELECT device, failure FROM ticket_keys ORDER BY 1");
    std::vector<std::string> pairs;
    while (keys.executeStep())
        pairs.push_back(keys.getColumn(0).getString() + "/" + keys.getColumn(1).getString());
    CHECK(pairs == std::vector<std::string>{"pos-1/disk", "pos-2/connection"});
    swd::ticket::FailedFilter all;
    all.all = true;
    const auto failed = swd::ticket::failed_records(st.db(), all);
    REQUIRE(failed.size() == 2);
    CHECK(
        failed[0] ==
        R"({"type":"failed","v":1,"dist":"D-1","server":"relay-a","device":"pos-1",)"
        R"("package":"pkg-a","failed_at":"1970-01-01T00:01:40Z","alert":"A-1",)"
        R"("status":"resolved","by":"X-1","new_dist":"D-9","resolved_at":"2026-11-21T01:00:00Z"})");
    CHECK(failed[1].find(R"("dist":"D-2")") != std::string::npos);
    CHECK(failed[1].find(R"("status":"open")") != std::string::npos);

    // Processing goes on from there: the next alert of pos-1 joins T-1.
    const Settings settings = test_settings();  // the processor keeps a reference
    Processor p(st, settings, t0 + 30 * 24h);
    Alert next = alert(4, "pos-1", "disk", TimePoint(std::chrono::seconds(300)));
    const auto r = p.process(std::vector{next});
    CHECK(r.updated == 1);
    CHECK(swd::ticket::find_ticket(st.db(), "T-1")->count == 3);
}

TEST_CASE("mark_failed marks the open failed distributions once and returns their records",
          "[ticketing]") {
    Fixture f;
    // pos-1 failed D-1 for two packages through relay-a and one through relay-b; pos-2 too.
    std::vector<Alert> alerts;
    int n = 0;
    for (const auto& [device, server, package] :
         {std::tuple{"pos-1", "relay-a", "pkg-a"}, std::tuple{"pos-1", "relay-a", "pkg-b"},
          std::tuple{"pos-1", "relay-b", "pkg-c"}, std::tuple{"pos-2", "relay-a", "pkg-a"}}) {
        Alert a = alert(++n, device, "package", t0 + n * 1min);
        a.dist = "D-1";
        a.server = server;
        a.package = package;
        alerts.push_back(a);
    }
    f.run(alerts);
    const auto now = t0 + 2h;
    const auto packages = [](const std::vector<std::string>& records) {
        std::string out;
        for (const auto& r : records)
            out += r.substr(r.find("\"package\":\"") + 11, 5) + " ";
        return out;
    };
    std::vector<std::string> first, again, rest;
    f.state.write([&](SQLite::Database& db) {
        first = swd::ticket::mark_failed(db, "D-1", "relay-a", "POS-1", "redistributed", "X-1",
                                         "D-1-R1", now);
        again = swd::ticket::mark_failed(db, "D-1", "relay-a", "pos-1", "redistributed", "X-1",
                                         "D-1-R1", now);
        rest = swd::ticket::mark_failed(db, "D-1", "", "pos-1", "resolved", "X-2", "", now);
    });
    CHECK(packages(first) == "pkg-a pkg-b ");
    CHECK(first[0].find(R"("status":"redistributed","by":"X-1","new_dist":"D-1-R1")") !=
          std::string::npos);
    CHECK(again.empty());               // nothing open is left for relay-a
    CHECK(packages(rest) == "pkg-c ");  // the ones marked before are not reported again
    CHECK(rest[0].find(R"("status":"resolved","by":"X-2")") != std::string::npos);
    swd::ticket::FailedFilter open;
    const auto still = swd::ticket::failed_records(f.state.db(), open);
    REQUIRE(still.size() == 1);
    CHECK(still[0].find(R"("device":"pos-2")") != std::string::npos);
}
