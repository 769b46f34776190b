#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "libcore/base/error.hpp"
#include "libcore/ticket/config.hpp"
#include "libcore/ticket/template.hpp"

using namespace std::chrono_literals;

TEST_CASE("[ticket] settings: defaults, overrides, bad values", "[ticket_config]") {
    const auto keys = swd::ticket::config_keys();
    auto s = swd::ticket::settings_from(swd::Config::parse("", "t.toml", keys));
    CHECK(s.window == 24h);
    CHECK(s.reopen == 4h);
    CHECK(s.thresholds.at("connection") == 4);
    CHECK(s.thresholds.at("access") == 2);
    CHECK(s.retry == std::vector<swd::timeutil::Duration>{0s, 30s, 5min, 1h});
    CHECK_FALSE(s.hold_shift);
    CHECK(s.shifts == std::vector<int>{360, 840, 1320});
    CHECK(s.template_text == swd::ticket::default_template());
    CHECK(s.ping == "ping -c 3 -W 2 {address}");

    s = swd::ticket::settings_from(swd::Config::parse(
        "[ticket]\nwindow = \"12h\"\nhold = \"shift\"\nshifts = [\"22:00\", \"06:30\"]\n"
        "retry = [\"0s\", \"1m\"]\n[ticket.thresholds]\nconnection = 2\nprinter = 5\n",
        "t.toml", keys));
    CHECK(s.window == 12h);
    CHECK(s.hold_shift);
    CHECK(s.shifts == std::vector<int>{390, 1320});
    CHECK(s.thresholds.at("connection") == 2);
    CHECK(s.thresholds.at("printer") == 5);
    CHECK(s.thresholds.at("timeout") == 3);

    for (const char* bad :
         {"[ticket]\nhold = \"sometimes\"\n", "[ticket]\nshifts = [\"25:00\"]\n",
          "[ticket.thresholds]\ndisk = 0\n", "[ticket]\nping = \"ping 'unterminated\"\n",
          "[ticket]\ntemplate = \"/nonexistent/ticket.mustache\"\n", "[ticket]\nretry = []\n"}) {
        INFO(bad);
        CHECK_THROWS_AS(swd::ticket::settings_from(swd::Config::parse(bad, "t.toml", keys)),
                        swd::Error);
    }
}

TEST_CASE("[ticket] settings carry [smtp]: sendmail: and ca_file", "[ticket_config]") {
    const auto& common = swd::common_config_keys();
    CHECK(std::any_of(common.begin(), common.end(),
                      [](const swd::ConfigKey& k) { return k.key == "smtp.ca_file"; }));
    const auto keys = swd::ticket::config_keys();
    auto s = swd::ticket::settings_from(
        swd::Config::parse("[smtp]\nurl = \"sendmail:\"\n", "t.toml", keys));
    CHECK(s.smtp.url == "sendmail:/usr/sbin/sendmail");
    try {
        swd::ticket::settings_from(
            swd::Config::parse("[smtp]\nurl = \"sendmail:sendmail\"\n", "t.toml", keys));
        FAIL("a relative sendmail was accepted");
    } catch (const swd::Error& e) {
        CHECK(e.code() == swd::Exit::config);
    }
}
