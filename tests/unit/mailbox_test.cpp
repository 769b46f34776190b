#include "libcore/mail/mailbox.hpp"

#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "libcore/base/error.hpp"
#include "temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using swd::mailbox::Item;
using swd::mailbox::Kind;
using swd::mailbox::Reader;
using swd::test::TempDir;

void write(const fs::path& p, const std::string& data) {
    std::ofstream out(p, std::ios::binary);
    out << data;
    REQUIRE(out);
}

struct Got {
    std::string raw, source, path, error;
    std::uint64_t size;
    bool too_large;
};

std::vector<Got> read_all(const std::string& source, swd::mailbox::ReadOptions options = {},
                          Kind* kind = nullptr) {
    Reader reader({source}, options);
    if (kind) *kind = reader.kind();
    std::vector<Got> out;
    Item item;
    while (reader.next(item)) {
        out.push_back(
            {std::string(item.raw), item.source, item.path, item.error, item.size, item.too_large});
    }
    return out;
}

fs::path maildir(const TempDir& t) {
    const fs::path md = t.path() / "md";
    for (const char* sub : {"new", "cur", "tmp"})
        fs::create_directories(md / sub);
    return md;
}

}  // namespace

TEST_CASE("mbox: split on From lines, offsets, mboxrd unquoting", "[mailbox]") {
    TempDir t;
    const std::string m1 =
        "From: a@b.example.com\n\nbody 1\n>From the log\n>>From quoted\nFrom here on, no\n";
    const std::string m2 = "From: c@d.example.com\n\nbody 2\n";
    const std::string text = "From a@b Sat Nov 21 10:00:00 2026\n" + m1 +
                             "\nFrom c@d Sat Nov 21 10:01:00 2026\n" + m2 + "\n";
    write(t.path() / "box", text);
    Kind kind{};
    const auto got = read_all((t.path() / "box").string(), {}, &kind);
    CHECK(kind == Kind::mbox);
    REQUIRE(got.size() == 2);
    // "From here on, no" follows a body line and carries no time: not a separator.
    CHECK(got[0].raw ==
          "From: a@b.example.com\n\nbody 1\nFrom the log\n>From quoted\nFrom here on, no\n");
    CHECK(got[1].raw == m2);
    const std::size_t second = text.find("\nFrom c@d") + 1;
    CHECK(got[0].source == "mbox:" + (t.path() / "box").string() + "#0");
    CHECK(got[1].source == "mbox:" + (t.path() / "box").string() + "#" + std::to_string(second));
    CHECK(got[1].size == m2.size());
}

TEST_CASE("mbox: an envelope line without a blank line before it still splits", "[mailbox]") {
    TempDir t;
    write(t.path() / "box",
          "From a@b Sat Nov 21 10:00:00 2026\nFrom: a@b.example.com\n\nx\n"
          "From c@d Sat Nov 21 10:01:00 2026\nFrom: c@d.example.com\n\ny\n");
    const auto got = read_all((t.path() / "box").string());
    REQUIRE(got.size() == 2);
    CHECK(got[0].raw == "From: a@b.example.com\n\nx\n");
}

TEST_CASE("mbox: CRLF, truncation, empty messages, empty file", "[mailbox]") {
    TempDir t;
    SECTION("CRLF separators") {
        write(t.path() / "box",
              "From a@b Sat Nov 21 10:00:00 2026\r\nFrom: a@b.example.com\r\n\r\nx\r\n"
              "\r\nFrom c@d Sat Nov 21 10:01:00 2026\r\nFrom: c@d.example.com\r\n");
        const auto got = read_all((t.path() / "box").string());
        REQUIRE(got.size() == 2);
        CHECK(got[0].raw == "From: a@b.example.com\r\n\r\nx\r\n");
    }
    SECTION("truncated: the last message ends where the file does") {
        write(t.path() / "box", "From a@b Sat Nov 21 10:00:00 2026\nFrom: a@b.exa");
        const auto got = read_all((t.path() / "box").string());
        REQUIRE(got.size() == 1);
        CHECK(got[0].raw == "From: a@b.exa");
    }
    SECTION("two separators in a row give an empty message") {
        write(t.path() / "box",
              "From a@b Sat Nov 21 10:00:00 2026\n"
              "From c@d Sat Nov 21 10:01:00 2026\nFrom: c@d.example.com\n");
        const auto got = read_all((t.path() / "box").string());
        REQUIRE(got.size() == 2);
        CHECK(got[0].raw.empty());
    }
    SECTION("an empty file is an empty mbox") {
        write(t.path() / "box", "");
        Kind kind{};
        CHECK(read_all((t.path() / "box").string(), {}, &kind).empty());
        CHECK(kind == Kind::mbox);
    }
}

TEST_CASE("mbox: messages and lines larger than the read chunk", "[mailbox]") {
    TempDir t;
    const std::string big_line(3 << 20, 'x');  // one 3 MiB line, three chunks
    // ">From:" is no quoted "From " line: it stays as it is.
    const std::string m1 = ">From: a@b.example.com\n\n" + big_line + "\nFrom the end\n";
    const std::string m2 = "From: c@d.example.com\n\n" + std::string(2 << 20, 'y');
    write(t.path() / "box", "From a@b Sat Nov 21 10:00:00 2026\n>From: a@b.example.com\n\n" +
                                big_line +
                                "\n>From the end\n\nFrom c@d Sat Nov 21 10:01:00 2026\n" + m2);
    const auto got = read_all((t.path() / "box").string());
    REQUIRE(got.size() == 2);
    CHECK(got[0].raw == m1);
    CHECK(got[1].raw == m2);

    SECTION("max_size cuts and flags, the size stays the full size") {
        const auto cut = read_all((t.path() / "box").string(), {false, 1000});
        REQUIRE(cut.size() == 2);
        CHECK(cut[0].too_large);
        CHECK(cut[0].raw.size() == 1000);
        CHECK(cut[0].size == m1.size());
        CHECK(cut[1].too_large);
    }
}

TEST_CASE("mbox: a message of exactly max_size bytes is whole, as it is from a file", "[mailbox]") {
    TempDir t;
    // The separator's blank line belongs to the mbox, so it is no byte of the message.
    const std::string head = "From: a@b.example.com\nSubject: x\n\n";
    const std::string m = head + std::string(1000 - head.size() - 1, 'x') + "\n";
    REQUIRE(m.size() == 1000);
    const std::string sep = "From a@b Sat Nov 21 10:00:00 2026\n";
    write(t.path() / "box", sep + m + "\n" + sep + m + "\n\n" + sep + m);
    const auto got = read_all((t.path() / "box").string(), {false, 1000});
    REQUIRE(got.size() == 3);
    CHECK_FALSE(got[0].too_large);
    CHECK(got[0].raw == m);
    CHECK(got[0].size == 1000);
    // A blank line of its own before the separator's is part of the message: one byte too many.
    CHECK(got[1].too_large);
    CHECK(got[1].size == 1001);
    CHECK_FALSE(got[2].too_large);
    CHECK(got[2].raw == m);
    write(t.path() / "one", m);
    CHECK_FALSE(read_all((t.path() / "one").string(), {false, 1000}).at(0).too_large);
}

TEST_CASE("a file that does not start with From is one message", "[mailbox]") {
    TempDir t;
    write(t.path() / "msg", "From: a@b.example.com\n\nbody\n");
    Kind kind{};
    const auto got = read_all((t.path() / "msg").string(), {}, &kind);
    CHECK(kind == Kind::file);
    REQUIRE(got.size() == 1);
    CHECK(got[0].raw == "From: a@b.example.com\n\nbody\n");
    CHECK(got[0].source == "file:" + (t.path() / "msg").string());
}

TEST_CASE("Maildir: new/ in name order, --all adds unseen cur/, never tmp/", "[mailbox]") {
    TempDir t;
    const fs::path md = maildir(t);
    write(md / "new" / "2.M2.host", "From: b@x.example.com\n\n2\n");
    write(md / "new" / "1.M1.host", "From: a@x.example.com\n\n1\n");
    write(md / "new" / ".hidden", "not mail");
    write(md / "cur" / ".keep", "");
    write(md / "cur" / "0.M0.host:2,", "From: c@x.example.com\n\n0\n");
    write(md / "cur" / "0.M9.host:2,RS", "From: seen@x.example.com\n\n9\n");
    write(md / "tmp" / "3.M3.host", "From: half");

    Kind kind{};
    auto got = read_all(md.string(), {}, &kind);
    CHECK(kind == Kind::maildir);
    REQUIRE(got.size() == 2);
    CHECK(got[0].raw == "From: a@x.example.com\n\n1\n");
    CHECK(got[0].path == (md / "new" / "1.M1.host").string());
    CHECK(got[0].source == "maildir:" + (md / "new" / "1.M1.host").string());
    CHECK(got[1].raw == "From: b@x.example.com\n\n2\n");

    got = read_all(md.string(), {true, 32u << 20});
    REQUIRE(got.size() == 3);
    CHECK(got[2].path == (md / "cur" / "0.M0.host:2,").string());
}

TEST_CASE("Maildir: many files, large files, too-large files", "[mailbox]") {
    TempDir t;
    const fs::path md = maildir(t);
    for (int i = 0; i < 300; ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "%04d.M.host", i);
        write(md / "new" / name, "From: a@x.example.com\n\n" + std::to_string(i) + "\n");
    }
    write(md / "new" / "9999.big", "From: a@x.example.com\n\n" + std::string(200000, 'b'));
    auto got = read_all(md.string());
    REQUIRE(got.size() == 301);
    for (int i = 0; i < 300; ++i)
        CHECK(got[i].raw.ends_with("\n" + std::to_string(i) + "\n"));
    CHECK(got[300].raw.size() == 200023);
    CHECK_FALSE(got[300].too_large);

    got = read_all(md.string(), {false, 100000});
    CHECK(got[300].too_large);
    CHECK(got[300].size == 200023);
    CHECK(got[300].raw.size() == 100000);
}

TEST_CASE("Maildir: more than a slab's bytes of files, all in order and whole", "[mailbox]") {
    TempDir t;
    const fs::path md = maildir(t);
    // 60 files of 100-300 kB: more than the reader keeps in one slab (4 MiB), so a slab ends
    // early and the next starts with the files it did not take.
    for (int i = 0; i < 60; ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "%04d.M.host", i);
        write(md / "new" / name,
              "From: a@x.example.com\n\n" +
                  std::string(100000 + 3331 * i, static_cast<char>('a' + i % 26)) + "\n" +
                  std::to_string(i) + "\n");
    }
    auto got = read_all(md.string());
    REQUIRE(got.size() == 60);
    for (int i = 0; i < 60; ++i) {
        CHECK(got[i].raw.size() == 23 + 100000 + 3331 * i + 1 + std::to_string(i).size() + 1);
        CHECK(got[i].raw.ends_with("\n" + std::to_string(i) + "\n"));
        CHECK_FALSE(got[i].too_large);
    }
    got = read_all(md.string(), {false, 150000});
    REQUIRE(got.size() == 60);
    CHECK_FALSE(got[0].too_large);
    CHECK(got[59].too_large);
    CHECK(got[59].size == 23 + 100000 + 3331 * 59 + 1 + 2 + 1);
    CHECK(got[59].raw.size() == 150000);
}

TEST_CASE("Maildir: io_uring and plain reads give the same messages", "[mailbox]") {
    TempDir t;
    const fs::path md = maildir(t);
    // 600 files: more than two slabs of 256; among them an empty file, files larger than the
    // first read (16 KiB) and than a plain read's buffer (64 KiB), one that is a directory (read
    // fails) and one removed after the listing, as when another run takes it first.
    std::vector<std::string> names;
    for (int i = 0; i < 600; ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "%04d.M.host", i);
        names.push_back(name);
        std::string body = "From: a@x.example.com\n\n" + std::to_string(i) + "\n";
        if (i % 100 == 7) body += std::string(20000 + 1000 * i, static_cast<char>('a' + i / 100));
        if (i == 300) body.clear();
        if (i == 450) continue;
        write(md / "new" / name, body);
    }
    fs::create_directory_symlink("../cur", md / "new" / names[450]);
    const fs::path gone = md / "new" / names[260];

    const auto read = [&](bool io_uring, std::uint64_t max_size) {
        write(gone, "From: a@x.example.com\n\ngone\n");
        Reader reader({md.string()}, {false, max_size, io_uring});
        fs::remove(gone);
        std::vector<Got> out;
        Item item;
        while (reader.next(item)) {
            out.push_back({std::string(item.raw), item.source, item.path, item.error, item.size,
                           item.too_large});
        }
        return out;
    };
    for (const std::uint64_t max_size : {std::uint64_t{32} << 20, std::uint64_t{100000}}) {
        const std::vector<Got> ring = read(true, max_size);
        const std::vector<Got> plain = read(false, max_size);
        REQUIRE(ring.size() == 599);
        REQUIRE(plain.size() == 599);
        for (std::size_t k = 0; k < ring.size(); ++k) {
            const std::size_t i = k < 260 ? k : k + 1;
            CHECK(ring[k].path == (md / "new" / names[i]).string());
            CHECK(ring[k].raw == plain[k].raw);
            CHECK(ring[k].source == plain[k].source);
            CHECK(ring[k].path == plain[k].path);
            CHECK(ring[k].error == plain[k].error);
            CHECK(ring[k].size == plain[k].size);
            CHECK(ring[k].too_large == plain[k].too_large);
        }
        CHECK(ring[299].raw.empty());
        CHECK(ring[299].size == 0);
        CHECK(ring[299].error.empty());
        CHECK(ring[449].error == swd::errno_text(EISDIR));
        CHECK(ring[506].size == 20000 + 1000 * 507 + 27);
        CHECK(ring[506].too_large == (max_size == 100000));
        CHECK(ring[506].raw.size() == std::min<std::uint64_t>(ring[506].size, max_size));
        CHECK(ring[506].raw.ends_with(std::string(100, 'f')));
    }
}

TEST_CASE("sources that are not there or not mail", "[mailbox]") {
    TempDir t;
    fs::create_directories(t.path() / "plain");
    const auto code = [](const std::string& source) {
        try {
            Reader r({source}, {});
        } catch (const swd::Error& e) {
            return e.code();
        }
        return swd::Exit::ok;
    };
    CHECK(code((t.path() / "missing").string()) == swd::Exit::config);
    CHECK(code((t.path() / "plain").string()) == swd::Exit::config);
}

TEST_CASE("seen_path: into cur/ with S (and F), existing flags kept in order", "[mailbox]") {
    using swd::mailbox::seen_path;
    const fs::path md = "/m";
    CHECK(seen_path(md / "new" / "1.M1.host", false) == md / "cur" / "1.M1.host:2,S");
    CHECK(seen_path(md / "new" / "1.M1.host", true) == md / "cur" / "1.M1.host:2,FS");
    CHECK(seen_path(md / "cur" / "1.M1.host:2,R", true) == md / "cur" / "1.M1.host:2,FRS");
    CHECK(seen_path(md / "cur" / "1.M1.host:2,S", false) == md / "cur" / "1.M1.host:2,S");
    CHECK(seen_path(md / "cur" / "1.M1.host:2,", false) == md / "cur" / "1.M1.host:2,S");
}

TEST_CASE("move renames, tells a message another run took, and says why it cannot", "[mailbox]") {
    TempDir t;
    const fs::path md = maildir(t);
    write(md / "new" / "1", "x");
    CHECK(swd::mailbox::move(md / "new" / "1", md / "cur" / "1:2,S"));
    CHECK(fs::exists(md / "cur" / "1:2,S"));
    CHECK_FALSE(fs::exists(md / "new" / "1"));
    // Gone from new/: another run moved it first.
    CHECK_FALSE(swd::mailbox::move(md / "new" / "1", md / "cur" / "1:2,S"));
    write(md / "new" / "2", "x");
    fs::remove_all(md / "cur");
    CHECK_THROWS_WITH(swd::mailbox::move(md / "new" / "2", md / "cur" / "2:2,S"),
                      Catch::Contains("moving") && Catch::Contains("No such file"));
}
