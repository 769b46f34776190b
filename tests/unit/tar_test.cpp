#include "libcore/package/tar.hpp"

#include <catch2/catch.hpp>

#include "caught_error.hpp"
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
