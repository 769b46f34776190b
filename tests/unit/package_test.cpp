#include <catch2/catch.hpp>

#include "caught_error.hpp"
#include "libcore/base/error.hpp"
#include "libcore/package/manifest.hpp"
#include "pkg_fixture.hpp"

namespace {

using swd::test::error_of;

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
