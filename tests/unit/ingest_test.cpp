#include "libcore/alert/ingest.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "libcore/base/config.hpp"
#include "libcore/base/error.hpp"

namespace {

using swd::ingest::Field;
using swd::ingest::Rules;

std::optional<std::string> get(const swd::ingest::Fields& f, Field which) {
    return f[static_cast<std::size_t>(which)];
}

swd::Config config(const std::string& toml) {
    return swd::Config::parse(toml, "test.toml", swd::ingest::config_keys());
}

swd::Exit config_error(const std::string& toml) {
    try {
        Rules::from_config(config(toml));
    } catch (const swd::Error& e) {
        return e.code();
    }
    return swd::Exit::ok;
}

}  // namespace

TEST_CASE("Key: Value lines give the fields of DESIGN section 5", "[ingest]") {
    const Rules rules;
    const auto f = rules.extract("subject",
                                 "Failure-Type: connection\nDevice: pos-0042\nServer: relay-a\n"
                                 "Distribution-ID: D-20261121-0042\nPackage: pkg-a-1.2\n"
                                 "  location :  Building 12/Room 3  \nRegion: east\n"
                                 "Time: 2026-11-21T10:15:03Z\nDetail: a: b: c\n"
                                 "Device: second-wins-not\nUnknown-Key: x\n-- \nRegion: sig\n");
    CHECK(get(f, Field::failure) == "connection");
    CHECK(get(f, Field::device) == "pos-0042");
    CHECK(get(f, Field::server) == "relay-a");
    CHECK(get(f, Field::dist) == "D-20261121-0042");
    CHECK(get(f, Field::package) == "pkg-a-1.2");
    CHECK(get(f, Field::location) == "Building 12/Room 3");
    CHECK(get(f, Field::region) == "east");
    CHECK(get(f, Field::time) == "2026-11-21T10:15:03Z");
    CHECK(get(f, Field::detail) == "a: b: c");
}

TEST_CASE("quoted lines, empty values and prose are not fields", "[ingest]") {
    const Rules rules;
    const auto f = rules.extract("", "> Device: quoted\nDevice:\nThe device: pos-1 failed\n");
    CHECK_FALSE(get(f, Field::device));
}

TEST_CASE("aliases and rules from the configuration", "[ingest]") {
    const Rules rules = Rules::from_config(config(R"(
[ingest]
rules = ['(?<failure>connection) failure on (?<device>[\w-]+)',
         'Distribution (?P<dist>D-\d+-\d+)',
         '^Room: (?<location>.*)$']
[ingest.aliases]
"Workstation" = "device"
"Dist" = "Distribution-ID"
)"));
    auto f = rules.extract("Distribution D-20261121-0060 failed",
                           "a connection failure on pos-0060 was seen\nRoom: 12/3\n");
    CHECK(get(f, Field::failure) == "connection");
    CHECK(get(f, Field::device) == "pos-0060");
    CHECK(get(f, Field::dist) == "D-20261121-0060");
    CHECK(get(f, Field::location) == "12/3");

    f = rules.extract("", "workstation: ws-1\nDIST: D-1\nconnection failure on other\n");
    CHECK(get(f, Field::device) == "ws-1");  // the body line comes first, the rule fills gaps
    CHECK(get(f, Field::dist) == "D-1");
    CHECK(get(f, Field::failure) == "connection");
}

TEST_CASE("bad [ingest] settings are configuration errors", "[ingest]") {
    CHECK(config_error("[ingest]\nrules = ['(?<device>unclosed']") == swd::Exit::config);
    CHECK(config_error("[ingest]\nrules = ['(?<nosuchfield>x)']") == swd::Exit::config);
    CHECK(config_error("[ingest]\nrules = ['no groups']") == swd::Exit::config);
    CHECK(config_error("[ingest.aliases]\n\"X\" = \"nosuchfield\"") == swd::Exit::config);
    CHECK(config_error("[ingest.failure_types]\n\"x\" = \"nosuchtype\"") == swd::Exit::config);
    CHECK(config_error("") == swd::Exit::ok);
    CHECK_THROWS_WITH(Rules::from_config(config("[ingest]\nrules = ['(?<nosuchfield>x)']")),
                      Catch::Contains("ingest.rules") && Catch::Contains("nosuchfield"));
}

TEST_CASE("failure texts map onto the canonical types", "[ingest]") {
    const Rules rules;
    for (auto type : swd::ingest::failure_types)
        CHECK(rules.failure_type(type) == type);
    CHECK(rules.failure_type(" Connection ") == "connection");
    CHECK(rules.failure_type("connect timed out") == "connection");
    CHECK(rules.failure_type("Host unreachable") == "connection");
    CHECK(rules.failure_type("Connection refused") == "connection");
    CHECK(rules.failure_type("Permission denied (publickey)") == "access");
    CHECK(rules.failure_type("authentication failed") == "access");
    CHECK(rules.failure_type("No space left on device") == "disk");
    CHECK(rules.failure_type("disk full") == "disk");
    CHECK(rules.failure_type("post-install script timed out") == "install");
    CHECK(rules.failure_type("checksum mismatch") == "package");
    CHECK(rules.failure_type("agent timed out") == "timeout");
    CHECK(rules.failure_type("the moon is in the wrong phase") == "other");

    const Rules configured = Rules::from_config(
        config("[ingest.failure_types]\n\"phase\" = \"timeout\"\n\"disk\" = \"install\""));
    CHECK(configured.failure_type("the moon is in the wrong phase") == "timeout");
    CHECK(configured.failure_type("disk full") == "install");  // configured ones first
}

TEST_CASE("make_alert maps the failure and normalises the time", "[ingest]") {
    const Rules rules;
    swd::message::Message m;
    m.from = "swd@relay-a.east.example.com";
    m.body = "Failure-Type: connect timed out\nTime: Sat, 21 Nov 2026 11:15:03 +0100\n";
    auto a = swd::ingest::make_alert(m, rules);
    CHECK(get(a.fields, Field::failure) == "connection");
    CHECK(a.failure_text == "connect timed out");
    CHECK(get(a.fields, Field::time) == "2026-11-21T10:15:03Z");
    CHECK(a.msg.body.empty());

    m.body = "Failure-Type: Disk\nTime: not a time\n";
    a = swd::ingest::make_alert(m, rules);
    CHECK(get(a.fields, Field::failure) == "disk");
    CHECK_FALSE(a.failure_text);
    CHECK_FALSE(get(a.fields, Field::time));
}

TEST_CASE("alert_record: DESIGN section 4 order, absent fields left out", "[ingest]") {
    const Rules rules;
    swd::message::Message m;
    m.message_id = "<x@y>";
    m.from = "swd@relay-a.east.example.com";
    m.node = "relay-a";
    m.domain = "east.example.com";
    m.date = swd::timeutil::parse_rfc3339("2026-11-21T10:15:03Z");
    m.subject = "s \"quoted\"";
    m.forwarded = true;
    m.body = "Device: pos-1\nFailure-Type: disk\n";
    const auto a = swd::ingest::make_alert(m, rules);
    CHECK(swd::ingest::alert_record(a, "A-20261121-000001", "file:x") ==
          R"({"type":"alert","v":1,"id":"A-20261121-000001","message_id":"<x@y>",)"
          R"("date":"2026-11-21T10:15:03Z","from":"swd@relay-a.east.example.com",)"
          R"("node":"relay-a","domain":"east.example.com","subject":"s \"quoted\"",)"
          R"("failure":"disk","device":"pos-1","forwarded":true,"source":"file:x"})");
}

TEST_CASE("stateless ids are stable, readable and differ per message", "[ingest]") {
    const auto day = *swd::timeutil::parse_rfc3339("2026-11-21T23:59:59Z");
    const std::string a = swd::ingest::stateless_id("<a@x>", day);
    CHECK(a == swd::ingest::stateless_id("<a@x>", day));
    CHECK(a != swd::ingest::stateless_id("<b@x>", day));
    CHECK(a.size() == std::string("A-20261121-000000000000").size());
    CHECK(a.starts_with("A-20261121-"));
    CHECK(swd::ingest::stateless_id("k", {}).starts_with("A-19700101-"));
}
