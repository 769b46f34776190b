#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "libcore/base/error.hpp"
#include "libcore/ticket/admin.hpp"
#include "libcore/ticket/store.hpp"
#include "temp_dir.hpp"

namespace {

using namespace std::chrono_literals;
using swd::State;
using swd::test::TempDir;
using swd::ticket::Settings;

Settings settings() {
    Settings s;
    s.thresholds = swd::ticket::default_thresholds();
    s.threshold = 3;
    s.window = 24h;
    return s;
}

struct Fixture {
    TempDir dir;
    State state{dir.path() / "state.db", swd::ticket::schemas()};
    Settings s = settings();
    void write(const std::function<void(SQLite::Database&)>& fn) { state.write(fn); }
};

}  // namespace

TEST_CASE("threshold precedence: device > region > failure rule > config > default",
          "[ticket_admin]") {
    Fixture f;
    f.s.thresholds["timeout"] = 5;
    auto t = swd::ticket::Thresholds::load(f.state.db(), f.s);
    CHECK(t.lookup("pos-1", "east", "connection").limit == 4);
    CHECK(t.lookup("pos-1", "east", "connection").source == "config");
    CHECK(t.lookup("pos-1", "east", "timeout").limit == 5);
    CHECK(t.lookup("pos-1", "east", "weird").limit == 3);
    CHECK(t.lookup("pos-1", "east", "weird").source == "default");
    CHECK_FALSE(t.has_region_rules());

    f.write([&](SQLite::Database& db) {
        swd::ticket::set_threshold(db, "failure", "", "connection", 6, std::nullopt);
        swd::ticket::set_threshold(db, "region", "East", "connection", 7, 12h);
        swd::ticket::set_threshold(db, "region", "west", "*", 8, std::nullopt);
        swd::ticket::set_threshold(db, "device", "POS-1", "connection", 2, std::nullopt);
        swd::ticket::set_threshold(db, "device", "pos-2", "*", 9, 1h);
    });
    t = swd::ticket::Thresholds::load(f.state.db(), f.s);
    CHECK(t.has_region_rules());
    auto l = t.lookup("pos-1", "east", "connection");
    CHECK(l.limit == 2);
    CHECK(l.source == "device");
    CHECK(l.window == 24h);
    l = t.lookup("pos-9", "east", "connection");
    CHECK(l.limit == 7);
    CHECK(l.source == "region");
    CHECK(l.window == 12h);
    CHECK(t.lookup("pos-9", "west", "disk").limit == 8);
    CHECK(t.lookup("pos-9", "north", "connection").limit == 6);
    CHECK(t.lookup("pos-9", "north", "connection").source == "failure");
    l = t.lookup("pos-2", "west", "disk");
    CHECK(l.limit == 9);
    CHECK(l.window == 1h);

    f.write([&](SQLite::Database& db) {
        CHECK_THROWS_AS(swd::ticket::set_threshold(db, "failure", "", "*", 2, std::nullopt),
                        swd::Error);
        CHECK_THROWS_AS(swd::ticket::set_threshold(db, "device", "x", "disk", 0, std::nullopt),
                        swd::Error);
    });
    const auto records = swd::ticket::threshold_records(f.state.db(), f.s);
    CHECK(records.front() ==
          R"({"type":"threshold","v":1,"scope":"device","name":"pos-1","failure":"connection",)"
          R"("limit":2,"window":"1d"})");
    CHECK(records.back() ==
          R"({"type":"threshold","v":1,"scope":"config","failure":"*","limit":3,"window":"1d"})");
}

TEST_CASE("routing: building, served-by chain, default center, unrouted", "[ticket_admin]") {
    Fixture f;
    f.s.default_center = "mc-default";
    auto r = swd::ticket::route(f.state.db(), f.s, "Building 7");
    CHECK(r.center.empty());  // the default center is not defined yet
    CHECK(r.problem ==
          "[ticket] default_center 'mc-default' is not a known center (swd-ticket centers add "
          "mc-default --email ADDRESS)");
    auto no_default = f.s;
    no_default.default_center.clear();
    CHECK_THAT(swd::ticket::route(f.state.db(), no_default, "Building 7").problem,
               Catch::StartsWith("[ticket] default_center is not set"));

    f.write([&](SQLite::Database& db) {
        swd::ticket::set_center(db, "mc-east", "east@example.com, east2@example.com",
                                "pager@example.com");
        swd::ticket::set_center(db, "mc-default", "desk@example.com", "");
        swd::ticket::set_building(db, "Building 12", "mc-east", "");
        swd::ticket::set_building(db, "Building 7", "", "Building 12");
        swd::ticket::set_building(db, "Annex", "", "Building 7");
        CHECK_THROWS_AS(swd::ticket::set_building(db, "B", "nowhere", ""), swd::Error);
        CHECK_THROWS_AS(swd::ticket::set_building(db, "B", "", ""), swd::Error);
        CHECK_THROWS_AS(swd::ticket::set_building(db, "B", "", "b"), swd::Error);
    });
    r = swd::ticket::route(f.state.db(), f.s, "Building 12");
    CHECK(r.center == "mc-east");
    CHECK(r.problem.empty());
    CHECK(r.to == std::vector<std::string>{"east@example.com", "east2@example.com"});
    CHECK(r.pager == "pager@example.com");
    r = swd::ticket::route(f.state.db(), f.s, "annex");
    CHECK(r.center == "mc-east");
    CHECK(r.via == "building Annex served by Building 7 served by Building 12");
    r = swd::ticket::route(f.state.db(), f.s, "Building 99");
    CHECK(r.center == "mc-default");
    CHECK(r.via == "default");
    r = swd::ticket::route(f.state.db(), f.s, "");
    CHECK(r.center == "mc-default");

    // A loop of buildings without staff ends at the default center.
    f.write([&](SQLite::Database& db) {
        swd::ticket::set_building(db, "Loop A", "", "Loop B");
        swd::ticket::set_building(db, "Loop B", "", "Loop A");
    });
    CHECK(swd::ticket::route(f.state.db(), f.s, "Loop A").center == "mc-default");
}

TEST_CASE("paging switches per device and failure type", "[ticket_admin]") {
    Fixture f;
    f.write([&](SQLite::Database& db) {
        swd::devices::upsert(db, {"pos-1", "10.0.0.1", "", "east", "B1", "R1", false});
        CHECK_THROWS_AS(swd::ticket::set_paging(db, "pos-404", true, ""), swd::Error);
    });
    const auto device = [&] { return swd::devices::find(f.state.db(), "pos-1").value(); };
    CHECK_FALSE(swd::ticket::pages(f.state.db(), device(), "disk"));
    f.write([&](SQLite::Database& db) { swd::ticket::set_paging(db, "POS-1", true, ""); });
    CHECK(swd::ticket::pages(f.state.db(), device(), "disk"));
    f.write([&](SQLite::Database& db) { swd::ticket::set_paging(db, "pos-1", true, "Disk"); });
    CHECK(swd::ticket::pages(f.state.db(), device(), "disk"));
    CHECK_FALSE(swd::ticket::pages(f.state.db(), device(), "connection"));
    f.write([&](SQLite::Database& db) { swd::ticket::set_paging(db, "pos-1", false, "disk"); });
    CHECK_FALSE(device().paging);
    f.write([&](SQLite::Database& db) {
        swd::ticket::set_paging(db, "pos-1", true, "access");
        swd::ticket::set_paging(db, "pos-1", false, "");
    });
    CHECK_FALSE(swd::ticket::pages(f.state.db(), device(), "access"));
}

TEST_CASE("outages: add, CSV import with quoting, list, remove", "[ticket_admin]") {
    Fixture f;
    const auto t0 = swd::timeutil::parse_rfc3339("2026-11-21T00:00:00Z").value();
    const auto csv = f.dir.path() / "outages.csv";
    std::ofstream(csv) << "device,from,until,reason\n"
                          "pos-1,2026-11-21T08:00:00Z,2026-11-21T12:00:00Z,\"disk swap, room 3\"\n"
                          "\"pos-2\",2026-11-22,2026-11-23,\"said \"\"later\"\"\"\n";
    const auto list = swd::ticket::read_outages_csv(csv.string());
    REQUIRE(list.size() == 2);
    CHECK(list[0].reason == "disk swap, room 3");
    CHECK(list[1].reason == "said \"later\"");
    std::int64_t id = 0;
    f.write([&](SQLite::Database& db) {
        for (const auto& o : list)
            id = swd::ticket::add_outage(db, o, t0);
        CHECK_THROWS_AS(swd::ticket::add_outage(db, {"x", t0, t0, ""}, t0), swd::Error);
    });
    auto records = swd::ticket::outage_records(f.state.db(), "");
    REQUIRE(records.size() == 2);
    CHECK(records[0].find(R"("device":"pos-1","from":"2026-11-21T08:00:00Z")") !=
          std::string::npos);
    f.write([&](SQLite::Database& db) {
        CHECK(swd::ticket::remove_outage(db, id));
        CHECK_FALSE(swd::ticket::remove_outage(db, id));
    });
    CHECK(swd::ticket::outage_records(f.state.db(), "").size() == 1);

    std::ofstream(csv) << "device,from\npos-1,2026-11-21T08:00:00Z\n";
    CHECK_THROWS_WITH(swd::ticket::read_outages_csv(csv.string()),
                      Catch::Contains("no 'until' column"));
    std::ofstream(csv) << "device,from,until\npos-1,yesterday,2026-11-21T08:00:00Z\n";
    CHECK_THROWS_WITH(swd::ticket::read_outages_csv(csv.string()),
                      Catch::Contains("outages.csv:2: from 'yesterday' is not a time"));
}
