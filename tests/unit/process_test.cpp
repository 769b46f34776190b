#include "libcore/base/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "libcore/base/error.hpp"
#include "temp_dir.hpp"

using swd::Exit;
using swd::process::Command;
using swd::process::Result;
using swd::process::run;
using swd::process::shell_join;
using swd::process::shell_quote;
using swd::process::split_words;
using Words = std::vector<std::string>;
using namespace std::chrono_literals;

namespace {

Command command(Words argv) {
    Command cmd;
    cmd.argv = std::move(argv);
    cmd.timeout = 20s;
    return cmd;
}

// The test fixture only: the library itself never runs a shell.
Result sh(const std::string& script) {
    return run(command({"/bin/sh", "-c", script}));
}

Words split_nul(const std::string& bytes) {
    Words words;
    std::string::size_type start = 0;
    for (auto end = bytes.find('\0'); end != std::string::npos; end = bytes.find('\0', start)) {
        words.push_back(bytes.substr(start, end - start));
        start = end + 1;
    }
    REQUIRE(start == bytes.size());
    return words;
}

Exit error_code(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const swd::Error& e) {
        return e.code();
    }
    FAIL("no swd::Error thrown");
    return Exit::ok;
}

// Every shell metacharacter, quoting character and whitespace, alone and mixed into words.
const std::vector<Words> nasty_word_lists = {
    {";", "|", "&", "$()", "`", "'", "\"", "*", "?", "\n"},
    {"a b", " leading", "trailing ", "  ", "\t", "tab\there", "line\nbreak"},
    {"", "x", "", ""},
    {""},
    {"$(rm -rf /)", "`id`", "${HOME}", "$HOME", "$((1+1))", "a;b", "a|b", "a&&b", "a||b"},
    {"it's", "'", "''", "'\\''", "\"'\"", "\\", "\\\\", "back\\slash", "end\\"},
    {"*.txt", "?", "[abc]", "{a,b}", "~", "~root", "#comment", "!", "!!", "a=b", "=", "-n", "--"},
    {"<in", ">out", "2>&1", "(sub)", ")", "{", "}"},
    {"grüße", "日本語", "emoji 🎉", "\xc3\xa9t\xc3\xa9", "\x7f", "\x01\x02"},
    {"plain", "safe-chars_@%+=:,./", "ok", "MixedCase123"},
    {"all ; | & $() ` ' \" * ? \n together", "quote'in'middle", "\"double\""},
};

}  // namespace

TEST_CASE("run captures stdout and the exit status", "[process]") {
    const Result r = run(command({"/bin/echo", "hello", "world"}));
    CHECK(r.out == "hello world\n");
    CHECK(r.err.empty());
    CHECK(r.exit_code == 0);
    CHECK(r.signal == 0);
    CHECK_FALSE(r.timed_out);
    CHECK(r.ok());
    CHECK(r.describe() == "exit 0");
}

TEST_CASE("run looks the program up in PATH", "[process]") {
    const Result r = run(command({"echo", "found"}));
    CHECK(r.out == "found\n");
    CHECK(r.ok());
}

TEST_CASE("run feeds input to stdin", "[process]") {
    Command cmd = command({"/bin/cat"});
    cmd.input = "line one\nline two\n";
    const Result r = run(cmd);
    CHECK(r.out == "line one\nline two\n");
    CHECK(r.ok());
}

TEST_CASE("run gives an empty stdin when there is no input", "[process]") {
    const Result r = run(command({"/bin/cat"}));
    CHECK(r.out.empty());
    CHECK(r.ok());

    Command empty = command({"/bin/cat"});
    empty.input = "";
    CHECK(run(empty).ok());
}

TEST_CASE("run passes large input through cat without deadlock", "[process]") {
    std::string input;
    for (int i = 0; input.size() < 8'000'000; ++i)
        input += std::to_string(i) + " \n";
    Command cmd = command({"/bin/cat"});
    cmd.input = input;
    cmd.max_output = input.size();
    const Result r = run(cmd);
    CHECK(r.ok());
    CHECK_FALSE(r.out_truncated);
    CHECK(r.out.size() == input.size());
    CHECK(r.out == input);
}

TEST_CASE("run writes input and reads both outputs concurrently", "[process]") {
    // Echoes stdin to stdout and to stderr at once: a sequential write-then-read would block.
    Command cmd = command({"/bin/sh", "-c", "tee /dev/stderr"});
    cmd.input = std::string(3'000'000, 'x');
    cmd.max_output = 4'000'000;
    const Result r = run(cmd);
    CHECK(r.ok());
    CHECK(r.out == *cmd.input);
    CHECK(r.err == *cmd.input);
}

TEST_CASE("run survives a child that does not read its input", "[process]") {
    Command cmd = command({"/bin/sh", "-c", "exec 0<&-; echo done"});
    cmd.input = std::string(10'000'000, 'y');
    const Result r = run(cmd);
    CHECK(r.ok());
    CHECK(r.out == "done\n");
}

TEST_CASE("run keeps max_output bytes and discards the rest", "[process]") {
    Command cmd = command({"/usr/bin/head", "-c", "5000000", "/dev/zero"});
    cmd.max_output = 1000;
    const auto start = std::chrono::steady_clock::now();
    const Result r = run(cmd);
    CHECK(std::chrono::steady_clock::now() - start < 10s);
    CHECK(r.ok());
    CHECK(r.out == std::string(1000, '\0'));
    CHECK(r.out_truncated);
    CHECK_FALSE(r.err_truncated);

    SECTION("on stderr too") {
        Command err = command({"/bin/sh", "-c", "head -c 3000000 /dev/zero >&2; echo out"});
        err.max_output = 10;
        const Result e = run(err);
        CHECK(e.ok());
        CHECK(e.err.size() == 10);
        CHECK(e.err_truncated);
        CHECK(e.out == "out\n");
        CHECK_FALSE(e.out_truncated);
    }
    SECTION("exactly max_output is not truncated") {
        Command exact = command({"/usr/bin/head", "-c", "1000", "/dev/zero"});
        exact.max_output = 1000;
        const Result x = run(exact);
        CHECK(x.out.size() == 1000);
        CHECK_FALSE(x.out_truncated);
    }
}

TEST_CASE("run reports exit codes and stderr", "[process]") {
    const Result r = sh("echo oops >&2; exit 3");
    CHECK(r.exit_code == 3);
    CHECK(r.signal == 0);
    CHECK(r.err == "oops\n");
    CHECK_FALSE(r.ok());
    CHECK(r.describe() == "exit 3");
    CHECK(sh("exit 255").exit_code == 255);
}

TEST_CASE("run reports death by signal", "[process]") {
    const Result r = sh("kill -9 $$");
    CHECK(r.signal == 9);
    CHECK(r.exit_code == -1);
    CHECK_FALSE(r.ok());
    CHECK(r.describe() == "killed by signal 9 (Killed)");
}

TEST_CASE("run resets ignored and blocked signals in the child", "[process]") {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    struct sigaction old_pipe {};
    sigaction(SIGPIPE, &ignore, &old_pipe);
    sigset_t usr1, old_mask;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &usr1, &old_mask);

    const Result r = run(command({"/bin/grep", "-E", "^Sig(Ign|Blk):", "/proc/self/status"}));

    pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
    sigaction(SIGPIPE, &old_pipe, nullptr);
    REQUIRE(r.ok());
    std::istringstream lines(r.out);
    std::string blocked_label, blocked, ignored_label, ignored;
    lines >> blocked_label >> blocked >> ignored_label >> ignored;
    CHECK(blocked_label == "SigBlk:");
    CHECK(std::stoull(blocked, nullptr, 16) == 0);
    CHECK(ignored_label == "SigIgn:");
    // glibc's posix_spawn itself leaves its internal signals 32 and 33 ignored.
    CHECK((std::stoull(ignored, nullptr, 16) & ~0x180000000ULL) == 0);
}

TEST_CASE("run kills the child when the timeout fires", "[process]") {
    Command cmd = command({"/bin/sleep", "30"});
    cmd.timeout = 200ms;
    const Result r = run(cmd);
    CHECK(r.timed_out);
    CHECK(r.signal == SIGTERM);
    CHECK_FALSE(r.ok());
    CHECK(r.elapsed >= 200ms);
    CHECK(r.elapsed < 5s);
    CHECK(r.describe().starts_with("timed out after "));
}

TEST_CASE("run accepts an unbounded timeout", "[process]") {
    Command cmd = command({"/bin/echo", "no limit"});
    cmd.timeout = std::chrono::milliseconds::max();
    cmd.kill_after = std::chrono::milliseconds::max();
    const Result r = run(cmd);
    CHECK(r.ok());
    CHECK(r.out == "no limit\n");
}

TEST_CASE("run sends SIGKILL after kill_after when SIGTERM is ignored", "[process]") {
    Command cmd = command({"/bin/sh", "-c", "trap '' TERM; echo ready; while :; do sleep 1; done"});
    cmd.timeout = 300ms;
    cmd.kill_after = 300ms;
    const auto start = std::chrono::steady_clock::now();
    const Result r = run(cmd);
    CHECK(std::chrono::steady_clock::now() - start < 5s);
    CHECK(r.timed_out);
    CHECK(r.signal == SIGKILL);
    CHECK(r.out == "ready\n");
}

TEST_CASE("run's timeout kills grandchildren holding the pipes", "[process]") {
    // The grandchild keeps stdout open; only a signal to the whole group ends it.
    Command cmd = command({"/bin/sh", "-c", "sleep 30; echo never"});
    cmd.timeout = 200ms;
    const auto start = std::chrono::steady_clock::now();
    const Result r = run(cmd);
    CHECK(std::chrono::steady_clock::now() - start < 5s);
    CHECK(r.timed_out);
    CHECK(r.out.empty());

    Command bg = command({"/bin/sh", "-c", "sleep 30 & echo $!; wait"});
    bg.timeout = 200ms;
    const Result b = run(bg);
    CHECK(b.timed_out);
    const pid_t grandchild = std::stoi(b.out);
    // Gone, or a zombie until its new parent reaps it: either way /proc/PID/exe is unreadable.
    const std::filesystem::path exe = "/proc/" + std::to_string(grandchild) + "/exe";
    bool gone = false;
    for (int i = 0; i < 100 && !gone; ++i) {
        std::error_code ec;
        gone = !std::filesystem::exists(exe, ec);
        if (!gone) ::usleep(20'000);
    }
    CHECK(gone);
}

TEST_CASE("run returns when the child exits even if a background process keeps the pipe",
          "[process]") {
    const auto start = std::chrono::steady_clock::now();
    const Result r = sh("sleep 3 & echo started");
    CHECK(std::chrono::steady_clock::now() - start < 2s);
    CHECK(r.ok());
    CHECK(r.out == "started\n");
}

TEST_CASE("run throws a config error when the program cannot be started", "[process]") {
    const Command missing = command({"swd-no-such-program-here", "x"});
    CHECK(error_code([&] { run(missing); }) == Exit::config);
    CHECK_THROWS_WITH(run(missing),
                      "cannot run 'swd-no-such-program-here': No such file or directory");

    const swd::test::TempDir dir;
    const auto plain_file = dir.write("not-a-program", "not a program\n");
    const Command not_exec = command({plain_file});
    CHECK_THROWS_WITH(run(not_exec), "cannot run '" + plain_file + "': Permission denied");

    CHECK(error_code([] { run(Command{}); }) == Exit::config);

    Command bad_dir = command({"/bin/true"});
    bad_dir.cwd = "/swd-no-such-dir";
    CHECK(error_code([&] { run(bad_dir); }) == Exit::config);
    CHECK_THROWS_WITH(run(bad_dir),
                      "cannot run '/bin/true' in '/swd-no-such-dir': No such file or directory");
}

TEST_CASE("run applies env and cwd", "[process]") {
    Command cmd =
        command({"/bin/sh", "-c", "printf '%s|%s|%s' \"$SWD_TEST_A\" \"$HOME\" \"$PWD\""});
    cmd.env = {"SWD_TEST_A=a value; $(not run)", "HOME=/swd-home"};
    cmd.cwd = "/tmp";
    const Result r = run(cmd);
    CHECK(r.out == "a value; $(not run)|/swd-home|/tmp");

    Command count = command({"/bin/sh", "-c", "env | grep -c '^HOME='"});
    count.env = {"HOME=/first", "HOME=/second"};
    CHECK(run(count).out == "1\n");

    const char* path = std::getenv("PATH");
    REQUIRE(path != nullptr);
    Command inherit = command({"/bin/sh", "-c", "printf %s \"$PATH\""});
    CHECK(run(inherit).out == path);

    Command bad = command({"/bin/true"});
    bad.env = {"NOEQUALS"};
    CHECK(error_code([&] { run(bad); }) == Exit::config);
}

TEST_CASE("run passes metacharacters as literal argv words", "[process]") {
    for (const Words& words : nasty_word_lists) {
        Words argv = {"/usr/bin/printf", "%s\\0"};
        argv.insert(argv.end(), words.begin(), words.end());
        const Result r = run(command(argv));
        INFO(shell_join(words));
        REQUIRE(r.ok());
        CHECK(split_nul(r.out) == words);
    }
}

TEST_CASE("run does not leak its pipes into the child", "[process]") {
    // Descriptors this process inherited without close-on-exec are not run()'s to close.
    std::set<int> expected = {0, 1, 2};
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
        const int fd = std::stoi(entry.path().filename().string());
        const int flags = ::fcntl(fd, F_GETFD);
        if (fd > 2 && flags >= 0 && (flags & FD_CLOEXEC) == 0) expected.insert(fd);
    }
    Command cmd = command({"/bin/ls", "-l", "/proc/self/fd"});
    cmd.input = "";
    const Result r = run(cmd);
    REQUIRE(r.ok());

    std::set<int> open;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
        const auto arrow = line.find(" -> ");
        if (arrow == std::string::npos) continue;
        // ls's own handle on the directory it lists.
        if (line.compare(arrow + 4, 6, "/proc/") == 0) continue;
        const auto number = line.rfind(' ', arrow - 1);
        open.insert(std::stoi(line.substr(number + 1, arrow - number - 1)));
    }
    CHECK(open == expected);
}

TEST_CASE("shell_quote leaves safe words and single-quotes the rest", "[process]") {
    CHECK(shell_quote("plain") == "plain");
    CHECK(shell_quote("a-b_c@d%e+f=g:h,i.j/k") == "a-b_c@d%e+f=g:h,i.j/k");
    CHECK(shell_quote("") == "''");
    CHECK(shell_quote("a b") == "'a b'");
    CHECK(shell_quote("it's") == "'it'\\''s'");
    CHECK(shell_quote("$(rm -rf /)") == "'$(rm -rf /)'");
    CHECK(shell_quote("*") == "'*'");
    CHECK(shell_quote("~") == "'~'");
    CHECK(shell_quote("é") == "'é'");
    CHECK(shell_join({"ping", "-c", "1", "host name", ""}) == "ping -c 1 'host name' ''");
    CHECK(shell_join({}).empty());
}

TEST_CASE("shell_join output is read back exactly by a POSIX shell", "[process]") {
    for (const Words& words : nasty_word_lists) {
        const std::string line = shell_join(words);
        INFO(line);
        const Result r = sh("printf '%s\\0' " + line);
        REQUIRE(r.ok());
        CHECK(split_nul(r.out) == words);
    }
}

TEST_CASE("split_words reads back shell_join", "[process]") {
    for (const Words& words : nasty_word_lists) {
        INFO(shell_join(words));
        CHECK(split_words(shell_join(words)) == words);
    }
}

TEST_CASE("split_words splits templates like a shell, without expansion", "[process]") {
    CHECK(split_words("ping -c 1 -W 2 {address}") ==
          Words{"ping", "-c", "1", "-W", "2", "{address}"});
    CHECK(split_words(R"(a 'b c' "d \"e\"" f\ g)") == Words{"a", "b c", "d \"e\"", "f g"});
    CHECK(split_words("$(rm -rf /)") == Words{"$(rm", "-rf", "/)"});
    CHECK(split_words("'$(rm -rf /)'") == Words{"$(rm -rf /)"});
    CHECK(split_words("echo $HOME `id` a;b c|d e&f *.txt ?") ==
          Words{"echo", "$HOME", "`id`", "a;b", "c|d", "e&f", "*.txt", "?"});
    CHECK(split_words("  \t\n  ").empty());
    CHECK(split_words("").empty());
    CHECK(split_words("'' \"\" x''") == Words{"", "", "x"});
    CHECK(split_words("a\"b\"'c'd") == Words{"abcd"});
    CHECK(split_words(R"("\$HOME \` \\ \n \a")") == Words{R"($HOME ` \ \n \a)"});
    CHECK(split_words(R"('\n \' x)") == Words{R"(\n \)", "x"});
    CHECK(split_words("a\\\nb \"c\\\nd\"") == Words{"ab", "cd"});
    CHECK(split_words("one\ttwo\nthree") == Words{"one", "two", "three"});
    CHECK(split_words(R"(\\ \' \")") == Words{"\\", "'", "\""});
    CHECK(split_words("grüße '日本 語'") == Words{"grüße", "日本 語"});
}

TEST_CASE("split_words rejects unterminated quotes and a trailing backslash", "[process]") {
    for (const char* text : {"'open", "a 'b c", "\"open", "a \"b \\\"", "trailing\\", "\\"}) {
        INFO(text);
        CHECK(error_code([&] { split_words(text); }) == Exit::usage);
    }
}
