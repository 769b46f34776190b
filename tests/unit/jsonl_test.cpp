#include "libcore/base/jsonl.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>

#include "libcore/base/error.hpp"
#include "temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using swd::InputSpec;
using swd::jsonl::Item;
using swd::jsonl::Reader;
using swd::jsonl::Record;
using swd::jsonl::Writer;
using swd::test::TempDir;

std::string as_json(std::string_view s) {
    std::string out;
    swd::jsonl::append_string(out, s);
    return out;
}

/// Runs argv (no shell) and returns its stdout; the command must exit 0.
std::string run(const std::vector<std::string>& argv) {
    int fds[2];
    REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        std::vector<char*> args;
        for (const auto& a : argv)
            args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execv(args[0], args.data());
        _exit(127);
    }
    close(fds[1]);
    std::string out;
    char buf[65536];
    for (;;) {
        ssize_t n = read(fds[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    close(fds[0]);
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    INFO(out);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    return out;
}

std::string hex(std::string_view s) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (char c : s) {
        auto b = static_cast<unsigned char>(c);
        out += digits[b >> 4];
        out += digits[b & 0xF];
    }
    return out;
}

/// Byte strings that exercise every escaping and UTF-8 rule: every 1- and 2-byte string, lead
/// bytes followed by boundary continuation bytes, hand-picked cases and random noise.
std::vector<std::string> nasty_strings() {
    std::vector<std::string> out;
    for (int a = 0; a < 256; ++a) {
        out.emplace_back(1, static_cast<char>(a));
        for (int b = 0; b < 256; ++b)
            out.push_back({static_cast<char>(a), static_cast<char>(b)});
    }
    const std::vector<unsigned char> edges = {0x00, 0x22, 0x41, 0x5C, 0x7F, 0x80, 0x8F, 0x90,
                                              0x9F, 0xA0, 0xBF, 0xC0, 0xC2, 0xE0, 0xF0, 0xFF};
    for (int lead = 0xC0; lead <= 0xFF; ++lead) {
        for (unsigned char b : edges) {
            for (unsigned char c : edges) {
                std::string s = {static_cast<char>(lead), static_cast<char>(b),
                                 static_cast<char>(c)};
                out.push_back(s);
                if (lead >= 0xF0) {
                    for (unsigned char d : edges)
                        out.push_back(s + static_cast<char>(d));
                }
            }
        }
    }
    for (const char* s : {"",
                          "plain",
                          "quote\"back\\slash/",
                          "\x7f",
                          "caf\xc3\xa9",
                          "\xe6\x97\xa5\xe6\x9c\xac",
                          "\xf0\x9f\x98\x80 emoji",
                          "\xf4\x8f\xbf\xbf",
                          "\xc0\xaf",
                          "\xe0\x80\xaf",
                          "\xed\xa0\x80",
                          "\xed\xbf\xbf\xed\xa0\x80",
                          "\xf4\x90\x80\x80",
                          "\xf8\x88\x80\x80\x80",
                          "\x80\x80\x80",
                          "ok\xe2\x82",
                          "ok\xf0\x9f\x98",
                          "\xe2\x82ok",
                          "\xf0\x9f\x98\xf0\x9f\x98\x80",
                          "line\nbreak\ttab\r\b\f\x01\x1f",
                          "\xef\xbb\xbf",
                          "\xe2\x80\xa8\xe2\x80\xa9"})
        out.emplace_back(s);
    std::mt19937 rng(1234);
    std::uniform_int_distribution<int> len(0, 40);
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<std::size_t> pick(0, edges.size() - 1);
    for (int i = 0; i < 20000; ++i) {
        std::string s;
        for (int n = len(rng); n > 0; --n) {
            s += static_cast<char>(byte(rng) % 2 ? edges[pick(rng)] : byte(rng));
        }
        out.push_back(std::move(s));
    }
    return out;
}

/// Python reads the records and the raw bytes (hex) line by line and checks that each record
/// is strict JSON and UTF-8, keeps "type" and "v" first, and holds the bytes exactly as
/// Python's decode('utf-8', 'replace') gives them, in a value and in a key.
constexpr const char* python_check = R"(
import json, sys
n = bad = 0
with open(sys.argv[1], 'rb') as records, open(sys.argv[2]) as hexes:
    for line, h in zip(records, hexes):
        n += 1
        raw = bytes.fromhex(h.strip())
        want = raw.decode('utf-8', 'replace')
        try:
            obj = json.loads(line.decode('utf-8'))
            ok = (list(obj) == ['type', 'v', 's', 'k' + want] and obj['type'] == 't'
                  and obj['v'] == 1 and obj['s'] == want and obj['k' + want] == n)
        except Exception as e:
            ok = False
        if not ok:
            bad += 1
            if bad <= 20:
                print('FAIL', n, repr(raw), repr(line[:200]))
print('LINES', n, 'BAD', bad)
)";

}  // namespace

TEST_CASE("append_string escapes and repairs like Python's json and decode('replace')", "[jsonl]") {
    CHECK(as_json("") == R"("")");
    CHECK(as_json("a\"b\\c/") == R"("a\"b\\c/")");
    CHECK(as_json("\n\t\r\b\f") == R"("\n\t\r\b\f")");
    CHECK(as_json(std::string("\x00\x01\x1f", 3)) == R"("\u0000\u0001\u001f")");
    CHECK(as_json("\x7f") == "\"\x7f\"");
    CHECK(as_json("caf\xc3\xa9 \xf0\x9f\x98\x80") == "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"");

    const std::string fffd = "\xef\xbf\xbd";
    // Overlong, surrogate and above-U+10FFFF forms: one U+FFFD per byte.
    CHECK(as_json("\xc0\xaf") == '"' + fffd + fffd + '"');
    CHECK(as_json("\xe0\x80\xaf") == '"' + fffd + fffd + fffd + '"');
    CHECK(as_json("\xed\xa0\x80") == '"' + fffd + fffd + fffd + '"');
    CHECK(as_json("\xf4\x90\x80\x80") == '"' + fffd + fffd + fffd + fffd + '"');
    // A truncated sequence is one U+FFFD, and what follows it is kept.
    CHECK(as_json("ok\xe2\x82") == "\"ok" + fffd + '"');
    CHECK(as_json("\xf0\x9f\x98!") == '"' + fffd + "!\"");
    CHECK(as_json("\xf0\x9f\x98\xf0\x9f\x98\x80") == '"' + fffd + "\xf0\x9f\x98\x80\"");
    CHECK(as_json("\x80\xbf") == '"' + fffd + fffd + '"');
    CHECK(as_json("\xff\xfe") == '"' + fffd + fffd + '"');
}

TEST_CASE("Writer and Record build JSON with commas, escapes and type first", "[jsonl]") {
    Writer w;
    w.begin_object()
        .key("a")
        .begin_array()
        .value(1)
        .value("x")
        .null()
        .value(true)
        .begin_object()
        .end_object()
        .begin_array()
        .end_array()
        .end_array()
        .key("q\"k")
        .value(false)
        .key("raw")
        .raw(R"({"r":[1,2]})")
        .key("d")
        .value(0.1)
        .key("nan")
        .value(std::nan(""))
        .key("min")
        .value(std::numeric_limits<std::int64_t>::min())
        .end_object();
    CHECK(w.str() ==
          R"({"a":[1,"x",null,true,{},[]],"q\"k":false,"raw":{"r":[1,2]},"d":0.1,"nan":null,)"
          R"("min":-9223372036854775808})");
    w.clear();
    w.begin_array().value(std::string("s")).end_array();
    CHECK(w.take() == R"(["s"])");

    Record r("alert");
    r.field("id", "A-1")
        .field("count", 3)
        .field("absent", std::optional<std::string>())
        .field("present", std::optional<std::string>("p"))
        .field("to", std::vector<std::string>{"a@x", "b\n"})
        .field("empty", std::vector<std::string>{});
    CHECK(r.finish() ==
          R"({"type":"alert","v":1,"id":"A-1","count":3,"present":"p","to":["a@x","b\n"],)"
          R"("empty":[]})");
    CHECK(Record("ticket", 2).finish() == R"({"type":"ticket","v":2})");
}

TEST_CASE("Reader goes on after bad lines and says where they are", "[jsonl]") {
    TempDir dir;
    std::string first = dir.write("first.jsonl",
                                  "{\"a\":1}\n"
                                  "\n"
                                  "not json\n"
                                  "[1]\n"
                                  "42\n"
                                  "  \t\r\n"
                                  "{\"b\":\"x\"}\r\n"
                                  "{\"bad\":\"\xff\"}\n"
                                  "\"str\"\n"
                                  "{\"c\":true}");
    std::string second_text = "{\"z\":1}\n";
    std::string second = (dir.path() / "second.jsonl.gz").string();
    {
        gzFile gz = gzopen(second.c_str(), "wb");
        REQUIRE(gz != nullptr);
        REQUIRE(gzwrite(gz, second_text.data(), static_cast<unsigned>(second_text.size())) > 0);
        REQUIRE(gzclose(gz) == Z_OK);
    }

    Reader reader({InputSpec{first}, InputSpec{second}});
    Item item;
    struct Want {
        std::string source;
        std::size_t line;
        bool ok;
        std::string text;
    };
    const std::vector<Want> wants = {
        {first, 1, true, "{\"a\":1}"},     {first, 3, false, "not json"},
        {first, 4, false, "[1]"},          {first, 5, false, "42"},
        {first, 7, true, "{\"b\":\"x\"}"}, {first, 8, false, "{\"bad\":\"\xff\"}"},
        {first, 9, false, "\"str\""},      {first, 10, true, "{\"c\":true}"},
        {second, 1, true, "{\"z\":1}"},
    };
    for (const auto& want : wants) {
        REQUIRE(reader.next(item));
        INFO(want.source << ":" << want.line);
        CHECK(item.source == want.source);
        CHECK(item.line == want.line);
        CHECK(item.ok() == want.ok);
        CHECK(item.text == want.text);
        if (!want.ok) {
            CHECK_THAT(item.where(),
                       Catch::StartsWith(want.source + ":" + std::to_string(want.line) + ": "));
            CHECK(item.where().size() > want.source.size() + 6);
        }
    }
    CHECK_FALSE(reader.next(item));
    CHECK_FALSE(reader.next(item));

    Reader again({InputSpec{first}});
    for (int i = 0; i < 4; ++i)
        REQUIRE(again.next(item));
    CHECK(item.error == "expected a JSON object");
    CHECK(item.where() == first + ":5: expected a JSON object");
    REQUIRE(again.next(item));
    REQUIRE(item.ok());
    CHECK(swd::jsonl::get_string(item.doc, "b") == "x");
}

TEST_CASE("Reader throws on an input it cannot open, after the ones before it", "[jsonl]") {
    TempDir dir;
    std::string good = dir.write("good.jsonl", "{\"a\":1}\n");
    std::string missing = (dir.path() / "missing.jsonl").string();
    Reader reader({InputSpec{good}, InputSpec{missing}});
    Item item;
    REQUIRE(reader.next(item));
    CHECK(item.ok());
    try {
        reader.next(item);
        FAIL("no error");
    } catch (const swd::Error& e) {
        CHECK(e.code() == swd::Exit::config);
        CHECK(std::string(e.what()) == missing + ": No such file or directory");
    }
}

TEST_CASE("get_* helpers and to_json", "[jsonl]") {
    simdjson::dom::parser parser;
    simdjson::dom::element doc = parser.parse(std::string(
        R"({"s":"x\ny","i":-5,"big":18446744073709551615,"d":1.5,"b":true,"n":null,)"
        R"("arr":["a","b"],"mixed":["a",1],"empty":[],"o":{ "k" : [1, 2.5, "\u0001"] }})"));
    using namespace swd::jsonl;
    CHECK(get_string(doc, "s") == "x\ny");
    CHECK_FALSE(get_string(doc, "i"));
    CHECK_FALSE(get_string(doc, "nope"));
    CHECK(get_int(doc, "i") == -5);
    CHECK_FALSE(get_int(doc, "big"));
    CHECK_FALSE(get_int(doc, "d"));
    CHECK_FALSE(get_int(doc, "s"));
    CHECK(get_bool(doc, "b") == true);
    CHECK_FALSE(get_bool(doc, "n"));
    CHECK(get_strings(doc, "arr") == std::vector<std::string>{"a", "b"});
    CHECK(get_strings(doc, "empty") == std::vector<std::string>{});
    CHECK_FALSE(get_strings(doc, "mixed"));
    CHECK_FALSE(get_strings(doc, "s"));
    CHECK_FALSE(get_strings(doc, "nope"));
    CHECK(to_json(doc["o"]) == R"({"k":[1,2.5,"\u0001"]})");
    CHECK_FALSE(get_string(doc["arr"], "s"));
}

TEST_CASE("Records round-trip through Python's json and simdjson for every nasty string",
          "[jsonl]") {
    TempDir dir;
    const std::vector<std::string> strings = nasty_strings();
    std::string records;
    std::string hexes;
    for (std::size_t i = 0; i < strings.size(); ++i) {
        Record r("t");
        r.field("s", strings[i]).field("k" + strings[i], static_cast<std::int64_t>(i + 1));
        records += r.finish();
        records += '\n';
        hexes += hex(strings[i]);
        hexes += '\n';
    }
    std::string records_path = dir.write("records.jsonl", records);
    std::string hex_path = dir.write("bytes.hex", hexes);

    std::string report = run({"/usr/bin/python3", "-c", python_check, records_path, hex_path});
    CHECK(report == "LINES " + std::to_string(strings.size()) + " BAD 0\n");

    Reader reader({InputSpec{records_path}});
    Item item;
    const std::string fffd = "\xef\xbf\xbd";
    for (const auto& s : strings) {
        REQUIRE(reader.next(item));
        INFO("line " << item.line << ": " << item.text);
        REQUIRE(item.ok());
        auto decoded = swd::jsonl::get_string(item.doc, "s");
        REQUIRE(decoded);
        if (simdjson::validate_utf8(s)) {
            CHECK(*decoded == s);
        } else {
            CHECK(decoded->find(fffd) != std::string_view::npos);
        }
        simdjson::dom::object obj = item.doc.get_object().value_unsafe();
        auto field = obj.begin();
        CHECK((*field).key == "type");
        ++field;
        CHECK((*field).key == "v");
    }
    CHECK_FALSE(reader.next(item));
}
