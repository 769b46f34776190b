#include <catch2/catch.hpp>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>

#include "libcore/base/error.hpp"
#include "libcore/ticket/config.hpp"
#include "libcore/ticket/delivery.hpp"
#include "libcore/ticket/template.hpp"

namespace {

using namespace std::chrono_literals;
using swd::timeutil::parse_rfc3339;

swd::ticket::Ticket sample() {
    swd::ticket::Ticket t;
    t.id = "T-20261121-0007";
    t.status = "queued";
    t.device = "pos-0042";
    t.failure = "connection";
    t.count = 4;
    t.threshold = 4;
    t.window = 24h;
    t.first = parse_rfc3339("2026-11-21T10:00:00Z").value();
    t.last = parse_rfc3339("2026-11-21T10:15:03Z").value();
    t.created = t.last;
    t.center = "mc-east";
    t.to = {"mc-east@example.com"};
    t.location = "Building 12/Room 3";
    t.location_corrected_from = "Bldg 12 & <annex>";
    t.region = "east";
    t.address = "10.1.2.3";
    t.package = "pkg-a-1.2";
    t.server = "relay-a";
    t.dist = "D-20261121-0042";
    t.detail = "connect timed out";
    t.diagnostics = {{"ping", "3 packets transmitted, 0 received"}, {"traceroute", "1 * * *"}};
    t.alerts = {"A-1", "A-2"};
    t.alert_times = {t.first, t.last};
    return t;
}

}  // namespace

TEST_CASE("examples/ticket.mustache is the built-in template", "[ticket_template]") {
    std::ifstream in(std::string(SWD_SOURCE_DIR) + "/examples/ticket.mustache", std::ios::binary);
    REQUIRE(in);
    std::ostringstream text;
    text << in.rdbuf();
    CHECK(text.str() == swd::ticket::default_template());
}

TEST_CASE("the default template fills in every fact, without HTML escaping", "[ticket_template]") {
    const auto now = parse_rfc3339("2026-11-21T11:00:00Z").value();
    const std::string body = swd::ticket::render(swd::ticket::default_template(), sample(),
                                                 swd::ticket::Occasion::created, now);
    for (const char* expected :
         {"Job ticket T-20261121-0007\n", "Device:        pos-0042\n",
          "Failure:       connection\n", "Alerts:        4 (threshold 4 within 1d)\n",
          "First alert:   2026-11-21T10:00:00Z\n", "Last alert:    2026-11-21T10:15:03Z\n",
          "Building 12/Room 3 (corrected from the inventory; the alert said \"Bldg 12 & "
          "<annex>\")",
          "Package:       pkg-a-1.2\n", "Distribution:  D-20261121-0042\n",
          "Server:        relay-a\n", "Center:        mc-east\n", "--- ping\n3 packets transmitted",
          "--- traceroute\n1 * * *\n", "  A-1  2026-11-21T10:00:00Z\n",
          "swd-ticket, 2026-11-21T11:00:00Z. Keep [T-20261121-0007] in the subject"}) {
        INFO(expected);
        CHECK(body.find(expected) != std::string::npos);
    }
    CHECK(body.find("(update)") == std::string::npos);
    CHECK(body.find("&amp;") == std::string::npos);

    auto t = sample();
    t.diagnostics.clear();
    t.location_corrected_from.clear();
    t.location_unverified = true;
    t.reopened = 1;
    const std::string update =
        swd::ticket::render(swd::ticket::default_template(), t, swd::ticket::Occasion::update, now);
    CHECK(update.find("Job ticket T-20261121-0007 (update)") != std::string::npos);
    CHECK(update.find("none run") != std::string::npos);
    CHECK(update.find("(unverified: the device is not in the inventory)") != std::string::npos);
    CHECK(update.find("Reopened:") != std::string::npos);
}

TEST_CASE("subject, custom fields, pages and merged subjects", "[ticket_template]") {
    const auto now = parse_rfc3339("2026-11-21T11:00:00Z").value();
    auto t = sample();
    const std::string subject =
        swd::ticket::settings_from(swd::Config::parse("", "defaults", swd::ticket::config_keys()))
            .subject;
    CHECK(swd::ticket::render(subject, t, swd::ticket::Occasion::created, now) ==
          "[T-20261121-0007] connection failure: pos-0042 at Building 12/Room 3");
    CHECK(swd::ticket::render(subject, t, swd::ticket::Occasion::update, now) ==
          "[T-20261121-0007] connection failure: pos-0042 at Building 12/Room 3 (update: 4 "
          "alerts)");
    CHECK(swd::ticket::render("{{ping}}|{{alert_ids}}|{{to}}|{{region}}|{{status}}", t,
                              swd::ticket::Occasion::created, now) ==
          "3 packets transmitted, 0 received|A-1 A-2|"
          "mc-east@example.com|east|queued");
    CHECK(swd::ticket::page_text(t) ==
          "pos-0042 connection x4 at Building 12/Room 3 since 2026-11-21T10:00:00Z "
          "(T-20261121-0007)");
    auto u = t;
    u.id = "T-20261121-0008";
    CHECK(swd::ticket::digest_subject("mc-east", {t, u}) ==
          "[swd] 2 job tickets for mc-east: [T-20261121-0007] [T-20261121-0008]");
}
