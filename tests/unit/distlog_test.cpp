#include "libcore/queue/distlog.hpp"

#include <catch2/catch.hpp>
#include <thread>

#include "libcore/base/process.hpp"
#include "pkg_fixture.hpp"

namespace {

using swd::distlog::parse_line;
using swd::distlog::quote;
const auto t0 = swd::timeutil::parse_rfc3339("2026-11-21T10:15:03Z").value();

}  // namespace

TEST_CASE("values are quoted only when they need it, and parse back", "[distlog]") {
    CHECK(quote("pkg-a-1.2") == "pkg-a-1.2");
    CHECK(quote("connect timed out") == "\"connect timed out\"");
    CHECK(quote("") == "\"\"");
    CHECK(quote("a=b") == "\"a=b\"");
    CHECK(quote("say \"hi\"") == "\"say \\\"hi\\\"\"");
    CHECK(quote("back\\slash") == "\"back\\\\slash\"");
    CHECK(quote("two\nlines\x01") == "\"two\\nlines\\x01\"");
    CHECK(quote("Gebäude") == "Gebäude");

    const std::vector<std::string> values{"plain",     "with space",      "",
                                          "a=b",       "q\"uote",         "b\\s",
                                          "n\nl\tt\r", "\x7f\x02",        "Gebäude 12/Raum 3",
                                          "'single'",  "$(rm -rf /); `x`"};
    swd::distlog::Fields fields;
    for (std::size_t i = 0; i < values.size(); ++i)
        fields.emplace_back("k" + std::to_string(i), values[i]);
    const auto line = swd::distlog::format_line(t0, fields);
    CHECK(line.find('\n') == std::string::npos);
    const auto parsed = parse_line(line);
    REQUIRE(parsed);
    CHECK(parsed->at("ts") == "2026-11-21T10:15:03Z");
    for (std::size_t i = 0; i < values.size(); ++i)
        CHECK(parsed->at("k" + std::to_string(i)) == values[i]);
}

TEST_CASE("DESIGN §6 lines parse, and cmd gives back the exact argv", "[distlog]") {
    const auto a = parse_line(
        "ts=2026-11-21T10:15:03Z dist=D-20261121-0042 event=received origin=master-1 "
        "packages=pkg-a-1.2,pkg-b-3.4 targets=pos-0042,pos-0043 cmd=\"swd-queue submit --dist "
        "D-20261121-0042 "
        "--package pkg-a-1.2 --package pkg-b-3.4 --target pos-0042:replace --target pos-0043\"");
    REQUIRE(a);
    CHECK(a->at("event") == "received");
    CHECK(a->at("targets") == "pos-0042,pos-0043");
    CHECK(swd::process::split_words(a->at("cmd")).size() == 12);
    const auto b = parse_line(
        "ts=2026-11-21T10:16:40Z dist=D-20261121-0042 event=result target=pos-0042 "
        "package=pkg-a-1.2 "
        "result=failed failure=connection detail=\"connect timed out\"\n");
    REQUIRE(b);
    CHECK(b->at("detail") == "connect timed out");

    const std::vector<std::string> argv{"swd-queue", "submit",
                                        "--dist",    "D-1",
                                        "--target",  "pos-1:replace,force",
                                        "--origin",  "it's \"master\" = 1"};
    const auto line = swd::distlog::format_line(t0, {{"cmd", swd::process::shell_join(argv)}});
    CHECK(swd::process::split_words(parse_line(line)->at("cmd")) == argv);
}

TEST_CASE("malformed lines are not logfmt", "[distlog]") {
    CHECK_FALSE(parse_line("a=\"unterminated"));
    CHECK_FALSE(parse_line("a=\"bad \\q escape\""));
    CHECK_FALSE(parse_line("=value"));
    CHECK_FALSE(parse_line("a=b\"c"));
    CHECK_FALSE(parse_line("a=\"x\"y"));
    CHECK_FALSE(parse_line("a=\"\\x4\""));
    const auto bare = parse_line("flag a=1");
    REQUIRE(bare);
    CHECK(bare->at("flag").empty());
    CHECK(parse_line("")->empty());
}

TEST_CASE("the appender writes whole lines from many threads and follows rotation", "[distlog]") {
    swd::test::TempDir tmp;
    const auto path = tmp.path() / "log/distribution.log";
    swd::distlog::Appender log(path);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 200; ++i)
                log.append(t0, {{"thread", std::to_string(t)},
                                {"detail", std::string(300, 'x') + " end"}});
        });
    for (auto& t : threads)
        t.join();
    std::istringstream lines(swd::test::read_file(path));
    std::string line;
    int n = 0;
    while (std::getline(lines, line)) {
        const auto p = parse_line(line);
        REQUIRE(p);
        CHECK(p->at("detail").size() == 304);
        ++n;
    }
    CHECK(n == 800);
    CHECK(swd::test::mode_of(path) == 0644);

    std::filesystem::rename(path, tmp.path() / "log/distribution.log.1");
    log.append(t0, {{"event", "after"}});
    CHECK(swd::test::read_file(path) == "ts=2026-11-21T10:15:03Z event=after\n");
}
