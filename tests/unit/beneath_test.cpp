#include "libcore/base/beneath.hpp"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "caught_error.hpp"
#include "libcore/base/digest.hpp"
#include "temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
namespace beneath = swd::beneath;
using swd::Exit;
using swd::test::caught_error;
using swd::test::TempDir;
using Parts = std::vector<std::string>;

}  // namespace

TEST_CASE("split_relative: components, or a refusal that says why", "[beneath]") {
    CHECK(beneath::split_relative("opt/app/./x") == Parts{"opt", "app", "x"});
    CHECK(beneath::split_relative("opt//app/") == Parts{"opt", "app"});
    CHECK(beneath::join({"opt", "app", "x"}) == "opt/app/x");
    for (const char* bad : {"", "/etc/passwd", "a/../../etc", "..", "a/b\x01"}) {
        const auto e = caught_error([&] { beneath::split_relative(bad); });
        CHECK(e.code() == Exit::usage);
        CHECK_THAT(e.what(), Catch::StartsWith("path '"));
    }
    CHECK_THROWS(beneath::split_relative(std::string("a\0b", 3)));
}

TEST_CASE("resolve: links that stay inside the root are followed, others refused", "[beneath]") {
    TempDir t;
    const fs::path root = t.path() / "root";
    fs::create_directories(root / "real/sub");
    fs::create_directories(t.path() / "outside");
    fs::create_directory_symlink("real", root / "inside");
    fs::create_directory_symlink("../outside", root / "up");
    fs::create_directory_symlink(t.path() / "outside", root / "absolute");
    const beneath::Dir dir = beneath::open_root(root);

    CHECK(beneath::resolve(dir.fd(), {"inside", "sub"}, "inside/sub/f") == Parts{"real", "sub"});
    CHECK(beneath::resolve(dir.fd(), {"new", "dirs"}, "new/dirs/f") == Parts{"new", "dirs"});
    for (const auto& [escape, why] :
         {std::pair{"up", "climbs above the root"}, std::pair{"absolute", "leaves the root"}}) {
        const auto e = caught_error([&] { beneath::resolve(dir.fd(), {escape}, "x"); });
        CHECK(e.code() == Exit::usage);
        CHECK_THAT(e.what(), Catch::Contains(why));
    }
    std::ofstream(root / "file") << "x";
    CHECK_THAT(caught_error([&] {
                   beneath::resolve(dir.fd(), {"file", "x"}, "file/x/y");
               }).what(),
               Catch::Contains("is not a directory"));
}

TEST_CASE("open_dir creates what is missing and never follows a link", "[beneath]") {
    TempDir t;
    const fs::path root = t.path() / "root";
    fs::create_directories(root / "a");
    const beneath::Dir dir = beneath::open_root(root);
    Parts created;
    const beneath::Dir made = beneath::open_dir(dir.fd(), {"a", "b", "c"}, true, &created);
    CHECK(made.is_open());
    CHECK(created == Parts{"a/b", "a/b/c"});
    CHECK(fs::is_directory(root / "a/b/c"));

    fs::create_directories(t.path() / "elsewhere");
    fs::create_directory_symlink(t.path() / "elsewhere", root / "link");
    CHECK(caught_error([&] {
              beneath::open_dir(dir.fd(), {"link", "d"}, true);
          }).code() == Exit::usage);
    CHECK_FALSE(fs::exists(t.path() / "elsewhere/d"));
}

TEST_CASE("files: atomic writes, copies with their sha256, no link followed", "[beneath]") {
    TempDir t;
    const fs::path root = t.path() / "root";
    fs::create_directories(root);
    const beneath::Dir dir = beneath::open_root(root);
    beneath::write_file_atomic(dir.fd(), "conf", "key = 1\n", 0640);
    CHECK(beneath::read_file_at(dir.fd(), "conf") == "key = 1\n");
    struct stat st {};
    REQUIRE(beneath::stat_at(dir.fd(), "conf", st));
    CHECK((st.st_mode & 07777) == 0640);
    CHECK_FALSE(beneath::stat_at(dir.fd(), "missing", st));

    const std::string sum = beneath::copy_file(dir.fd(), "conf", dir.fd(), "copy", 0600);
    CHECK(sum == swd::digest::sha256_hex("key = 1\n"));
    CHECK(beneath::sha256_at(dir.fd(), "copy") == sum);
    CHECK(beneath::temp_name("copy").starts_with(".swd-tmp."));

    std::ofstream(t.path() / "secret") << "secret\n";
    fs::create_symlink(t.path() / "secret", root / "link");
    CHECK(caught_error([&] { beneath::read_file_at(dir.fd(), "link"); }).code() == Exit::config);
    CHECK(caught_error([&] { beneath::sha256_at(dir.fd(), "link"); }).code() == Exit::config);
    beneath::remove_tree(root);
    CHECK_FALSE(fs::exists(root));
    CHECK(fs::exists(t.path() / "secret"));
}
