#include <catch2/catch.hpp>

#include "caught_error.hpp"
#include "libcore/package/store.hpp"
#include "pkg_fixture.hpp"

namespace {

using swd::test::error_of;
using swd::test::TempDir;
namespace package = swd::package;

}  // namespace

TEST_CASE("the package store takes directories and tarballs, verified", "[package]") {
    TempDir tmp;
    package::Store store(tmp.path() / "store");
    const auto dir = tmp.path() / "src/p-1";
    swd::test::make_package(dir, "p", "1", {{"payload/a.txt", "opt/a.txt", "alpha\n", "", ""}});
    const auto added = store.add(dir);
    CHECK(added.dir == tmp.path() / "store/p-1");
    CHECK(store.find("p-1"));
    CHECK_FALSE(store.find("p-2"));
    CHECK_FALSE(store.find("../p-1"));
    CHECK_NOTHROW(store.add(dir));  // the same package again

    // A tarball of another package, with its directory on top.
    const auto manifest = swd::test::read_file(dir / "swd-package.xml");
    std::string q_manifest = manifest;
    q_manifest.replace(q_manifest.find("NAME=\"p\""), 8, "NAME=\"q\"");
    swd::test::write_gzip(tmp.path() / "q-1.tar.gz",
                          swd::test::tar_bytes({{"q-1/swd-package.xml", q_manifest},
                                                {"q-1/payload/a.txt", "alpha\n"}}));
    CHECK(store.add(tmp.path() / "q-1.tar.gz").manifest.id() == "q-1");
    CHECK(store.list().size() == 2);

    // Same id, other manifest: refused. Bad checksum: refused, nothing left behind.
    swd::test::make_package(tmp.path() / "other", "p", "1",
                            {{"payload/a.txt", "opt/b.txt", "alpha\n", "", ""}});
    CHECK_THAT(error_of([&] { store.add(tmp.path() / "other"); }),
               Catch::Contains("already in the store"));
    swd::test::make_package(tmp.path() / "bad", "r", "1",
                            {{"payload/a.txt", "opt/a.txt", "alpha\n", "", ""}});
    swd::test::write_file(tmp.path() / "bad/payload/a.txt", "changed\n");
    CHECK_THAT(error_of([&] { store.add(tmp.path() / "bad"); }),
               Catch::Contains("sha256 mismatch"));
    std::filesystem::create_symlink("/etc/passwd", tmp.path() / "src/p-1/evil");
    std::filesystem::remove_all(tmp.path() / "store/p-1");
    CHECK_THAT(error_of([&] { store.add(dir); }),
               Catch::Contains("symbolic links are not allowed"));
    int entries = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(tmp.path() / "store"))
        ++entries;
    CHECK(entries == 1);  // q-1 only: no temporary directory left
    CHECK(store.remove("q-1"));
    CHECK_FALSE(store.remove("q-1"));
}
