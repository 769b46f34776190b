#include "libcore/base/cli.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "temp_dir.hpp"

namespace {

struct Outcome {
    int status = -1;
    std::string out;
    std::string err;
};

std::string slurp(const std::string& path) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

// Runs a Tool in a child process, with stdout and stderr sent to files (or stdout to
// `stdout_path` when given, e.g. /dev/full), and returns what it did.
Outcome run_tool(std::vector<std::string> args,
                 const std::function<swd::Exit(swd::Tool&)>& body = {},
                 const std::function<void(swd::Tool&)>& setup = {}, std::string stdout_path = "",
                 bool close_stdout_pipe = false) {
    const swd::test::TempDir dir;
    const std::string out = (dir.path() / "out").string(), err = (dir.path() / "err").string();
    std::fflush(nullptr);  // or the child inherits (and prints) the test runner's buffered output
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        if (close_stdout_pipe) {
            int p[2];
            if (pipe(p) != 0) _exit(99);
            close(p[0]);
            dup2(p[1], 1);
        } else {
            int fd = open(stdout_path.empty() ? out.c_str() : stdout_path.c_str(),
                          O_WRONLY | O_CREAT | O_TRUNC, 0600);
            dup2(fd, 1);
        }
        int efd = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(efd, 2);
        swd::Tool tool("swd-test", "a test tool");
        bool deep = false;
        tool.app().add_subcommand("sub", "a subcommand")->add_flag("--deep", deep, "a deep flag");
        if (setup) setup(tool);
        args.insert(args.begin(), "swd-test");
        std::vector<char*> argv;
        for (auto& a : args)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        int code = tool.run(static_cast<int>(args.size()), argv.data(),
                            [&] { return body ? body(tool) : swd::Exit::ok; });
        std::fflush(nullptr);
        _exit(code);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    Outcome o{WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), slurp(out),
              slurp(err)};
    return o;
}

}  // namespace

TEST_CASE("a usage error exits 2 with the tool's name", "[cli]") {
    auto o = run_tool({"--no-such-flag"});
    CHECK(o.status == 2);
    CHECK_THAT(o.err, Catch::StartsWith("swd-test: "));
    CHECK_THAT(o.err, Catch::Contains("--no-such-flag"));
    CHECK(run_tool({"--format", "xml"}).status == 2);
}

TEST_CASE("an Error prints one line and exits with its status", "[cli]") {
    auto o = run_tool({}, [](swd::Tool&) -> swd::Exit {
        throw swd::Error(swd::Exit::config, "config /etc/swd/swd.toml:3:1: bad");
    });
    CHECK(o.status == 3);
    CHECK(o.err == "swd-test: config /etc/swd/swd.toml:3:1: bad\n");
}

TEST_CASE("the body's exit status is the tool's", "[cli]") {
    CHECK(run_tool({}, [](swd::Tool&) { return swd::Exit::partial; }).status == 6);
    CHECK(run_tool({}, [](swd::Tool&) { return swd::Exit::negative; }).status == 1);
}

TEST_CASE("version and help flags exit 0 on stdout", "[cli]") {
    auto v = run_tool({"--version"});
    CHECK(v.status == 0);
    CHECK(v.out == "swd-test " SWD_VERSION "\n");
    auto h = run_tool({"--help"});
    CHECK(h.status == 0);
    CHECK_THAT(h.out, Catch::Contains("--state") && Catch::Contains("Exit status"));
}

TEST_CASE("common options parse, also after a subcommand", "[cli]") {
    swd::CommonOptions seen;
    auto o = run_tool({"sub", "-vv", "--state", "/x/s.db", "--format", "table"}, [&](swd::Tool& t) {
        seen = t.common();
        std::printf("%d %s %s %d\n", seen.verbose, seen.state.c_str(), seen.format.c_str(),
                    t.format() == swd::Format::table);
        return swd::Exit::ok;
    });
    CHECK(o.status == 0);
    CHECK(o.out == "2 /x/s.db table 1\n");
}

TEST_CASE("the dry-run flag exists only where the tool adds it", "[cli]") {
    CHECK(run_tool({"--dry-run"}).status == 2);
    auto o = run_tool(
        {"--dry-run"},
        [](swd::Tool& t) { return t.common().dry_run ? swd::Exit::ok : swd::Exit::negative; },
        [](swd::Tool& t) { t.add_dry_run(); });
    CHECK(o.status == 0);
}

TEST_CASE("list-options names every option and subcommand", "[cli]") {
    auto o = run_tool({"--list-options"});
    CHECK(o.status == 0);
    for (const char* want :
         {"--state\n", "--config\n", "-v\n", "--verbose\n", "-q\n", "--format\n",
          "--print-config\n", "--version\n", "--help\n", "sub\n", "sub --deep\n"})
        CHECK_THAT(o.out, Catch::Contains(want));
}

TEST_CASE("print-config prints the effective configuration", "[cli]") {
    auto o = run_tool({"--print-config", "--config", "/dev/null"});
    CHECK(o.status == 0);
    CHECK_THAT(o.out, Catch::Contains("[smtp]") && Catch::Contains("url = \"smtp://"));
}

TEST_CASE("a closed stdout pipe is a normal stop", "[cli]") {
    auto o = run_tool(
        {},
        [](swd::Tool&) -> swd::Exit {
            std::string big(1 << 20, 'x');
            swd::write_all(stdout, big);
            return swd::Exit::ok;
        },
        {}, "", true);
    CHECK(o.status == 0);
    CHECK(o.err.empty());
}

TEST_CASE("a closed stdout pipe found by the flush at exit is a normal stop", "[cli]") {
    // Small enough to stay in stdio's buffer until Tool::run flushes it.
    auto o = run_tool(
        {},
        [](swd::Tool&) {
            std::printf("one record\n");
            return swd::Exit::ok;
        },
        {}, "", true);
    CHECK(o.status == 0);
    CHECK(o.err.empty());
}

TEST_CASE("a failed write to stdout is reported and is not success", "[cli]") {
    auto o = run_tool(
        {},
        [](swd::Tool&) {
            std::printf("some output\n");
            return swd::Exit::ok;
        },
        {}, "/dev/full");
    CHECK(o.status == 6);
    CHECK_THAT(o.err, Catch::Contains("writing standard output"));
}
