#include "libcore/base/format.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <cstdio>

#include "libcore/base/error.hpp"

namespace {

using swd::Format;
using swd::RecordOutput;

/// Writes `records` through a RecordOutput into a temporary file and returns what came out.
std::string render(Format format, const std::vector<std::string>& records,
                   std::vector<std::string> columns = {}) {
    std::FILE* f = std::tmpfile();
    REQUIRE(f != nullptr);
    RecordOutput out(format, std::move(columns), f);
    for (const auto& r : records)
        out.write(r);
    CHECK(out.count() == records.size());
    out.finish();
    std::string text;
    std::rewind(f);
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
        text.append(buf, n);
    std::fclose(f);
    return text;
}

/// Ignores SIGPIPE for the lifetime of the object, as the tools do, so that writing to a
/// closed pipe fails with EPIPE instead of killing the test.
class IgnoreSigpipe {
  public:
    IgnoreSigpipe() : old_(std::signal(SIGPIPE, SIG_IGN)) {}
    ~IgnoreSigpipe() { std::signal(SIGPIPE, old_); }
    IgnoreSigpipe(const IgnoreSigpipe&) = delete;
    IgnoreSigpipe& operator=(const IgnoreSigpipe&) = delete;

  private:
    void (*old_)(int);
};

/// resolve_format("auto") with `fd` as file descriptor 1. The result is checked by the caller:
/// Catch's own output must not go to `fd`.
Format auto_format_with_stdout(int fd) {
    std::fflush(stdout);
    const int saved = dup(STDOUT_FILENO);
    REQUIRE(saved >= 0);
    REQUIRE(dup2(fd, STDOUT_FILENO) == STDOUT_FILENO);
    const Format format = swd::resolve_format("auto");
    dup2(saved, STDOUT_FILENO);
    close(saved);
    return format;
}

}  // namespace

TEST_CASE("resolve_format", "[format]") {
    CHECK(swd::resolve_format("jsonl") == Format::jsonl);
    CHECK(swd::resolve_format("json") == Format::jsonl);
    CHECK(swd::resolve_format("table") == Format::table);
    try {
        swd::resolve_format("xml");
        FAIL("no error");
    } catch (const swd::Error& e) {
        CHECK(e.code() == swd::Exit::usage);
        CHECK(std::string(e.what()) == "unknown --format 'xml': expected auto, jsonl or table");
    }
}

TEST_CASE("auto is a table only when stdout is a terminal", "[format]") {
    const int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    REQUIRE(null >= 0);
    CHECK(auto_format_with_stdout(null) == Format::jsonl);
    close(null);

    const int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) {
        WARN("no pseudo-terminal available; skipped");
        if (master >= 0) close(master);
        return;
    }
    const int terminal = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
    REQUIRE(terminal >= 0);
    CHECK(auto_format_with_stdout(terminal) == Format::table);
    close(terminal);
    close(master);
}

TEST_CASE("JSONL output writes each record on its own line", "[format]") {
    CHECK(render(Format::jsonl, {R"({"type":"a","v":1})", R"({"type":"b","v":1,"x":"y"})"}) ==
          "{\"type\":\"a\",\"v\":1}\n{\"type\":\"b\",\"v\":1,\"x\":\"y\"}\n");
    CHECK(render(Format::jsonl, {}).empty());
}

TEST_CASE("table output aligns the first record's columns", "[format]") {
    std::string text = render(
        Format::table, {
                           R"({"type":"alert","v":1,"id":"A-1","device":"pos-0042","count":4})",
                           R"({"type":"alert","v":1,"id":"A-20","device":"kass\u00e9-1",)"
                           R"("count":12,"extra":"not a column"})",
                           R"({"type":"alert","v":1,"count":null,"id":"A-300",)"
                           R"("device":{"x": [1, 2]}})",
                       });
    CHECK(text ==
          "ID     DEVICE       COUNT\n"
          "A-1    pos-0042     4\n"
          "A-20   kass\xc3\xa9-1      12\n"
          "A-300  {\"x\":[1,2]}  -\n");
}

TEST_CASE("table output shows the chosen columns", "[format]") {
    std::string text =
        render(Format::table,
               {
                   R"({"type":"t","v":1,"device":"a","flag":true,"note":"two\nlines","n":1.5})",
                   R"({"type":"t","v":1,"device":"bb","tags":["x","y"]})",
               },
               {"tags", "device", "missing", "flag", "note", "v"});
    CHECK(text ==
          "TAGS       DEVICE  MISSING  FLAG  NOTE          V\n"
          "-          a       -        true  \"two\\nlines\"  1\n"
          "[\"x\",\"y\"]  bb      -        -     -             1\n");
    CHECK(render(Format::table, {}, {"a"}).empty());
}

TEST_CASE("table output rejects a record that is not a JSON object", "[format]") {
    std::FILE* f = std::tmpfile();
    REQUIRE(f != nullptr);
    RecordOutput out(Format::table, {}, f);
    out.write(R"({"a":1})");
    out.write("[1]");
    try {
        out.finish();
        FAIL("no error");
    } catch (const swd::Error& e) {
        CHECK(e.code() == swd::Exit::partial);
        CHECK_THAT(std::string(e.what()), Catch::StartsWith("rendering table: record 2: "));
    }
    std::fclose(f);
}

TEST_CASE("writing to a closed pipe throws OutputClosed", "[format]") {
    IgnoreSigpipe ignore;
    int fds[2];
    REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
    close(fds[0]);
    std::FILE* f = fdopen(fds[1], "w");
    REQUIRE(f != nullptr);

    SECTION("buffered: found at the latest by finish()") {
        RecordOutput out(Format::jsonl, {}, f);
        CHECK_THROWS_AS(
            [&] {
                out.write(R"({"type":"a","v":1})");
                out.finish();
            }(),
            swd::OutputClosed);
    }
    SECTION("unbuffered: write_all") {
        REQUIRE(std::setvbuf(f, nullptr, _IONBF, 0) == 0);
        CHECK_THROWS_AS(swd::write_all(f, "data\n"), swd::OutputClosed);
    }
    std::fclose(f);
}

TEST_CASE("other write errors throw Error with the reason", "[format]") {
    std::FILE* f = std::fopen("/dev/full", "w");
    if (f == nullptr) {
        WARN("no /dev/full; skipped");
        return;
    }
    RecordOutput out(Format::jsonl, {}, f);
    try {
        out.write(R"({"type":"a","v":1})");
        out.finish();
        FAIL("no error");
    } catch (const swd::Error& e) {
        CHECK(e.code() == swd::Exit::partial);
        CHECK(std::string(e.what()) == "writing output: No space left on device");
    }
    std::fclose(f);
}
