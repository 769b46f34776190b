#include <catch2/catch.hpp>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "libcore/alert/devices.hpp"
#include "libcore/base/config.hpp"
#include "libcore/mail/outbox.hpp"
#include "libcore/ticket/admin.hpp"
#include "libcore/ticket/delivery.hpp"
#include "libcore/ticket/processor.hpp"
#include "smtp_server.hpp"
#include "temp_dir.hpp"

using swd::timeutil::parse_rfc3339;

TEST_CASE("the end of the shift, in local time", "[ticket_delivery]") {
    const char* old = std::getenv("TZ");
    const std::string saved = old ? old : "";
    setenv("TZ", "UTC", 1);
    tzset();
    const std::vector<int> shifts{6 * 60, 14 * 60, 22 * 60};
    const auto at = [](const char* s) { return parse_rfc3339(s).value(); };
    CHECK(swd::ticket::shift_end(at("2026-11-21T10:15:00Z"), shifts) == at("2026-11-21T14:00:00Z"));
    CHECK(swd::ticket::shift_end(at("2026-11-21T14:00:00Z"), shifts) == at("2026-11-21T22:00:00Z"));
    CHECK(swd::ticket::shift_end(at("2026-11-21T23:30:00Z"), shifts) == at("2026-11-22T06:00:00Z"));
    setenv("TZ", "Europe/Berlin", 1);
    tzset();
    CHECK(swd::ticket::shift_end(at("2026-11-21T10:15:00Z"), shifts) == at("2026-11-21T13:00:00Z"));
    if (old)
        setenv("TZ", saved.c_str(), 1);
    else
        unsetenv("TZ");
    tzset();
}

namespace {

using namespace std::chrono_literals;
using swd::State;
using swd::test::SmtpServer;
using swd::test::TempDir;

const auto t0 = parse_rfc3339("2026-11-21T10:00:00Z").value();

struct Fixture {
    TempDir dir;
    SmtpServer server{dir.path() / "smtpd"};
    State state{dir.path() / "state.db", swd::ticket::schemas()};
    swd::ticket::Settings s;

    Fixture() {
        s = swd::ticket::settings_from(
            swd::Config::parse("[ticket]\ndiagnostics = false\ndefault_center = \"mc-desk\"\n"
                               "[smtp]\nfrom = \"swd@service.example.com\"\n",
                               "t.toml", swd::ticket::config_keys()));
        s.smtp.url = server.url();
        state.write([&](SQLite::Database& db) {
            swd::ticket::set_center(db, "mc-east", "east@example.com", "pager@example.com");
            swd::ticket::set_center(db, "mc-desk", "desk@example.com", "");
            swd::ticket::set_building(db, "Building 12", "mc-east", "");
            swd::devices::upsert(db,
                                 {"pos-1", "127.0.0.1", "", "east", "Building 12", "Room 3", true});
        });
    }

    std::vector<swd::ticket::Ticket> process(const std::vector<swd::ticket::Alert>& alerts,
                                             swd::timeutil::TimePoint now) {
        swd::ticket::Processor p(state, s, now);
        return swd::ticket::finish_tickets(state, s, now, p.process(alerts).created);
    }
};

swd::ticket::Alert alert(const std::string& id, const std::string& device,
                         const std::string& location, swd::timeutil::TimePoint at) {
    swd::ticket::Alert a;
    a.id = id;
    a.device = device;
    a.failure = "disk";
    a.location = location;
    a.region = "west";
    a.at = at;
    return a;
}

}  // namespace

TEST_CASE("finishing: location corrected or unverified, routed, paged", "[ticket_delivery]") {
    Fixture f;
    const auto t = f.process(
        {alert("A-1", "pos-1", "Bldg 12", t0), alert("A-2", "pos-9", "Building 5/Room 1", t0)}, t0);
    REQUIRE(t.size() == 2);
    CHECK(t[0].location == "Building 12/Room 3");
    CHECK(t[0].location_corrected_from == "Bldg 12");
    CHECK(t[0].region == "east");
    CHECK(t[0].center == "mc-east");
    CHECK(t[0].to == std::vector<std::string>{"east@example.com"});
    CHECK(t[0].paged);
    CHECK(t[0].status == "queued");
    CHECK(t[1].location == "Building 5/Room 1");
    CHECK(t[1].location_unverified);
    CHECK(t[1].region == "west");
    CHECK(t[1].center == "mc-desk");
    CHECK_FALSE(t[1].paged);
    // The page is in the outbox at once; the tickets' mails are written by send.
    const auto queued = swd::outbox::list(f.state.db(), "pending");
    REQUIRE(queued.size() == 1);
    CHECK(queued[0].kind == "page");
    CHECK(queued[0].rcpts == std::vector<std::string>{"pager@example.com"});

    const auto r = swd::ticket::send(f.state, f.s, t0 + 1min, false);
    CHECK(r.mails == 2);
    CHECK(r.mail.sent == 3);
    const auto got = f.server.messages();
    REQUIRE(got.size() == 3);
    CHECK(got[0].find("Subject: [" + t[0].id + "] PAGE disk pos-1") != std::string::npos);
    CHECK(got[1].find("Subject: [" + t[0].id + "] disk failure: pos-1 at Building 12/Room 3") !=
          std::string::npos);
    CHECK(got[1].find("Message-Id: " + t[0].message_id) != std::string::npos);
    CHECK(got[2].find("(unverified: the device is not in the inventory)") != std::string::npos);
    CHECK(swd::ticket::find_ticket(f.state.db(), t[0].id)->status == "sent");
}

TEST_CASE("an update mail refers to the ticket's mail, once it was accepted", "[ticket_delivery]") {
    Fixture f;
    const auto t = f.process({alert("A-1", "pos-9", "", t0)}, t0);
    REQUIRE(t.size() == 1);
    f.process({alert("A-2", "pos-9", "", t0 + 1h)}, t0 + 1h);
    f.server.answer("451");
    auto r = swd::ticket::send(f.state, f.s, t0 + 1h, false);
    CHECK(r.mail.retry == 1);
    CHECK(r.updates == 0);  // the ticket's own mail has not gone out yet
    f.server.answer("250");
    r = swd::ticket::send(f.state, f.s, t0 + 1h + 30s, false);
    CHECK(r.mail.sent == 1);
    CHECK(r.updates == 0);
    f.process({alert("A-3", "pos-9", "", t0 + 2h)}, t0 + 2h);
    r = swd::ticket::send(f.state, f.s, t0 + 2h, false);
    CHECK(r.updates == 1);
    CHECK(r.mail.sent == 1);
    r = swd::ticket::send(f.state, f.s, t0 + 3h, false);
    CHECK(r.updates == 0);
    const auto got = f.server.messages();
    REQUIRE(got.size() == 2);
    CHECK(got[1].find("In-Reply-To: " + t[0].message_id) != std::string::npos);
    CHECK(got[1].find("References: " + t[0].message_id) != std::string::npos);
    CHECK(got[1].find("(update: 3 alerts)") != std::string::npos);
    CHECK(got[1].find("Job ticket " + t[0].id + " (update)") != std::string::npos);
}

TEST_CASE("held until the end of the shift, then one message per center", "[ticket_delivery]") {
    setenv("TZ", "UTC", 1);
    tzset();
    Fixture f;
    f.s.hold_shift = true;
    auto t = f.process({alert("A-1", "pos-1", "", t0), alert("A-2", "pos-8", "", t0),
                        alert("A-3", "pos-9", "", t0 + 1h)},
                       t0 + 1h);
    REQUIRE(t.size() == 3);
    CHECK(t[0].status == "held");
    CHECK(t[0].held_until == parse_rfc3339("2026-11-21T14:00:00Z"));
    auto r = swd::ticket::send(f.state, f.s, t0 + 2h, false);
    CHECK(r.digests == 0);
    CHECK(r.mail.sent == 1);  // only the page goes out at once
    r = swd::ticket::send(f.state, f.s, parse_rfc3339("2026-11-21T14:00:00Z").value(), false);
    CHECK(r.digests == 2);
    CHECK(r.mail.sent == 2);
    const auto got = f.server.messages();
    REQUIRE(got.size() == 3);
    CHECK(got[1].find("[swd] 2 job tickets for mc-desk: [" + t[1].id + "] [" + t[2].id + "]") !=
          std::string::npos);
    CHECK(got[2].find("[swd] 1 job ticket for mc-east: [" + t[0].id + "]") != std::string::npos);
    CHECK(swd::ticket::find_ticket(f.state.db(), t[1].id)->message_id ==
          swd::ticket::find_ticket(f.state.db(), t[2].id)->message_id);

    // --flush sends what is held now.
    t = f.process({alert("A-4", "pos-7", "", t0 + 5h)}, t0 + 5h);
    r = swd::ticket::send(f.state, f.s, t0 + 5h, true);
    CHECK(r.digests == 1);
    CHECK(f.server.messages().size() == 4);
}
