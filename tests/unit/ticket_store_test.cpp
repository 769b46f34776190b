// ticket/store: the queries over stored tickets and alerts, on a state file the processor filled.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "caught_error.hpp"
#include "libcore/ticket/config.hpp"
#include "libcore/ticket/processor.hpp"
#include "libcore/ticket/store.hpp"
#include "temp_dir.hpp"

namespace {

using namespace std::chrono_literals;
using swd::ticket::Alert;
using swd::timeutil::TimePoint;

const TimePoint t0 = swd::timeutil::parse_rfc3339("2026-11-21T00:00:00Z").value();
const TimePoint now = t0 + 2h;

Alert alert(int n, const std::string& device, const std::string& failure, TimePoint at) {
    Alert a;
    a.id = "A-" + std::to_string(100000 + n);
    a.device = device;
    a.failure = failure;
    a.at = at;
    a.dist = "D-" + std::to_string(n);
    a.package = "pkg-a";
    a.region = device == "pos-1" ? "east" : "west";
    return a;
}

// pos-1: four connection alerts (a ticket at the fourth); pos-2: one package alert (a ticket);
// pos-3: one timeout alert (counted, no ticket).
struct Filled {
    swd::test::TempDir dir;
    swd::State state{dir.path() / "state.db", swd::ticket::schemas()};
    std::string pos1, pos2;

    Filled() {
        swd::ticket::Settings s;
        s.thresholds = swd::ticket::default_thresholds();
        s.diagnostics = false;
        s.default_center = "mc";
        std::vector<Alert> alerts;
        for (int i = 0; i < 4; ++i)
            alerts.push_back(alert(i, "pos-1", "connection", t0 + i * 10min));
        alerts.push_back(alert(4, "pos-2", "package", t0 + 5min));
        alerts.push_back(alert(5, "pos-3", "timeout", t0 + 6min));
        const auto r = swd::ticket::Processor(state, s, now).process(alerts);
        REQUIRE(r.created.size() == 2);
        for (const auto& t : swd::ticket::list_tickets(state.db(), {}))
            (t.device == "pos-1" ? pos1 : pos2) = t.id;
        REQUIRE(!pos1.empty());
        REQUIRE(!pos2.empty());
    }
    std::vector<std::string> ids(const swd::ticket::TicketFilter& f) {
        std::vector<std::string> out;
        for (const auto& t : swd::ticket::list_tickets(state.db(), f))
            out.push_back(t.id);
        return out;
    }
};

bool has(const std::string& record, const std::string& part) {
    return record.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("a stored ticket is found with its alerts oldest first, an unknown id is not",
          "[ticket_store]") {
    Filled f;
    swd::ticket::TicketReader reader(f.state.db());
    const auto t = reader.find(f.pos1);
    REQUIRE(t);
    CHECK(t->device == "pos-1");
    CHECK(t->failure == "connection");
    CHECK(t->count == 4);
    CHECK(t->threshold == 4);
    CHECK(t->open());
    CHECK(t->alerts == std::vector<std::string>{"A-100000", "A-100001", "A-100002", "A-100003"});
    CHECK(t->first == t0);
    CHECK(t->last == t0 + 30min);
    CHECK(reader.find(f.pos2)->alerts == std::vector<std::string>{"A-100004"});
    CHECK_FALSE(reader.find("T-19990101-0001"));
    CHECK_FALSE(swd::ticket::find_ticket(f.state.db(), ""));
}

TEST_CASE("tickets are listed by open or closed, device and creation time", "[ticket_store]") {
    Filled f;
    CHECK(f.ids({}).size() == 2);
    CHECK(f.ids({"all", std::nullopt, ""}).size() == 2);
    CHECK(f.ids({"", std::nullopt, "pos-2"}) == std::vector<std::string>{f.pos2});
    CHECK(f.ids({"", std::nullopt, "pos-9"}).empty());
    CHECK(f.ids({"", now, ""}).size() == 2);
    CHECK(f.ids({"", now + 1s, ""}).empty());
    f.state.write([&](SQLite::Database& db) {
        CHECK(swd::ticket::close_ticket(db, f.pos1, now + 1h));
        CHECK_FALSE(swd::ticket::close_ticket(db, f.pos1, now + 2h));
        CHECK_FALSE(swd::ticket::close_ticket(db, "T-19990101-0001", now));
    });
    CHECK(f.ids({"open", std::nullopt, ""}) == std::vector<std::string>{f.pos2});
    CHECK(f.ids({"closed", std::nullopt, ""}) == std::vector<std::string>{f.pos1});
    const auto closed = swd::ticket::find_ticket(f.state.db(), f.pos1);
    REQUIRE(closed->closed);
    CHECK(*closed->closed == now + 1h);
}

TEST_CASE("a device's open tickets close together, its name in any case", "[ticket_store]") {
    Filled f;
    f.state.write([&](SQLite::Database& db) {
        CHECK(swd::ticket::close_device_tickets(db, "POS-2", now) ==
              std::vector<std::string>{f.pos2});
        CHECK(swd::ticket::close_device_tickets(db, "pos-2", now).empty());
        CHECK(swd::ticket::close_device_tickets(db, "pos-9", now).empty());
    });
    CHECK(f.ids({"open", std::nullopt, ""}) == std::vector<std::string>{f.pos1});
}

TEST_CASE("stored alerts are read back by device, action, id and time", "[ticket_store]") {
    Filled f;
    const auto all = swd::ticket::alert_records(f.state.db(), {});
    REQUIRE(all.size() == 6);
    CHECK(has(all[0], "\"id\":\"A-100000\""));
    CHECK(has(all[0], "\"time\":\"2026-11-21T00:00:00Z\""));
    CHECK(has(all[0], "\"ticket\":\"" + f.pos1 + "\""));
    CHECK(swd::ticket::alert_records(f.state.db(), {"POS-1", "", "", std::nullopt}).size() == 4);
    const auto one = swd::ticket::alert_records(f.state.db(), {"", "A-100005", "", std::nullopt});
    REQUIRE(one.size() == 1);
    CHECK(has(one[0], "\"action\":\"counted\""));
    CHECK_FALSE(has(one[0], "\"ticket\""));
    CHECK(swd::ticket::alert_records(f.state.db(), {"", "", "counted", std::nullopt}).size() == 4);
    CHECK(swd::ticket::alert_records(f.state.db(), {"", "", "ticket", std::nullopt}).size() == 2);
    CHECK(swd::ticket::alert_records(f.state.db(), {"", "", "", t0 + 20min}).size() == 2);
    CHECK(swd::ticket::alert_records(f.state.db(), {"", "", "", now}).empty());
}

TEST_CASE("reports count alerts and tickets per key, and refuse an unknown key", "[ticket_store]") {
    Filled f;
    const auto by_failure = swd::ticket::report_records(f.state.db(), "failure", std::nullopt);
    REQUIRE(by_failure.size() == 3);
    CHECK(has(by_failure[0], "\"key\":\"connection\""));
    CHECK(has(by_failure[0], "\"alerts\":4"));
    CHECK(has(by_failure[0], "\"tickets\":1"));
    CHECK(has(by_failure[2], "\"key\":\"timeout\""));
    CHECK(has(by_failure[2], "\"tickets\":0"));
    const auto by_region = swd::ticket::report_records(f.state.db(), "region", t0 + 5min);
    REQUIRE(by_region.size() == 2);
    CHECK(has(by_region[0], "\"key\":\"east\",\"alerts\":3"));
    CHECK(has(by_region[1], "\"key\":\"west\",\"alerts\":2"));
    // One time basis: tickets count from the alert that made them (pos-1's at t0 + 30 min,
    // pos-2's at t0 + 5 min), not from when they were made (t0 + 2 h, both): after t0 + 10 min,
    // pos-1's alerts and ticket, nothing of pos-2.
    const auto by_device = swd::ticket::report_records(f.state.db(), "device", t0 + 10min);
    REQUIRE(by_device.size() == 1);
    CHECK(has(by_device[0], "\"key\":\"pos-1\",\"alerts\":3,\"suppressed\":0,\"tickets\":1"));
    const auto [code, message] = swd::test::status_of(
        [&] { swd::ticket::report_records(f.state.db(), "colour", std::nullopt); });
    CHECK(code == swd::Exit::usage);
    CHECK_THAT(message, Catch::Contains("expected region, failure, device or center"));
}

TEST_CASE("a ticket record carries what the ticket says, diagnostics as a JSON object",
          "[ticket_store]") {
    Filled f;
    auto t = *swd::ticket::find_ticket(f.state.db(), f.pos1);
    t.diagnostics = {{"ping", "3 sent\n\"0\" received"}};
    const auto rec = swd::ticket::ticket_record(t);
    CHECK(has(rec, "{\"type\":\"ticket\""));
    CHECK(has(rec, "\"open\":true"));
    CHECK(has(rec, "\"alerts\":[\"A-100000\",\"A-100001\",\"A-100002\",\"A-100003\"]"));
    CHECK(has(rec, "\"diagnostics\":{\"ping\":\"3 sent\\n\\\"0\\\" received\"}"));
    CHECK_FALSE(has(rec, "\"closed\""));
    t.closed = now;
    CHECK(has(swd::ticket::ticket_record(t), "\"closed\":\"2026-11-21T02:00:00Z\""));
}
