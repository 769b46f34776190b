#include "libcore/alert/validate.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "caught_error.hpp"
#include "libcore/alert/devices.hpp"
#include "libcore/alert/validate_cli.hpp"
#include "libcore/base/config.hpp"
#include "libcore/base/error.hpp"
#include "libcore/base/state.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;
using swd::Error;
using swd::Exit;
using swd::test::TempDir;
using swd::validate::Reason;
using swd::validate::Rules;
using swd::validate::Validator;

namespace {

using swd::test::caught_error;

Rules example_rules() {
    Rules rules;
    rules.domains = {"east.example.com", "West.Example.COM"};
    rules.nodes = {"relay-a", "RELAY-B"};
    return rules;
}

/// check() on a JSON text.
std::optional<swd::validate::Reject> check(Validator& v, const std::string& json) {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    REQUIRE(parser.parse(simdjson::padded_string(json)).get(doc) == simdjson::SUCCESS);
    return v.check(doc);
}

std::string alert(const std::string& from, const std::string& subject,
                  const std::string& extra = "") {
    return R"({"type":"alert","v":1,"id":"A-1","device":"pos-0042","from":")" + from +
           R"(","subject":")" + subject + "\"" + extra + "}";
}

}  // namespace

TEST_CASE("domain: the entry itself or a subdomain of it, in any case", "[validate]") {
    Validator v(example_rules());
    CHECK(v.domain_known("east.example.com"));
    CHECK(v.domain_known("EAST.Example.com"));
    CHECK(v.domain_known("west.example.com"));  // the entry was upper case
    CHECK(v.domain_known("store-12.east.example.com"));
    CHECK(v.domain_known("a.b.c.east.example.com"));
    CHECK(v.domain_known("east.example.com."));  // fully qualified

    CHECK_FALSE(v.domain_known("example.com"));  // a parent is not served
    CHECK_FALSE(v.domain_known("north.example.com"));
    CHECK_FALSE(v.domain_known("notwest.example.com"));  // a suffix, but not after a dot
    CHECK_FALSE(v.domain_known("east.example.com.evil.org"));
    CHECK_FALSE(v.domain_known("com"));
    CHECK_FALSE(v.domain_known(""));
}

TEST_CASE("node: in the node list, in any case", "[validate]") {
    Validator v(example_rules());
    CHECK(v.node_known("relay-a"));
    CHECK(v.node_known("Relay-A"));
    CHECK(v.node_known("relay-b"));
    CHECK_FALSE(v.node_known("relay-c"));
    CHECK_FALSE(v.node_known("relay"));
    CHECK_FALSE(v.node_known("relay-a.east"));
    CHECK_FALSE(v.node_known(""));
}

TEST_CASE("subject: reply and forward prefixes are found", "[validate]") {
    using swd::validate::reply_prefix;
    const std::pair<std::string, std::string> cases[] = {
        {"Re: [SWD] connection failure", "Re:"},
        {"RE: x", "RE:"},
        {"re:x", "re:"},
        {"Fwd: x", "Fwd:"},
        {"FWD: x", "FWD:"},
        {"Fw: x", "Fw:"},
        {"AW: x", "AW:"},
        {"Wg: x", "Wg:"},
        {"SV: x", "SV:"},
        {"TR: x", "TR:"},
        {"Re[2]: x", "Re[2]:"},
        {"RE [12] : x", "RE [12] :"},
        {"Re(3): x", "Re(3):"},
        {"Fw : x", "Fw :"},
        {"  \tRe:  x", "Re:"},
        {"Re\xC2\xA0: x", "Re\xC2\xA0:"},        // no-break space before the colon
        {"Re\xEF\xBC\x9A x", "Re\xEF\xBC\x9A"},  // full-width colon
        {"Re: Re: Fwd: x", "Re:"},               // repeated
        {"AW: WG: AW: x", "AW:"},
        {"[EXTERNAL] RE: [SWD] x", "RE:"},  // after a gateway's tag
        {"[ext] [spam?] Fwd: x", "Fwd:"},
    };
    for (const auto& [subject, prefix] : cases) {
        INFO(subject);
        const auto found = reply_prefix(subject);
        REQUIRE(found);
        CHECK(*found == prefix);
    }
}

TEST_CASE("subject: alert subjects are not replies", "[validate]") {
    using swd::validate::reply_prefix;
    for (const char* subject : {
             "[SWD] connection failure: pos-0042 (pkg-a-1.2) dist D-20261121-0042",
             "Distribution D-20261121-0051 failed on pos-0051",
             "Regional failure: x",
             "Report: x",
             "Trouble: x",
             "AWS: x",
             "Fwd x",
             "Re x: y",
             "Re[a]: x",
             "Re[2 x",
             "Re[]: x",
             "Sv",
             "re",
             "[Re: x",
             "",
             "   ",
         }) {
        INFO(subject);
        CHECK_FALSE(reply_prefix(subject));
    }
}

TEST_CASE("subject: out-of-office and automatic replies are found", "[validate]") {
    using swd::validate::auto_reply_phrase;
    const std::pair<std::string, std::string> cases[] = {
        {"Out of Office: [SWD] x", "Out of Office"},
        {"OUT OF OFFICE AutoReply: x", "OUT OF OFFICE"},
        {"Jane Doe is out of the office", "out of the office"},
        {"Automatic reply: [SWD] x", "Automatic reply"},
        {"Autoreply: x", "Autoreply"},
        {"Auto-Reply: x", "Auto-Reply"},
        {"Auto Reply: x", "Auto Reply"},
        {"Automatic Response: x", "Automatic Response"},
        {"Abwesenheitsnotiz: [SWD] x", "Abwesenheitsnotiz"},
        {"ABWESENHEITSNOTIZ: x", "ABWESENHEITSNOTIZ"},
        {"Automatische Antwort: x", "Automatische Antwort"},
        {"R\xC3\xA9ponse automatique : x", "R\xC3\xA9ponse automatique"},
        {"R\xC3\x89PONSE AUTOMATIQUE : x", "R\xC3\x89PONSE AUTOMATIQUE"},  // É folds to é
        {"Absence du bureau", "Absence du bureau"},
        {"Message d'absence: x", "Message d'absence"},
    };
    for (const auto& [subject, phrase] : cases) {
        INFO(subject);
        const auto found = auto_reply_phrase(subject);
        REQUIRE(found);
        CHECK(*found == phrase);
    }
    CHECK_FALSE(auto_reply_phrase("[SWD] connection failure: pos-0042"));
    CHECK_FALSE(auto_reply_phrase("[SWD] install failure: ws-0110 (Geb\xC3\xA4ude 9)"));
    CHECK_FALSE(auto_reply_phrase("[SWD] office printer failure"));
    CHECK_FALSE(auto_reply_phrase(""));
}

TEST_CASE("subject: Auto-Submitted auto-replied is rejected, auto-generated is fine",
          "[validate]") {
    Validator v(example_rules());
    const std::string subject = "[SWD] connection failure: pos-0042";
    CHECK(v.subject_problem(subject, "auto-replied") == "Auto-Submitted: auto-replied");
    CHECK(v.subject_problem(subject, " Auto-Replied ; reason=vacation") ==
          "Auto-Submitted: auto-replied");
    CHECK_FALSE(v.subject_problem(subject, "auto-generated"));
    CHECK_FALSE(v.subject_problem(subject, "no"));
    CHECK_FALSE(v.subject_problem(subject, ""));
    CHECK(v.subject_problem("Re: " + subject, "auto-generated") == "subject starts with 'Re:'");
    CHECK(v.subject_problem("Out of Office: " + subject, "") ==
          "out-of-office or automatic reply: subject contains 'Out of Office'");
}

TEST_CASE("subject: patterns from the configuration extend the built-in ones", "[validate]") {
    Rules rules = example_rules();
    rules.reply_patterns = {"^\\s*antw\\s*:", "^rv:"};
    rules.auto_reply_patterns = {"vacation|cong[eé]s"};
    Validator v(rules);
    CHECK(v.subject_problem("Antw: [SWD] x", "") ==
          "subject matches reply pattern '^\\s*antw\\s*:'");
    CHECK(v.subject_problem("ANTW : x", ""));
    CHECK(v.subject_problem("RV: x", "") == "subject matches reply pattern '^rv:'");
    CHECK(v.subject_problem("On VACATION until Monday", "") ==
          "subject matches auto-reply pattern 'vacation|cong[eé]s'");
    CHECK_FALSE(v.subject_problem("[SWD] connection failure: pos-0042 antw:", ""));

    // A subject far longer than any real one is looked at in its first kilobyte only.
    const std::string huge = std::string(200000, 'x') + " vacation";
    CHECK_FALSE(v.subject_problem(huge, ""));
    CHECK(v.subject_problem("vacation " + huge, ""));
    // Without configured patterns, the built-in checks are the same.
    CHECK_FALSE(Validator(example_rules()).subject_problem("Antw: [SWD] x", ""));
}

TEST_CASE("subject: a bad pattern is a configuration error", "[validate]") {
    Rules rules = example_rules();
    rules.auto_reply_patterns = {"(unclosed"};
    const Error e = caught_error([&] { Validator v(rules); });
    CHECK(e.code() == Exit::config);
    CHECK(std::string(e.what()).find("validate.auto_reply_patterns: '(unclosed' is not a") == 0);
}

TEST_CASE("check: the seed's order, and the sender from the fields or the address", "[validate]") {
    Validator v(example_rules());
    const std::string ok_subject = "[SWD] connection failure: pos-0042";
    CHECK_FALSE(check(v, alert("swd@relay-a.east.example.com", ok_subject)));
    CHECK_FALSE(check(v, alert("swd@relay-b.store-9.west.example.com", ok_subject,
                               R"(,"auto_submitted":"auto-generated")")));
    // node and domain fields, as swd-ingest writes them, win over the address.
    CHECK_FALSE(check(v, alert("x@other.example.org", ok_subject,
                               R"(,"node":"relay-a","domain":"east.example.com")")));

    auto r = check(v, alert("swd@relay-a.partner.example.net", "Re: " + ok_subject));
    REQUIRE(r);  // domain and subject both wrong: domain is checked first
    CHECK(r->reason == Reason::domain);
    CHECK(r->detail == "domain 'partner.example.net' is not in the domain list");

    r = check(v, alert("swd@relay-z.east.example.com", "AW: " + ok_subject));
    REQUIRE(r);  // subject and node both wrong: subject first
    CHECK(r->reason == Reason::subject);
    CHECK(r->detail == "subject starts with 'AW:'");

    r = check(v, alert("swd@relay-z.east.example.com", ok_subject));
    REQUIRE(r);
    CHECK(r->reason == Reason::node);
    CHECK(r->detail == "node 'relay-z' is not in the node list");

    r = check(v, alert("swd@relay-a.east.example.com", ok_subject,
                       R"(,"auto_submitted":"auto-replied")"));
    REQUIRE(r);
    CHECK(r->reason == Reason::subject);

    r = check(v, R"({"type":"alert","v":1,"subject":"x"})");
    REQUIRE(r);
    CHECK(r->reason == Reason::domain);
    CHECK(r->detail == "no sender domain");

    r = check(v, R"({"type":"alert","v":1,"domain":"east.example.com","subject":"x"})");
    REQUIRE(r);
    CHECK(r->reason == Reason::node);
    CHECK(r->detail == "no sender node");

    // A missing subject is no sign of a reply.
    CHECK_FALSE(check(v, R"({"type":"alert","id":"A-1","device":"d","node":"relay-a",)"
                         R"("domain":"east.example.com"})"));

    // Last, what swd-ticket needs to count the alert.
    r = check(v, R"({"type":"alert","id":"A-1","node":"relay-a","domain":"east.example.com"})");
    REQUIRE(r);
    CHECK(r->reason == Reason::incomplete);
    CHECK(r->detail == "no device (swd-ticket needs it)");
    r = check(v, R"({"type":"alert","id":"","device":"d","node":"relay-a",)"
                 R"("domain":"east.example.com"})");
    REQUIRE(r);
    CHECK(r->reason == Reason::incomplete);
    CHECK(r->detail == "no id (swd-ticket needs it)");
    CHECK(swd::validate::reason_name(Reason::incomplete) == "incomplete");
}

TEST_CASE("check: records that are not alerts are malformed", "[validate]") {
    Validator v(example_rules());
    auto r = check(v, R"({"type":"ticket","v":1,"from":"swd@relay-a.east.example.com"})");
    REQUIRE(r);
    CHECK(r->reason == Reason::malformed);
    CHECK(r->detail == "not an alert record (type 'ticket')");
    r = check(v, R"({"v":1,"from":"swd@relay-a.east.example.com"})");
    REQUIRE(r);
    CHECK(r->reason == Reason::malformed);
    CHECK(r->detail == "not an alert record (no \"type\")");
    r = check(v, R"({"type":7})");
    REQUIRE(r);
    CHECK(r->reason == Reason::malformed);
}

TEST_CASE("check: hostile values are shown short and on one line", "[validate]") {
    Validator v(example_rules());
    const std::string long_domain = std::string(300, 'a') + ".evil.org";
    auto r = check(v, R"({"type":"alert","node":"x","domain":")" + long_domain + "\"}");
    REQUIRE(r);
    CHECK(r->detail.size() < 150);
    r = check(v, R"({"type":"alert","node":"bad\nnode\u0000","domain":"east.example.com"})");
    REQUIRE(r);
    CHECK(r->detail == "node 'bad\\nnode\\x00' is not in the node list");
}

TEST_CASE("read_list: one entry per line, comments and blanks ignored", "[validate]") {
    TempDir dir;
    const auto domains = dir.write("domains",
                                   "# served domains\r\n"
                                   "East.Example.com\r\n"
                                   "\n"
                                   "   west.example.com.   # with a trailing dot\n"
                                   "*.north.example.com\n"
                                   ".south.example.com");
    CHECK(swd::validate::read_list(domains, true) ==
          std::vector<std::string>{"east.example.com", "west.example.com", "north.example.com",
                                   "south.example.com"});
    const auto nodes = dir.write("nodes", "relay-a\n\tRELAY-B\t\n#relay-c\n");
    CHECK(swd::validate::read_list(nodes, false) == std::vector<std::string>{"relay-a", "relay-b"});
    CHECK(swd::validate::read_list(dir.write("empty", "# nothing yet\n"), false).empty());

    const auto bad = dir.write("bad", "relay-a\nrelay b\n");
    Error e = caught_error([&] { swd::validate::read_list(bad, false); });
    CHECK(e.code() == Exit::config);
    CHECK(std::string(e.what()) ==
          bad + ":2: 'relay b': one entry per line, without blanks inside");
    const auto dot = dir.write("dot", "example.com\n.\n");
    e = caught_error([&] { swd::validate::read_list(dot, true); });
    CHECK(std::string(e.what()) == dot + ":2: empty domain");
    e = caught_error([&] { swd::validate::read_list((dir.path() / "nope").string(), true); });
    CHECK(e.code() == Exit::config);
    CHECK(std::string(e.what()).ends_with("nope: No such file or directory"));
}

TEST_CASE("load_rules: files from flags or [validate], else the device inventory", "[validate]") {
    TempDir dir;
    const auto state_path = (dir.path() / "state.db").string();
    const auto domains = dir.write("domains", "east.example.com\n");
    const auto nodes = dir.write("nodes", "relay-a\n");
    const auto other_nodes = dir.write("other-nodes", "relay-x\n");
    const auto config = swd::Config::parse(
        "[validate]\nnodes = \"" + other_nodes + "\"\nreply_patterns = [\"^antw:\"]\n", "swd.toml",
        swd::validate::config_keys());

    SECTION("both lists as files: the state file is not touched") {
        swd::validate::Options opt;
        opt.domains = domains;
        opt.nodes = nodes;
        const Rules rules = swd::validate::load_rules(opt, config, state_path);
        CHECK(rules.domains == std::vector<std::string>{"east.example.com"});
        CHECK(rules.nodes == std::vector<std::string>{"relay-a"});  // the flag beats the file
        CHECK(rules.reply_patterns == std::vector<std::string>{"^antw:"});
        CHECK(rules.auto_reply_patterns.empty());
        CHECK_FALSE(fs::exists(state_path));
    }

    SECTION("no list and no devices is a configuration error that says what to do") {
        const swd::Config empty;
        const Error e = caught_error([&] { swd::validate::load_rules({}, empty, state_path); });
        CHECK(e.code() == Exit::config);
        const std::string what = e.what();
        CHECK(what.find("no domain list: give --domains FILE, set [validate] domains, or import "
                        "the device inventory into the state file " +
                        state_path) == 0);
        swd::validate::Options opt;
        opt.domains = domains;
        const Error n = caught_error([&] { swd::validate::load_rules(opt, empty, state_path); });
        CHECK(std::string(n.what()).find("no node list: give --nodes FILE") == 0);
    }

    SECTION("missing lists come from the devices in the state file") {
        {
            swd::State state(state_path, {&swd::devices::schema()});
            state.write([](SQLite::Database& db) {
                swd::devices::Device d;
                d.name = "pos-0042";
                d.domain = "east.example.com";
                swd::devices::upsert(db, d);
                d.name = "relay-b";
                d.domain = "west.example.com";
                swd::devices::upsert(db, d);
            });
        }
        const swd::Config empty;
        Rules rules = swd::validate::load_rules({}, empty, state_path);
        CHECK(rules.nodes == std::vector<std::string>{"pos-0042", "relay-b"});
        CHECK(rules.domains == std::vector<std::string>{"east.example.com", "west.example.com"});

        // The node list from [validate] nodes, the domains still from the devices.
        rules = swd::validate::load_rules({}, config, state_path);
        CHECK(rules.nodes == std::vector<std::string>{"relay-x"});
        CHECK(rules.domains == std::vector<std::string>{"east.example.com", "west.example.com"});
    }
}
