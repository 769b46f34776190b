// Every tool's declared configuration keys: a default written once, where the key is declared.
#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>

#include "libcore/alert/ingest.hpp"
#include "libcore/alert/validate.hpp"
#include "libcore/base/config.hpp"
#include "libcore/queue/settings.hpp"
#include "libcore/redist/cli.hpp"
#include "libcore/ticket/cli.hpp"

TEST_CASE("every tool's integer, boolean and duration keys declare a default that reads",
          "[config]") {
    for (const auto* keys : {&swd::common_config_keys(), &swd::ingest::config_keys(),
                             &swd::validate::config_keys(), &swd::ticket::tool_config_keys(),
                             &swd::queue::config_keys(), &swd::redist::config_keys()}) {
        const auto config = swd::Config::parse("", "defaults", *keys);
        for (const auto& k : *keys) {
            INFO(std::string(k.key));
            switch (k.kind) {
                case swd::KeyKind::integer:
                    CHECK_NOTHROW(config.integer(k.key));
                    break;
                case swd::KeyKind::boolean:
                    CHECK_NOTHROW(config.boolean(k.key));
                    break;
                case swd::KeyKind::duration:
                    CHECK(config.seconds(k.key) >= 0);
                    break;
                case swd::KeyKind::durations:
                    CHECK_FALSE(config.strings(k.key).empty());
                    break;
                case swd::KeyKind::string:
                case swd::KeyKind::strings:
                case swd::KeyKind::table:
                    break;
            }
        }
    }
}

TEST_CASE("a key without a value reads as empty text or list, and is a logic error for a number",
          "[config]") {
    const swd::ConfigKeys keys{
        {"ticket.note", swd::KeyKind::string, "", "free text"},
        {"ticket.names", swd::KeyKind::strings, "", "a list"},
        {"ticket.count", swd::KeyKind::integer, "", "a number without a default"},
        {"ticket.limit", swd::KeyKind::integer, "7", "a number with one"},
    };
    const auto empty = swd::Config::parse("", "t.toml", keys);
    CHECK(empty.text("ticket.note").empty());
    CHECK(empty.strings("ticket.names").empty());
    CHECK(empty.integer("ticket.limit") == 7);
    CHECK_THROWS_AS(empty.integer("ticket.count"), std::logic_error);
    const auto set = swd::Config::parse(
        "[ticket]\nnote = \"hi\"\nnames = [\"a\"]\ncount = 2\nlimit = 9\n", "t.toml", keys);
    CHECK(set.text("ticket.note") == "hi");
    CHECK(set.strings("ticket.names") == std::vector<std::string>{"a"});
    CHECK(set.integer("ticket.count") == 2);
    CHECK(set.integer("ticket.limit") == 9);
}
