#include "libcore/base/input.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "caught_error.hpp"
#include "libcore/base/error.hpp"
#include "temp_dir.hpp"

namespace {

using swd::test::status_of;

namespace fs = std::filesystem;
using swd::Exit;
using swd::InputSpec;
using swd::LineReader;
using swd::test::TempDir;

std::string gzip(std::string_view data) {
    z_stream zs{};
    REQUIRE(deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
                         Z_DEFAULT_STRATEGY) == Z_OK);
    std::string out(deflateBound(&zs, data.size()), '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(data.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    REQUIRE(deflate(&zs, Z_FINISH) == Z_STREAM_END);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    return out;
}

std::vector<std::string> read_all(const InputSpec& input) {
    LineReader reader(input);
    std::vector<std::string> lines;
    std::string_view line;
    while (reader.next(line))
        lines.emplace_back(line);
    return lines;
}

/// Compares line by line, so that a failure names the first bad line instead of printing
/// megabytes.
void check_lines(const std::vector<std::string>& got, const std::vector<std::string>& expected) {
    CHECK(got.size() == expected.size());
    for (std::size_t i = 0; i < std::min(got.size(), expected.size()); ++i) {
        INFO("line " << i + 1 << ": expected " << expected[i].size() << " bytes, got "
                     << got[i].size());
        REQUIRE((got[i] == expected[i]));
    }
}

/// The Error that `fn` throws, as (status, message).
/// Puts `fd` on file descriptor 0 for the lifetime of the object.
class StdinFrom {
  public:
    explicit StdinFrom(int fd) : saved_(dup(STDIN_FILENO)) {
        REQUIRE(saved_ >= 0);
        REQUIRE(dup2(fd, STDIN_FILENO) == STDIN_FILENO);
    }
    ~StdinFrom() {
        dup2(saved_, STDIN_FILENO);
        close(saved_);
    }
    StdinFrom(const StdinFrom&) = delete;
    StdinFrom& operator=(const StdinFrom&) = delete;

  private:
    int saved_;
};

/// Hex text that gzip cannot shrink much, so a cut really lands inside the deflate data.
std::string noisy_lines(std::size_t count) {
    std::mt19937_64 rng(42);
    std::string text;
    char buf[32];
    for (std::size_t i = 0; i < count; ++i) {
        snprintf(buf, sizeof buf, "%016llx\n", static_cast<unsigned long long>(rng()));
        text += buf;
    }
    return text;
}

}  // namespace

TEST_CASE("resolve_inputs follows the input rule", "[input]") {
    auto inputs = swd::resolve_inputs({"a.log", "-", "b.gz"});
    REQUIRE(inputs.size() == 3);
    CHECK(inputs[0].path == "a.log");
    CHECK_FALSE(inputs[0].is_stdin());
    CHECK(inputs[1].is_stdin());
    CHECK(inputs[1].display() == "stdin");
    CHECK(inputs[2].display() == "b.gz");

    SECTION("no file and stdin not a terminal means stdin") {
        int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        REQUIRE(fd >= 0);
        StdinFrom redirect(fd);
        close(fd);
        inputs = swd::resolve_inputs({});
        REQUIRE(inputs.size() == 1);
        CHECK(inputs[0].is_stdin());
    }
    SECTION("no file and stdin a terminal is a usage error") {
        int master = posix_openpt(O_RDWR | O_NOCTTY);
        if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) {
            WARN("no pseudo-terminal available; skipped");
            if (master >= 0) close(master);
            return;
        }
        int slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
        REQUIRE(slave >= 0);
        {
            StdinFrom redirect(slave);
            auto [code, message] = status_of([] { swd::resolve_inputs({}); });
            CHECK(code == Exit::usage);
            CHECK(message == "no input: name a file, or pipe records in");
        }
        close(slave);
        close(master);
    }
}

TEST_CASE("LineReader splits lines, strips CRLF and keeps a last line without newline", "[input]") {
    TempDir dir;
    const std::string text = "ab\r\ncd\n\nlone\rcr\nef";
    const std::vector<std::string> expected = {"ab", "cd", "", "lone\rcr", "ef"};

    for (bool compressed : {false, true}) {
        DYNAMIC_SECTION((compressed ? "gzip" : "plain")) {
            std::string path = dir.write("in", compressed ? gzip(text) : text);
            LineReader reader(InputSpec{path});
            std::string_view line;
            std::vector<std::pair<std::string, std::uint64_t>> got;
            while (reader.next(line)) {
                CHECK(reader.line_number() == got.size() + 1);
                got.emplace_back(line, reader.offset());
            }
            REQUIRE(got.size() == expected.size());
            for (std::size_t i = 0; i < expected.size(); ++i)
                CHECK(got[i].first == expected[i]);
            // Offsets count the decompressed bytes, line ends included.
            CHECK(got[0].second == 4);
            CHECK(got[1].second == 7);
            CHECK(got[2].second == 8);
            CHECK(got[3].second == 16);
            CHECK(got[4].second == text.size());
            CHECK_FALSE(reader.next(line));
            CHECK(reader.line_number() == expected.size());
        }
    }
}

TEST_CASE("LineReader handles empty and tiny inputs", "[input]") {
    TempDir dir;
    CHECK(read_all(InputSpec{dir.write("empty", "")}).empty());
    CHECK(read_all(InputSpec{dir.write("empty.gz", gzip(""))}).empty());
    CHECK(read_all(InputSpec{dir.write("one", "x")}) == std::vector<std::string>{"x"});
    CHECK(read_all(InputSpec{dir.write("nl", "\n")}) == std::vector<std::string>{""});
    // The first gzip magic byte alone is text, not a short gzip file.
    CHECK(read_all(InputSpec{dir.write("magic1", "\x1f")}) == std::vector<std::string>{"\x1f"});
}

TEST_CASE("LineReader reads lines of every length across buffer boundaries", "[input]") {
    TempDir dir;
    std::mt19937 rng(7);
    std::vector<std::size_t> lengths = {0, 1, 65535, 65536, 65537, 131071, 5 * 1024 * 1024 + 3};
    std::uniform_int_distribution<std::size_t> small(0, 3000);
    for (int i = 0; i < 400; ++i)
        lengths.push_back(small(rng));
    std::shuffle(lengths.begin(), lengths.end(), rng);

    std::vector<std::string> expected;
    std::string text;
    for (std::size_t i = 0; i < lengths.size(); ++i) {
        std::string line(lengths[i], static_cast<char>('a' + i % 26));
        if (!line.empty()) line.back() = '#';  // catches a line cut one byte short
        text += line;
        text += i % 3 == 0 ? "\r\n" : "\n";
        expected.push_back(std::move(line));
    }

    check_lines(read_all(InputSpec{dir.write("long", text)}), expected);
    check_lines(read_all(InputSpec{dir.write("long.gz", gzip(text))}), expected);
}

TEST_CASE("LineReader reads multi-member gzip files", "[input]") {
    TempDir dir;
    std::string data = gzip("a\nb\n") + gzip("") + gzip("c\nd");
    CHECK(read_all(InputSpec{dir.write("multi.gz", data)}) ==
          std::vector<std::string>{"a", "b", "c", "d"});
    // A member that ends mid-line continues in the next one, as `zcat` would show it.
    data = gzip("a\nb") + gzip("c\n");
    CHECK(read_all(InputSpec{dir.write("joined.gz", data)}) == std::vector<std::string>{"a", "bc"});
}

TEST_CASE("LineReader reports truncated and corrupt gzip streams", "[input]") {
    TempDir dir;
    const std::string text = noisy_lines(20000);
    const std::string gz = gzip(text);
    REQUIRE(gz.size() > 100000);

    auto truncated = [&](const std::string& data) {
        std::string path = dir.write("cut.gz", data);
        auto [code, message] = status_of([&] { read_all(InputSpec{path}); });
        CHECK(code == Exit::partial);
        CHECK(message == path + ": truncated gzip stream");
    };
    SECTION("cut in the middle") {
        truncated(gz.substr(0, gz.size() / 2));
    }
    SECTION("cut in the trailer") {
        truncated(gz.substr(0, gz.size() - 3));
    }
    SECTION("cut in the header") {
        truncated(gz.substr(0, 5));
    }
    SECTION("second member cut") {
        truncated(gzip("a\n") + gz.substr(0, 10));
    }

    SECTION("lines before the cut still come out first") {
        std::string path = dir.write("cut.gz", gz.substr(0, gz.size() / 2));
        LineReader reader(InputSpec{path});
        std::string_view line;
        std::size_t n = 0;
        CHECK_THROWS_AS(
            [&] {
                while (reader.next(line)) {
                    REQUIRE(line == std::string_view(text).substr(n * 17, 16));
                    ++n;
                }
            }(),
            swd::Error);
        CHECK(n > 1000);
    }
    SECTION("bad checksum") {
        std::string bad = gz;
        bad[bad.size() - 8] ^= 0x55;
        std::string path = dir.write("crc.gz", bad);
        auto [code, message] = status_of([&] { read_all(InputSpec{path}); });
        CHECK(code == Exit::partial);
        CHECK(message == path + ": corrupt gzip stream: incorrect data check");
    }
    SECTION("garbage after the last member") {
        std::string path = dir.write("junk.gz", gzip("a\n") + "junk");
        auto [code, message] = status_of([&] { read_all(InputSpec{path}); });
        CHECK(code == Exit::partial);
        CHECK_THAT(message, Catch::StartsWith(path + ": corrupt gzip stream: "));
    }
}

TEST_CASE("LineReader reports inputs it cannot open", "[input]") {
    TempDir dir;
    std::string missing = (dir.path() / "missing.log").string();
    auto [code, message] = status_of([&] { LineReader reader(InputSpec{missing}); });
    CHECK(code == Exit::config);
    CHECK(message == missing + ": No such file or directory");

    std::tie(code, message) = status_of([&] { LineReader reader(InputSpec{dir.path().string()}); });
    CHECK(code == Exit::config);
    CHECK(message == dir.path().string() + ": Is a directory");
}

TEST_CASE("LineReader reads gzip from a pipe on stdin, however the bytes trickle in", "[input]") {
    std::string text = noisy_lines(3000) + "last";
    std::string gz = gzip(text);
    int fds[2];
    REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
    std::thread writer([&] {
        // One byte first: the magic number arrives split across two reads.
        std::size_t pos = 0;
        while (pos < gz.size()) {
            std::size_t n = pos == 0 ? 1 : std::min<std::size_t>(4093, gz.size() - pos);
            ssize_t w = ::write(fds[1], gz.data() + pos, n);
            if (w <= 0) break;
            // Give the reader time to take the lone first byte in a read of its own.
            if (pos == 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
            pos += static_cast<std::size_t>(w);
        }
        close(fds[1]);
    });
    // If reading stops early, the writer gets EPIPE instead of killing the test, and it is
    // joined before any failure is reported.
    auto old_sigpipe = std::signal(SIGPIPE, SIG_IGN);
    std::vector<std::string> lines;
    std::exception_ptr failure;
    {
        StdinFrom redirect(fds[0]);
        close(fds[0]);
        try {
            lines = read_all(InputSpec{"-"});
        } catch (...) {
            failure = std::current_exception();
        }
    }
    writer.join();
    std::signal(SIGPIPE, old_sigpipe);
    if (failure) std::rethrow_exception(failure);
    std::vector<std::string> expected;
    for (std::size_t i = 0; i < 3000; ++i)
        expected.push_back(text.substr(i * 17, 16));
    expected.emplace_back("last");
    check_lines(lines, expected);
}

TEST_CASE("LineReader names stdin in its errors", "[input]") {
    TempDir dir;
    std::string gz = gzip(noisy_lines(100));
    std::string path = dir.write("cut.gz", gz.substr(0, gz.size() / 2));
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    StdinFrom redirect(fd);
    close(fd);
    auto [code, message] = status_of([] { read_all(InputSpec{"-"}); });
    CHECK(code == Exit::partial);
    CHECK(message == "stdin: truncated gzip stream");
}
