#include "libcore/base/config.hpp"

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "libcore/base/error.hpp"
#include "temp_dir.hpp"

namespace {

const swd::ConfigKeys test_keys{
    {"ticket.window", swd::KeyKind::duration, "\"24h\"", "count window", "SWD_TEST_WINDOW"},
    {"ticket.reopen", swd::KeyKind::duration, "\"4h\"", "reopen window"},
    {"ticket.retry", swd::KeyKind::durations, "[\"0s\", \"30s\", \"5m\", \"1h\"]", "ladder"},
    {"ticket.thresholds", swd::KeyKind::table, "", "per failure type"},
    {"ticket.paging", swd::KeyKind::boolean, "false", "page", "SWD_TEST_PAGING"},
    {"ticket.limit", swd::KeyKind::integer, "3", "limit", "SWD_TEST_LIMIT"},
};

// What --print-config prints.
std::string printed(const swd::Config& c) {
    char* buf = nullptr;
    std::size_t len = 0;
    std::FILE* f = open_memstream(&buf, &len);
    c.print(f);
    std::fclose(f);
    std::string text(buf, len);
    std::free(buf);
    return text;
}

// Captures spdlog's warnings for the lifetime of the object.
struct LogCapture {
    std::ostringstream text;
    std::shared_ptr<spdlog::logger> previous = spdlog::default_logger();
    LogCapture() {
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(text);
        spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink));
    }
    ~LogCapture() { spdlog::set_default_logger(previous); }
};

struct EnvVar {
    std::string name;
    EnvVar(const char* n, const char* v) : name(n) { ::setenv(n, v, 1); }
    ~EnvVar() { ::unsetenv(name.c_str()); }
};

}  // namespace

TEST_CASE("defaults apply when the file says nothing", "[config]") {
    auto c = swd::Config::parse("", "t.toml", test_keys);
    CHECK(c.get_seconds("ticket.window") == 86400);
    CHECK(c.get_int("ticket.limit") == 3);
    CHECK(c.get_bool("ticket.paging") == false);
    CHECK(c.get_strings("ticket.retry") == std::vector<std::string>{"0s", "30s", "5m", "1h"});
    CHECK(c.get_table("ticket.thresholds").empty());
    CHECK(c.get_string("smtp.url") == "smtp://localhost:25");
    CHECK_FALSE(c.get_string("smtp.user").has_value());
}

TEST_CASE("the file overrides the default, the environment overrides the file", "[config]") {
    auto c = swd::Config::parse("[ticket]\nwindow = \"2h\"\nlimit = 7\npaging = true\n", "t.toml",
                                test_keys);
    CHECK(c.get_seconds("ticket.window") == 7200);
    CHECK(c.get_int("ticket.limit") == 7);
    {
        EnvVar w("SWD_TEST_WINDOW", "30m");
        EnvVar l("SWD_TEST_LIMIT", "9");
        EnvVar p("SWD_TEST_PAGING", "no");
        CHECK(c.get_seconds("ticket.window") == 1800);
        CHECK(c.get_int("ticket.limit") == 9);
        CHECK(c.get_bool("ticket.paging") == false);
    }
    CHECK(c.get_seconds("ticket.window") == 7200);
}

TEST_CASE("a bad environment value is a configuration error", "[config]") {
    auto c = swd::Config::parse("", "t.toml", test_keys);
    EnvVar l("SWD_TEST_LIMIT", "many");
    try {
        c.get_int("ticket.limit");
        FAIL("no error");
    } catch (const swd::Error& e) {
        CHECK(e.code() == swd::Exit::config);
        CHECK_THAT(e.what(), Catch::Contains("SWD_TEST_LIMIT"));
    }
}

TEST_CASE("tables keep file order and render values as text", "[config]") {
    auto c =
        swd::Config::parse("[ticket.thresholds]\nconnection = 5\ndisk = 2\n", "t.toml", test_keys);
    auto t = c.get_table("ticket.thresholds");
    REQUIRE(t.size() == 2);
    CHECK(t[0] == std::pair<std::string, std::string>{"connection", "5"});
    CHECK(t[1] == std::pair<std::string, std::string>{"disk", "2"});
}

TEST_CASE("syntax errors name the file, line and column", "[config]") {
    try {
        swd::Config::parse("[ticket]\nwindow = \n", "bad.toml", test_keys);
        FAIL("no error");
    } catch (const swd::Error& e) {
        CHECK(e.code() == swd::Exit::config);
        CHECK_THAT(e.what(), Catch::StartsWith("config bad.toml:2:"));
    }
}

TEST_CASE("a key of the wrong type is refused with its place", "[config]") {
    try {
        swd::Config::parse("[ticket]\n\nwindow = 5\n", "bad.toml", test_keys);
        FAIL("no error");
    } catch (const swd::Error& e) {
        CHECK(e.code() == swd::Exit::config);
        CHECK_THAT(e.what(), Catch::Contains("bad.toml:3:") && Catch::Contains("ticket.window"));
    }
    CHECK_THROWS_AS(swd::Config::parse("[ticket]\nretry = [\"0s\", \"soon\"]\n", "b", test_keys),
                    swd::Error);
}

TEST_CASE("unknown keys and sections are warned about, once each", "[config]") {
    LogCapture log;
    swd::Config::parse("[ticket]\nwindw = \"1h\"\n[tickets]\nx = 1\n[queue]\nanything = 1\n",
                       "w.toml", test_keys);
    auto text = log.text.str();
    CHECK_THAT(text, Catch::Contains("w.toml:2:1: unknown key ticket.windw"));
    CHECK_THAT(text, Catch::Contains("unknown section [tickets]"));
    // [queue] belongs to another tool: this one does not judge its keys.
    CHECK_THAT(text, !Catch::Contains("anything"));
}

TEST_CASE("print shows effective values, their origin, and masks secrets", "[config]") {
    auto c = swd::Config::parse("[smtp]\npassword = \"hunter2\"\n[ticket]\nlimit = 5\n", "p.toml",
                                test_keys);
    const std::string text = printed(c);
    CHECK_THAT(text, Catch::Contains("file: p.toml"));
    CHECK_THAT(text, Catch::Contains("limit = 5  # file"));
    CHECK_THAT(text, Catch::Contains("window = \"24h\"  # default"));
    CHECK_THAT(text, Catch::Contains("password = \"********\"  # file"));
    CHECK_THAT(text, !Catch::Contains("hunter2"));
    CHECK_THAT(text, Catch::Contains("[ticket]"));
}

TEST_CASE("print names each section once, whatever order its keys were declared in", "[config]") {
    swd::ConfigKeys keys = test_keys;
    keys.insert(keys.begin() + 2, {"queue.max_active", swd::KeyKind::integer, "8", "parallel"});
    keys.push_back({"queue.boot_delay", swd::KeyKind::duration, "\"0s\"", "after boot"});
    auto c = swd::Config::parse("[queue]\nmax_active = 2\n", "q.toml", keys);
    const std::string text = printed(c);
    const auto ticket = text.find("[ticket]");
    const auto queue = text.find("[queue]");
    REQUIRE(ticket != std::string::npos);
    REQUIRE(queue != std::string::npos);
    CHECK(text.find("[ticket]", ticket + 1) == std::string::npos);
    CHECK(text.find("[queue]", queue + 1) == std::string::npos);
    CHECK(ticket < queue);
    // Each key under its own section's header.
    CHECK(text.find("max_active = 2  # file") > queue);
    CHECK(text.find("boot_delay = \"0s\"  # default") > queue);
    CHECK(text.find("reopen = \"4h\"  # default") < queue);
}

TEST_CASE("config_path: flag, then $SWD_CONFIG, then the default locations", "[config]") {
    CHECK(swd::config_path("/x/flag.toml") == "/x/flag.toml");
    {
        EnvVar e("SWD_CONFIG", "/x/env.toml");
        CHECK(swd::config_path("/x/flag.toml") == "/x/flag.toml");
        CHECK(swd::config_path("") == "/x/env.toml");
    }
    ::unsetenv("SWD_CONFIG");
    auto p = swd::config_path("");
    CHECK((p.empty() || p == "/etc/swd/swd.toml" || p.filename() == "swd.toml"));
}

TEST_CASE("load refuses a named file that does not exist", "[config]") {
    try {
        swd::Config::load("/nonexistent/swd.toml", test_keys);
        FAIL("no error");
    } catch (const swd::Error& e) {
        CHECK(e.code() == swd::Exit::config);
        CHECK_THAT(e.what(), Catch::Contains("/nonexistent/swd.toml"));
    }
    const swd::test::TempDir dir;
    const auto name = dir.write("swd.toml", "[ticket]\nlimit = 11\n");
    CHECK(swd::Config::load(name, test_keys).get_int("ticket.limit") == 11);
}
