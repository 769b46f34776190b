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
