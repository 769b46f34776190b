#include "libcore/base/text.hpp"

#include <catch2/catch.hpp>
#include <string>

TEST_CASE("ascii_lower folds A-Z only", "[text]") {
    CHECK(swd::ascii_lower("POS-0042.East.Example.COM") == "pos-0042.east.example.com");
    CHECK(swd::ascii_lower("") == "");
    // Bytes outside A-Z, UTF-8 included, are left as they are, whatever the locale.
    CHECK(swd::ascii_lower("GEB\xC3\x84UDE @[Z]") == "geb\xC3\x84ude @[z]");
}

TEST_CASE("trim drops the given blanks at both ends", "[text]") {
    CHECK(swd::trim("  \t value with  inner blanks \r\n") == "value with  inner blanks");
    CHECK(swd::trim(" \t\r\n\v\f").empty());
    CHECK(swd::trim("").empty());
    CHECK(swd::trim("x") == "x");
    // Only the blanks named are dropped.
    CHECK(swd::trim(" a\r ", " \t") == "a\r");
    CHECK(swd::trim("\r a \r", " \t\r") == "a");
}

TEST_CASE("unknown_name: the nearest known name in any case, else the known ones, else none",
          "[text]") {
    using swd::unknown_name;
    CHECK(unknown_name("failure type", "conection", {"connection", "disk"}) ==
          "unknown failure type 'conection'; did you mean 'connection'?");
    CHECK(unknown_name("building", "building 13", {"Building 12", "Annex"}) ==
          "unknown building 'building 13'; did you mean 'Building 12'?");
    CHECK(unknown_name("device", "zz-9", {"a", "b"}) == "unknown device 'zz-9' (known: a, b)");
    std::vector<std::string> many;
    for (int i = 0; i < 12; ++i)
        many.push_back("pos-" + std::to_string(100 + i * 11));
    CHECK(unknown_name("device", "x", many) ==
          "unknown device 'x' (known: pos-100, pos-111, pos-122, pos-133, pos-144, pos-155, "
          "pos-166, pos-177, pos-188, pos-199, ...)");
    CHECK(unknown_name("target", "t\x1b[2J", {}) == "unknown target 't\\x1b[2J' (none known yet)");
}
