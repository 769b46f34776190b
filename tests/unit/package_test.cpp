#include <catch2/catch.hpp>

#include "caught_error.hpp"
#include "libcore/base/error.hpp"
#include "libcore/package/manifest.hpp"
#include "pkg_fixture.hpp"

namespace {

using swd::test::error_of;

using swd::test::Payload;
using swd::test::TarEntry;
using swd::test::TempDir;
namespace package = swd::package;

// Seed 003's SOFTPKG example, with GX: prefixes and nested Destination/URI/URL/FILENAME.
const char* seed_manifest = R"(<?xml version="1.0"?>
<SOFTPKG xmlns:GX="http://www.patchlink.com/standards/osd/update.dtd" NAME="agent" VERSION="2.0"
    GX:ReInstall="N" GX:RollBack="N">
  <TITLE>Windows NT update agent</TITLE>
  <IMPLEMENTATION>
    <OS VALUE="linux"/>
    <PROCESSOR VALUE="amd64"/>
    <DISKSIZE Value="123456"/>
    <DEPENDENCY TYPE="asset" NAME="base-files"/>
    <DEPENDENCY TYPE="install" NAME="libfoo" VERSION="1.0"/>
    <CODEBASE>
      <GX:DIR ModuleID="00000104">
        <GX:Destination><GX:URI><GX:URL>FILE://opt/agent/</GX:URL>
          <GX:ACL Attrib="RWX" Name="$USER"/><GX:ACL Attrib="RX" Group="$GROUP"/>
        </GX:URI></GX:Destination>
      </GX:DIR>
      <GX:FILE Expand="N" Overwrite="N" ModuleID="00000100" SOURCE="payload/HelloWorld.txt"
               SHA256="e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855">
        <GX:Source><GX:URI><GX:URL>https://mirror-1.example.com/HelloWorld.txt</GX:URL></GX:URI></GX:Source>
        <GX:Destination><GX:URI><GX:URL>FILE://opt/agent</GX:URL><GX:FILENAME>HelloWorld.txt</GX:FILENAME>
          <GX:ACL Attrib="RW" Name="operator"/><GX:ACL Attrib="R" Group="staff"/><GX:ACL Attrib="RHSA" Name="$OTHER"/>
        </GX:URI></GX:Destination>
        <GX:Backup><GX:URI><GX:URL>FILE://var/backups/agent</GX:URL></GX:URI></GX:Backup>
      </GX:FILE>
    </CODEBASE>
    <SCRIPT TYPE="pre" TIMEOUT="30s">scripts/pre.sh --quiet</SCRIPT>
    <SCRIPT TYPE="post">/bin/true</SCRIPT>
  </IMPLEMENTATION>
</SOFTPKG>)";

std::string manifest_with_file(const std::string& destination,
                               const std::string& source = "a.txt") {
    return "<SOFTPKG NAME=\"p\" VERSION=\"1\"><IMPLEMENTATION><CODEBASE><FILE SOURCE=\"" + source +
           "\" DESTINATION=\"" + destination +
           "\" "
           "SHA256=\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"/></"
           "CODEBASE>"
           "</IMPLEMENTATION></SOFTPKG>";
}

}  // namespace

TEST_CASE("a seed-shaped SOFTPKG manifest reads with every part", "[package]") {
    const auto m = package::parse_manifest(seed_manifest, "test.xml");
    CHECK(m.id() == "agent-2.0");
    CHECK(m.title == "Windows NT update agent");
    CHECK(m.os == std::vector<std::string>{"linux"});
    CHECK(m.arch == std::vector<std::string>{"x86_64"});
    CHECK(m.disk_bytes == 123456);
    REQUIRE(m.dependencies.size() == 2);
    CHECK(m.dependencies[0].kind == package::Dependency::Kind::asset);
    CHECK(m.dependencies[1].id() == "libfoo-1.0");
    REQUIRE(m.directories.size() == 1);
    CHECK(m.directories[0].destination == "opt/agent/");
    CHECK(*m.directories[0].access.mode == 0750);
    REQUIRE(m.files.size() == 1);
    const auto& f = m.files[0];
    CHECK(f.destination == "opt/agent/HelloWorld.txt");
    CHECK(f.source == "payload/HelloWorld.txt");
    CHECK_FALSE(f.overwrite);
    CHECK(f.backup_dir == "var/backups/agent");
    CHECK(f.urls == std::vector<std::string>{"https://mirror-1.example.com/HelloWorld.txt"});
    CHECK(*f.access.mode == 0644);  // RW user, R group, R other (H S A ignored)
    CHECK(f.access.owner == "operator");
    CHECK(f.access.group == "staff");
    REQUIRE(m.pre);
    CHECK(m.pre->command == "scripts/pre.sh --quiet");
    CHECK(m.pre->timeout == std::chrono::seconds(30));
    CHECK(m.post);
    CHECK_FALSE(m.command);
}

TEST_CASE("manifests with paths that leave the root or bad fields are refused", "[package]") {
    CHECK_THAT(
        error_of([] { package::parse_manifest(manifest_with_file("../../etc/passwd"), "m"); }),
        Catch::Contains("'..' would leave the root"));
    CHECK_THAT(error_of([] { package::parse_manifest(manifest_with_file("/etc/passwd"), "m"); }),
               Catch::Contains("absolute paths are not allowed"));
    CHECK_THAT(
        error_of([] { package::parse_manifest(manifest_with_file("ok", "../outside"), "m"); }),
        Catch::Contains("'..'"));
    CHECK_THAT(error_of([] {
                   package::parse_manifest("<SOFTPKG NAME=\"x;rm -rf\" VERSION=\"1\"/>", "m");
               }),
               Catch::Contains("only letters, digits"));
    CHECK_THAT(error_of([] {
                   package::parse_manifest("<SOFTPKG NAME=\"x\" VERSION=\"1\"><CODEBASE>", "m");
               }),
               Catch::Contains("malformed XML"));
    CHECK_THAT(error_of([] { package::parse_manifest("<PKG/>", "m"); }),
               Catch::Contains("expected <SOFTPKG>"));
    CHECK_THAT(error_of([] {
                   package::parse_manifest(
                       "<SOFTPKG NAME=\"p\" VERSION=\"1\"><CODEBASE><FILE SOURCE=\"a\" "
                       "DESTINATION=\"b\"/></CODEBASE></SOFTPKG>",
                       "m");
               }),
               Catch::Contains("sha256 missing"));
    CHECK_THAT(
        error_of([] {
            package::parse_manifest(
                "<SOFTPKG NAME=\"p\" VERSION=\"1\"><SCRIPT TYPE=\"evil\">x</SCRIPT></SOFTPKG>",
                "m");
        }),
        Catch::Contains("not pre, command or post"));
}

TEST_CASE("a package directory verifies its payload checksums", "[package]") {
    TempDir tmp;
    const auto dir = tmp.path() / "p-1";
    swd::test::make_package(dir, "p", "1", {{"payload/a.txt", "opt/a.txt", "alpha\n", "", ""}});
    const auto pkg = package::open(dir);
    CHECK(pkg.manifest.id() == "p-1");
    CHECK_NOTHROW(package::verify(pkg));
    swd::test::write_file(dir / "payload/a.txt", "tampered\n");
    CHECK_THAT(error_of([&] { package::verify(pkg); }), Catch::Contains("sha256 mismatch"));
}

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
