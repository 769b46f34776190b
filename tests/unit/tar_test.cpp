#include "libcore/package/tar.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "caught_error.hpp"
#include "libcore/base/error.hpp"
#include "libcore/base/process.hpp"
#include "pkg_fixture.hpp"

namespace {

using swd::test::error_of;
using swd::test::TarEntry;
using swd::test::TempDir;
namespace package = swd::package;

}  // namespace

TEST_CASE("tarballs unpack regular files and directories only", "[package]") {
    TempDir tmp;
    const auto good = tmp.path() / "good.tar.gz";
    swd::test::write_gzip(good,
                          swd::test::tar_bytes({{"pkg/", "", '5', "", 0755},
                                                {"pkg/a.txt", "alpha\n", '0', "", 0644},
                                                {"pkg/run.sh", "#!/bin/sh\n", '0', "", 0755}}));
    const auto out = tmp.path() / "out";
    std::filesystem::create_directory(out);
    package::unpack(good, out);
    CHECK(swd::test::read_file(out / "pkg/a.txt") == "alpha\n");
    CHECK(swd::test::mode_of(out / "pkg/run.sh") == 0755);

    const auto refused = [&](const std::vector<TarEntry>& entries, bool end = true,
                             bool gz = false) {
        static int n = 0;
        const auto t = tmp.path() / ("bad" + std::to_string(++n) + ".tar");
        const auto bytes = swd::test::tar_bytes(entries, end);
        if (gz)
            swd::test::write_gzip(t, bytes);
        else
            swd::test::write_file(t, bytes);
        const auto dest = tmp.path() / ("dest" + std::to_string(n));
        std::filesystem::create_directory(dest);
        return error_of([&] { package::unpack(t, dest); });
    };
    CHECK_THAT(refused({{"link", "", '2', "/etc/passwd"}}), Catch::Contains("symbolic link"));
    CHECK_THAT(refused({{"hard", "", '1', "x"}}), Catch::Contains("hard link"));
    CHECK_THAT(refused({{"fifo", "", '6'}}), Catch::Contains("FIFO"));
    CHECK_THAT(refused({{"../../etc/passwd", "x"}}), Catch::Contains("'..' would leave the root"));
    CHECK_THAT(refused({{"/etc/passwd", "x"}}), Catch::Contains("absolute"));
    CHECK_THAT(refused({{"a", "1"}, {"a", "2"}}), Catch::Contains("duplicate entry"));
    CHECK_THAT(refused({{"a", "1"}}, false), Catch::Contains("no end-of-archive marker"));

    // Cut short inside a file's data, plain and gzip'd.
    auto bytes = swd::test::tar_bytes({{"big", std::string(5000, 'x')}});
    swd::test::write_file(tmp.path() / "cut.tar", bytes.substr(0, 1500));
    std::filesystem::create_directory(tmp.path() / "cutdest");
    CHECK_THAT(error_of([&] { package::unpack(tmp.path() / "cut.tar", tmp.path() / "cutdest"); }),
               Catch::Contains("truncated tarball"));
    swd::test::write_gzip(tmp.path() / "full.tar.gz", bytes);
    const auto gz = swd::test::read_file(tmp.path() / "full.tar.gz");
    swd::test::write_file(tmp.path() / "cut.tar.gz", gz.substr(0, gz.size() / 2));
    std::filesystem::create_directory(tmp.path() / "cutgz");
    CHECK_THAT(error_of([&] { package::unpack(tmp.path() / "cut.tar.gz", tmp.path() / "cutgz"); }),
               Catch::Contains("truncated"));
}

namespace {

// Runs a program the tests make tarballs with (GNU tar, xz, zstd); the test fails if it does.
void run(const std::vector<std::string>& argv, const std::filesystem::path& cwd) {
    swd::process::Command c;
    c.argv = argv;
    c.cwd = cwd;
    const auto r = swd::process::run(c);
    INFO(swd::process::shell_join(argv) << ": " << r.describe() << ": " << r.err);
    REQUIRE(r.ok());
}

bool have(const std::string& program) {
    swd::process::Command c;
    c.argv = {program, "--version"};
    try {
        return swd::process::run(c).ok();
    } catch (const swd::Error&) {
        return false;
    }
}

// One pax extended header record, "LEN key=value\n" (LEN counts itself).
std::string pax_record(const std::string& key, const std::string& value) {
    const auto body = " " + key + "=" + value + "\n";
    auto len = body.size() + 1;
    while (std::to_string(len).size() + body.size() != len)
        ++len;
    return std::to_string(len) + body;
}

// Unpacks `tarball` into a new directory next to it; returns the directory.
std::filesystem::path unpacked(const std::filesystem::path& tarball) {
    const auto dest = tarball.parent_path() / (tarball.filename().string() + ".out");
    std::filesystem::create_directory(dest);
    package::unpack(tarball, dest);
    return dest;
}

std::string unpack_error(const std::filesystem::path& tarball) {
    const auto dest = tarball.parent_path() / (tarball.filename().string() + ".out");
    std::filesystem::create_directory(dest);
    return error_of([&] { package::unpack(tarball, dest); });
}

// A package tree with a member name longer than ustar's 100 + 155 bytes can hold, and a file
// larger than one read buffer.
const std::string long_dir = "pkg/" + std::string(120, 'd');
const std::string long_file = long_dir + "/" + std::string(150, 'f') + ".txt";

std::string big_content() {
    std::string s;
    for (int i = 0; s.size() < 300'000; ++i)
        s += std::to_string(i * 7919) + "\n";
    return s;
}

void make_tree(const std::filesystem::path& src) {
    swd::test::write_file(src / long_file, "long name\n");
    swd::test::write_file(src / "pkg/big", big_content());
    swd::test::write_file(src / "pkg/run.sh", "#!/bin/sh\n", 0755);
}

void check_tree(const std::filesystem::path& out) {
    CHECK(swd::test::read_file(out / long_file) == "long name\n");
    CHECK(swd::test::read_file(out / "pkg/big") == big_content());
    CHECK(swd::test::mode_of(out / "pkg/run.sh") == 0755);
}

}  // namespace

TEST_CASE("tarballs of GNU tar in pax and GNU format unpack with their long names", "[package]") {
    TempDir tmp;
    make_tree(tmp.path() / "src");
    for (const std::string format : {"pax", "gnu"}) {
        SECTION(format) {
            const auto t = tmp.path() / (format + ".tar");
            run({"tar", "--format=" + format, "-cf", t.string(), "pkg"}, tmp.path() / "src");
            check_tree(unpacked(t));
        }
    }
}

TEST_CASE("compressed tarballs unpack: gzip, xz, bzip2 and zstd", "[package]") {
    TempDir tmp;
    make_tree(tmp.path() / "src");
    const std::vector<std::pair<std::string, std::string>> filters = {
        {"gzip", ".tar.gz"}, {"xz", ".tar.xz"}, {"bzip2", ".tar.bz2"}, {"zstd", ".tar.zst"}};
    for (const auto& [program, suffix] : filters) {
        if (!have(program)) {
            WARN(program << " is not installed: " << suffix << " not tested");
            continue;
        }
        SECTION(program) {
            const auto t = tmp.path() / ("p" + suffix);
            run({"tar", "--format=pax", "--use-compress-program=" + program, "-cf", t.string(),
                 "pkg"},
                tmp.path() / "src");
            check_tree(unpacked(t));

            // Cut in half: one line naming the tarball, nothing thrown but an Error.
            const auto whole = swd::test::read_file(t);
            const auto cut = tmp.path() / ("cut" + suffix);
            swd::test::write_file(cut, whole.substr(0, whole.size() / 2));
            const auto error = unpack_error(cut);
            CHECK_THAT(error, Catch::Contains("truncated", Catch::CaseSensitive::No));
            CHECK(error.find('\n') == std::string::npos);
        }
    }
}

TEST_CASE("damaged tarballs are refused with one line, never a crash", "[package]") {
    TempDir tmp;
    const auto bytes = swd::test::tar_bytes({{"a", "alpha\n"}, {"b", "beta\n"}});
    const auto write = [&](const std::string& name, const std::string& content) {
        swd::test::write_file(tmp.path() / name, content);
        return unpack_error(tmp.path() / name);
    };
    CHECK_THAT(write("empty.tar", ""), Catch::Contains("not a package directory or tarball"));
    CHECK(write("text.tar", "hello, this is not a tarball\n") ==
          "not a package directory or tarball");
    // Cut inside the second header.
    CHECK_THAT(write("cuthead.tar", bytes.substr(0, 1024 + 100)),
               Catch::Contains("truncated tarball or damaged header after 'a'"));
    // A damaged second header (its checksum no longer matches).
    auto damaged = bytes;
    damaged[1024 + 10] = 'X';
    CHECK_THAT(write("damaged.tar", damaged),
               Catch::Contains("truncated tarball or damaged header after 'a'"));
    // Compressed, and ending without the end-of-archive marker.
    swd::test::write_gzip(tmp.path() / "noend.tar.gz",
                          swd::test::tar_bytes({{"a", "alpha\n"}}, false));
    CHECK_THAT(unpack_error(tmp.path() / "noend.tar.gz"),
               Catch::Contains("no end-of-archive marker"));
    // gzip with a damaged deflate stream.
    swd::test::write_gzip(tmp.path() / "bad.tar.gz", bytes);
    auto gz = swd::test::read_file(tmp.path() / "bad.tar.gz");
    for (std::size_t i = 12; i < gz.size() - 8; ++i)
        gz[i] = static_cast<char>(gz[i] ^ 0x5a);
    const auto error = write("bad.tar.gz", gz);
    CHECK_THAT(error, Catch::Contains("truncated, damaged or not a tarball"));
    CHECK(error.find('\n') == std::string::npos);
}

TEST_CASE("hostile member names are refused, however the tarball spells them", "[package]") {
    TempDir tmp;
    const auto refused = [&](const std::string& name, const std::vector<TarEntry>& entries) {
        swd::test::write_file(tmp.path() / name, swd::test::tar_bytes(entries));
        const auto error = unpack_error(tmp.path() / name);
        // Nothing was written outside the destination.
        CHECK_FALSE(std::filesystem::exists(tmp.path() / "escaped"));
        return error;
    };
    // A pax path, or a GNU long name, overrides the harmless ustar name.
    CHECK_THAT(refused("pax-dotdot.tar",
                       {{"PaxHeaders/a", pax_record("path", "../escaped"), 'x'}, {"a", "x"}}),
               Catch::Contains("'..' would leave the root"));
    CHECK_THAT(
        refused("pax-absolute.tar",
                {{"PaxHeaders/a", pax_record("path", tmp.path() / "escaped"), 'x'}, {"a", "x"}}),
        Catch::Contains("absolute"));
    CHECK_THAT(refused("gnu-dotdot.tar",
                       {{"././@LongLink", std::string("d/../../escaped") + '\0', 'L'}, {"a", "x"}}),
               Catch::Contains("'..' would leave the root"));
    CHECK_THAT(
        refused("pax-link.tar", {{"PaxHeaders/l", pax_record("linkpath", "/etc/passwd"), 'x'},
                                 {"l", "", '2', "x"}}),
        Catch::Contains("symbolic link"));
    CHECK_THAT(refused("chr.tar", {{"tty", "", '3'}}), Catch::Contains("character device"));
    CHECK_THAT(refused("blk.tar", {{"sda", "", '4'}}), Catch::Contains("block device"));
    CHECK_THAT(refused("dirdotdot.tar", {{"d/../../escaped/", "", '5', "", 0755}}),
               Catch::Contains("'..' would leave the root"));
    CHECK_THAT(refused("dup-pax.tar",
                       {{"a", "1"}, {"PaxHeaders/b", pax_record("path", "./a"), 'x'}, {"b", "2"}}),
               Catch::Contains("duplicate entry 'a'"));

    // A name with a newline: the error stays on one line.
    const auto error = refused("newline.tar", {{"evil\nswd-queue: all fine", "", '6'}});
    CHECK_THAT(error, Catch::Contains("FIFO"));
    CHECK(error.find('\n') == std::string::npos);

    // Links and hard links made by GNU tar itself.
    const auto src = tmp.path() / "src";
    swd::test::write_file(src / "pkg/a", "alpha\n");
    std::filesystem::create_hard_link(src / "pkg/a", src / "pkg/hard");
    run({"tar", "--format=pax", "-cf", (tmp.path() / "hard.tar").string(), "pkg"}, src);
    CHECK_THAT(unpack_error(tmp.path() / "hard.tar"), Catch::Contains("hard link"));
    std::filesystem::remove(src / "pkg/hard");
    std::filesystem::create_symlink("../../escaped", src / "pkg/up");
    run({"tar", "--format=gnu", "-cf", (tmp.path() / "symlink.tar").string(), "pkg"}, src);
    CHECK_THAT(unpack_error(tmp.path() / "symlink.tar"), Catch::Contains("symbolic link"));
}
