#include "libcore/base/xml.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "libcore/base/error.hpp"

namespace {

std::string nested(std::size_t depth) {
    std::string s;
    for (std::size_t i = 0; i < depth; ++i)
        s += "<e>";
    s += "<acl/>";
    for (std::size_t i = 0; i < depth; ++i)
        s += "</e>";
    return s;
}

}  // namespace

TEST_CASE("xml::load refuses nesting past max_depth, without recursion", "[xml]") {
    pugi::xml_document doc;
    // The root and 254 more levels, then <acl/> at level 256: the limit itself is fine.
    CHECK_NOTHROW(swd::xml::load(doc, nested(swd::xml::max_depth - 1), "m.xml"));
    CHECK(swd::xml::descendants(doc, "acl").size() == 1);
    CHECK_THROWS_WITH(swd::xml::load(doc, nested(swd::xml::max_depth), "m.xml"),
                      "m.xml: elements nested deeper than 256 levels (at offset 769)");  // its name
    // 100,000 levels (issue 12): refused in one line, no stack overflow.
    CHECK_THROWS_WITH(swd::xml::load(doc, nested(100000), "deep.xml"),
                      Catch::StartsWith("deep.xml: elements nested deeper than 256 levels"));
    CHECK_THROWS_WITH(swd::xml::load(doc, "<a><b></a>", "bad.xml"),
                      Catch::StartsWith("bad.xml: malformed XML at offset"));
}

TEST_CASE("xml::descendants: document order, local names, any case, no recursion", "[xml]") {
    pugi::xml_document doc;
    swd::xml::load(doc, "<r><GX:ACL n='1'><x><acl n='2'/></x></GX:ACL><y/><Acl n='3'/></r>", "m");
    const auto found = swd::xml::descendants(doc.document_element(), "acl");
    REQUIRE(found.size() == 3);
    CHECK(std::string(found[0].attribute("n").value()) == "1");
    CHECK(std::string(found[1].attribute("n").value()) == "2");
    CHECK(std::string(found[2].attribute("n").value()) == "3");
    CHECK(swd::xml::descendants(found[1], "acl").empty());
    CHECK(swd::xml::local_name("GX:FILE") == "file");
}
