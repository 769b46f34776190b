#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "libcore/base/signals.hpp"
#include "libcore/ticket/feed.hpp"
#include "temp_dir.hpp"

namespace {

using swd::test::TempDir;
using swd::ticket::Alert;
using swd::ticket::AlertFeed;

const auto now = swd::timeutil::parse_rfc3339("2026-11-22T00:00:00Z").value();

std::string alert_line(int n) {
    return R"({"type":"alert","id":"A-)" + std::to_string(n) +
           R"(","device":"pos-1"})"
           "\n";
}

std::vector<std::string> ids(std::span<const Alert> batch) {
    std::vector<std::string> out;
    for (const Alert& a : batch)
        out.push_back(a.id);
    return out;
}

}  // namespace

TEST_CASE("an alert feed gives the alerts in batches, each with the warnings of its lines",
          "[alert_feed]") {
    TempDir dir;
    const auto path =
        dir.write("alerts.jsonl", alert_line(1) + alert_line(2) + "{broken\n" + alert_line(3) +
                                      R"({"type":"reject"})"
                                      "\n" +
                                      alert_line(4) + alert_line(5));
    AlertFeed feed({path}, now, 2);
    std::span<const Alert> batch;
    std::vector<std::string> warnings;
    std::vector<std::vector<std::string>> got, warned;
    while (feed.next(batch, warnings)) {
        got.push_back(ids(batch));
        warned.push_back(warnings);
    }
    CHECK(feed.finish());  // bad lines were read
    CHECK(got == std::vector<std::vector<std::string>>{{"A-1", "A-2"}, {"A-3", "A-4"}, {"A-5"}});
    REQUIRE(warned.size() == 3);
    CHECK(warned[0].empty());
    REQUIRE(warned[1].size() == 2);  // the broken line and the reject came before A-3 and A-4
    CHECK(warned[1][0].find("alerts.jsonl:3") != std::string::npos);
    CHECK(warned[1][1].find("alerts.jsonl:5: a 'reject' record, not an alert") !=
          std::string::npos);
    CHECK(warned[2].empty());
}

TEST_CASE("an alert feed without bad lines ends clean, also on a batch that is exactly full",
          "[alert_feed]") {
    TempDir dir;
    const auto path = dir.write("alerts.jsonl", alert_line(1) + alert_line(2));
    AlertFeed feed({path}, now, 2);
    std::span<const Alert> batch;
    std::vector<std::string> warnings;
    REQUIRE(feed.next(batch, warnings));
    CHECK(ids(batch) == std::vector<std::string>{"A-1", "A-2"});
    CHECK_FALSE(feed.next(batch, warnings));
    CHECK_FALSE(feed.finish());
}

TEST_CASE("an alert feed numbers each device and failure type, the same in every batch",
          "[alert_feed]") {
    TempDir dir;
    const auto line = [](const std::string& device, const std::string& failure) {
        return R"({"type":"alert","id":"A-)" + device + failure + R"(","device":")" + device +
               R"(","failure":")" + failure + "\"}\n";
    };
    const auto path = dir.write(
        "alerts.jsonl", line("pos-1", "disk") + line("pos-2", "disk") + line("pos-1", "timeout") +
                            line("POS-1", "Disk") + line("pos-2", "disk") + line("pos-1", "disk"));
    AlertFeed feed({path}, now, 4);
    std::span<const Alert> batch;
    std::vector<std::string> warnings;
    std::vector<std::uint32_t> got;
    while (feed.next(batch, warnings)) {
        for (const Alert& a : batch)
            got.push_back(a.pair);
    }
    CHECK_FALSE(feed.finish());
    // Names are compared as the processor keys them (lower case): POS-1/Disk is pos-1/disk.
    CHECK(got == std::vector<std::uint32_t>{1, 2, 3, 1, 2, 1});
}

TEST_CASE("a dropped alert feed stops its read waiting on a silent pipe", "[alert_feed]") {
    swd::install_signal_handlers();
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const std::string lines = alert_line(1) + alert_line(2) + alert_line(3);
    REQUIRE(::write(fds[1], lines.data(), lines.size()) == static_cast<ssize_t>(lines.size()));
    ::alarm(20);  // were the read not stopped, SIGALRM would end this test as failed
    {
        AlertFeed feed({"/dev/fd/" + std::to_string(fds[0])}, now, 2);
        std::span<const Alert> batch;
        std::vector<std::string> warnings;
        REQUIRE(feed.next(batch, warnings));
        CHECK(batch.size() == 2);
        // The caller fails here (say, the state file): the feed is dropped while its thread
        // waits on the pipe, which stays open and silent.
    }
    ::alarm(0);
    CHECK(swd::interrupted());
    ::close(fds[0]);
    ::close(fds[1]);
}
