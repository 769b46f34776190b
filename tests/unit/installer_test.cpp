#include "libcore/package/installer.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "libcore/base/error.hpp"
#include "libcore/package/manifest.hpp"
#include "pkg_fixture.hpp"

namespace {

using swd::installer::Outcome;
using swd::test::Payload;
using swd::test::read_file;
using swd::test::TempDir;
using swd::test::write_file;
namespace installer = swd::installer;
namespace package = swd::package;

struct Fixture {
    TempDir tmp;
    std::filesystem::path root = tmp.path() / "root";
    std::filesystem::path pkgs = tmp.path() / "pkgs";
    installer::Target target;
    installer::Options options;

    Fixture() {
        std::filesystem::create_directories(root);
        target.root = root;
        target.name = "pos-0042";
        target.params = {"replace"};
        options.by = "R-test";
        options.resolve = [this](const std::string& id) -> std::optional<package::Package> {
            std::error_code ec;
            if (std::filesystem::exists(pkgs / id / "swd-package.xml", ec))
                return package::open(pkgs / id);
            return std::nullopt;
        };
    }

    package::Package make(const std::string& name, const std::string& version,
                          const std::vector<Payload>& files, const std::string& impl = "") {
        const auto dir = pkgs / (name + "-" + version);
        swd::test::make_package(dir, name, version, files, impl);
        return package::open(dir);
    }

    Outcome install(const package::Package& p) { return installer::install(p, target, options); }
};

/// A tmpfs mounted on `dir` while it lives (root only: mounted() is false where the test cannot
/// mount, and the test then says so and checks nothing).
class Tmpfs {
  public:
    Tmpfs(const std::filesystem::path& dir, const char* options) : dir_(dir) {
        mounted_ = ::geteuid() == 0 && ::mount("tmpfs", dir.c_str(), "tmpfs", 0, options) == 0;
    }
    ~Tmpfs() {
        if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
    }
    Tmpfs(const Tmpfs&) = delete;
    Tmpfs& operator=(const Tmpfs&) = delete;
    bool mounted() const { return mounted_; }
    bool read_only() {
        return ::mount(nullptr, dir_.c_str(), nullptr, MS_REMOUNT | MS_RDONLY, nullptr) == 0;
    }

  private:
    std::filesystem::path dir_;
    bool mounted_ = false;
};

struct Snapshot {
    std::string content;
    mode_t mode;
    timespec mtime;
};

Snapshot snap(const std::filesystem::path& p) {
    struct stat st {};
    ::lstat(p.c_str(), &st);
    return {read_file(p), static_cast<mode_t>(st.st_mode & 07777), st.st_mtim};
}

}  // namespace

TEST_CASE("install places files with modes, a second install changes nothing", "[installer]") {
    Fixture f;
    const auto p =
        f.make("pkg-a", "1.2",
               {{"payload/hello.txt", "opt/pkg-a/hello.txt", "hello\n", "", ""},
                {"payload/run", "opt/pkg-a/bin/run", "#!/bin/sh\n", "",
                 "<ACL Attrib=\"RWX\" Name=\"$USER\"/><ACL Attrib=\"RX\" Group=\"$GROUP\"/>"}});
    const auto out = f.install(p);
    REQUIRE(out.status == Outcome::Status::installed);
    CHECK(out.installed == std::vector<std::string>{"pkg-a-1.2"});
    CHECK(read_file(f.root / "opt/pkg-a/hello.txt") == "hello\n");
    CHECK(swd::test::mode_of(f.root / "opt/pkg-a/hello.txt") == 0644);
    CHECK(swd::test::mode_of(f.root / "opt/pkg-a/bin/run") == 0750);
    const auto rec = installer::find(f.root, "pkg-a-1.2");
    REQUIRE(rec);
    CHECK(rec->status == "installed");
    CHECK(rec->by == "R-test");
    CHECK(rec->install_id == out.install_id);

    const auto before = snap(f.root / "opt/pkg-a/hello.txt");
    const auto record_before = read_file(f.root / "var/lib/swd/installed/pkg-a-1.2.json");
    const auto again = f.install(p);
    CHECK(again.status == Outcome::Status::already_installed);
    CHECK(again.install_id == out.install_id);
    const auto after = snap(f.root / "opt/pkg-a/hello.txt");
    CHECK(after.mtime.tv_sec == before.mtime.tv_sec);
    CHECK(after.mtime.tv_nsec == before.mtime.tv_nsec);
    CHECK(read_file(f.root / "var/lib/swd/installed/pkg-a-1.2.json") == record_before);
}

TEST_CASE("backups and undo restore byte-identical files, modes and links", "[installer]") {
    Fixture f;
    // What is on the target before: a config with odd mode and mtime, a file identical to the
    // payload but with another mode, a link, and no opt/ at all.
    write_file(f.root / "etc/app.conf", std::string("old\0config\n", 11), 0600);
    const timespec old_times[2] = {{1000000000, 0}, {1000000000, 123456789}};
    ::utimensat(AT_FDCWD, (f.root / "etc/app.conf").c_str(), old_times, 0);
    write_file(f.root / "etc/same.txt", "same\n", 0664);
    std::filesystem::create_symlink("app.conf", f.root / "etc/link");
    const auto conf_before = snap(f.root / "etc/app.conf");

    const auto p =
        f.make("app", "1",
               {{"p/app.conf", "etc/app.conf", "new config\n", "", ""},
                {"p/same.txt", "etc/same.txt", "same\n", "", ""},
                {"p/link", "etc/link", "now a file\n", "", ""},
                {"p/bin", "opt/app/bin/tool", "tool\n", "", ""},
                {"p/keep", "etc/keep.conf", "package default\n", "Overwrite=\"N\"", ""}});
    write_file(f.root / "etc/keep.conf", "local edit\n");
    REQUIRE(f.install(p).status == Outcome::Status::installed);
    CHECK(read_file(f.root / "etc/app.conf") == "new config\n");
    CHECK(swd::test::mode_of(f.root / "etc/same.txt") == 0644);
    CHECK(read_file(f.root / "etc/link") == "now a file\n");
    CHECK(read_file(f.root / "etc/keep.conf") == "local edit\n");
    CHECK(read_file(f.root / "var/lib/swd/backup/app-1/etc/app.conf") ==
          std::string("old\0config\n", 11));

    const auto out = installer::undo(f.target, "app-1");
    REQUIRE(out.status == Outcome::Status::undone);
    const auto conf_after = snap(f.root / "etc/app.conf");
    CHECK(conf_after.content == conf_before.content);
    CHECK(conf_after.mode == 0600);
    CHECK(conf_after.mtime.tv_sec == conf_before.mtime.tv_sec);
    CHECK(conf_after.mtime.tv_nsec == conf_before.mtime.tv_nsec);
    CHECK(swd::test::mode_of(f.root / "etc/same.txt") == 0664);
    CHECK(std::filesystem::is_symlink(f.root / "etc/link"));
    CHECK(std::filesystem::read_symlink(f.root / "etc/link") == "app.conf");
    CHECK(read_file(f.root / "etc/keep.conf") == "local edit\n");
    CHECK_FALSE(std::filesystem::exists(f.root / "opt"));  // created by the install: gone
    CHECK_FALSE(std::filesystem::exists(f.root / "var/lib/swd/backup/app-1"));
    CHECK_FALSE(installer::find(f.root, "app-1"));
    CHECK(installer::undo(f.target, "app-1").status == Outcome::Status::not_installed);
}

TEST_CASE("undo removes the directories made for a BACKUP location, and only those",
          "[installer]") {
    Fixture f;
    write_file(f.root / "etc/app.conf", "old\n", 0640);
    write_file(f.root / "var/backups/other/keep", "someone else's\n");
    const auto p =
        f.make("app", "2",
               {{"p/app.conf", "etc/app.conf", "new\n", "BACKUP=\"var/backups/app\"", ""},
                {"p/x", "var/backups/other/x.conf", "x\n", "", ""}});
    REQUIRE(f.install(p).status == Outcome::Status::installed);
    CHECK(read_file(f.root / "var/backups/app/etc/app.conf") == "old\n");
    const auto rec = installer::find(f.root, "app-2");
    REQUIRE(rec);
    CHECK(rec->json.find(R"("backup_dirs":["var/backups/app","var/backups/app/etc"])") !=
          std::string::npos);

    REQUIRE(installer::undo(f.target, "app-2").status == Outcome::Status::undone);
    CHECK(read_file(f.root / "etc/app.conf") == "old\n");
    CHECK(swd::test::mode_of(f.root / "etc/app.conf") == 0640);
    CHECK_FALSE(std::filesystem::exists(f.root / "var/backups/app"));
    CHECK_FALSE(std::filesystem::exists(f.root / "var/backups/other/x.conf"));
    CHECK(read_file(f.root / "var/backups/other/keep") == "someone else's\n");
}

TEST_CASE("dependencies: install ones go first, asset ones must be present", "[installer]") {
    Fixture f;
    f.make("base", "1", {{"p/base", "opt/base", "base\n", "", ""}});
    f.make("lib", "2", {{"p/lib", "opt/lib", "lib\n", "", ""}},
           "<DEPENDENCY TYPE=\"install\" NAME=\"base\" VERSION=\"1\"/>");
    const auto app = f.make("app", "3", {{"p/app", "opt/app", "app\n", "", ""}},
                            "<DEPENDENCY TYPE=\"install\" NAME=\"lib\" VERSION=\"2\"/>"
                            "<DEPENDENCY TYPE=\"install\" NAME=\"base\" VERSION=\"1\"/>");
    const auto out = f.install(app);
    INFO(out.detail);
    REQUIRE(out.status == Outcome::Status::installed);
    CHECK(out.installed == std::vector<std::string>{"base-1", "lib-2", "app-3"});
    const auto recs = installer::installed(f.root);
    CHECK(recs.size() == 3);
    CHECK(installer::find(f.root, "base-1")->started <= installer::find(f.root, "lib-2")->started);

    const auto needs = f.make("plugin", "1", {{"p/x", "opt/plugin", "x\n", "", ""}},
                              "<DEPENDENCY TYPE=\"asset\" NAME=\"office\"/>");
    const auto refused = f.install(needs);
    CHECK(refused.status == Outcome::Status::failed);
    CHECK(refused.failure == "package");
    CHECK_THAT(refused.detail, Catch::Contains("asset dependency office is not installed"));
    CHECK_FALSE(std::filesystem::exists(f.root / "opt/plugin"));
    const auto missing = f.make("orphan", "1", {{"p/x", "opt/orphan", "x\n", "", ""}},
                                "<DEPENDENCY TYPE=\"install\" NAME=\"nowhere\" VERSION=\"9\"/>");
    CHECK_THAT(f.install(missing).detail, Catch::Contains("nowhere-9 is not available"));
}

TEST_CASE("paths that escape the root through links are refused before anything is written",
          "[installer]") {
    Fixture f;
    const auto outside = f.tmp.path() / "outside";
    std::filesystem::create_directories(outside);
    std::filesystem::create_symlink(outside, f.root / "opt");  // absolute link out of the root
    std::filesystem::create_directories(f.root / "srv");
    std::filesystem::create_symlink("../../outside", f.root / "srv/up");  // climbs out
    const auto evil = f.make(
        "evil", "1",
        {{"p/a", "usr/share/ok.txt", "fine\n", "", ""}, {"p/b", "opt/passwd", "pwned\n", "", ""}});
    const auto out = f.install(evil);
    CHECK(out.status == Outcome::Status::failed);
    CHECK(out.failure == "package");
    CHECK_THAT(out.detail, Catch::Contains("leaves the root"));
    CHECK_FALSE(std::filesystem::exists(outside / "passwd"));
    CHECK_FALSE(
        std::filesystem::exists(f.root / "usr"));  // nothing written, not even the first file
    CHECK_FALSE(std::filesystem::exists(f.root / "var"));  // nor the record directory

    const auto climb = f.make("climb", "1", {{"p/c", "srv/up/x", "pwned\n", "", ""}});
    CHECK_THAT(f.install(climb).detail, Catch::Contains("climbs above the root"));
    CHECK(std::filesystem::is_empty(outside));

    // A link that stays inside the root is followed (merged /usr layouts).
    std::filesystem::create_directories(f.root / "usr/lib");
    std::filesystem::create_symlink("usr/lib", f.root / "lib");
    const auto inner = f.make("inner", "1", {{"p/l", "lib/libx.so", "elf\n", "", ""}});
    REQUIRE(f.install(inner).status == Outcome::Status::installed);
    CHECK(read_file(f.root / "usr/lib/libx.so") == "elf\n");
}

TEST_CASE("scripts run as argv with the package's environment, a failure rolls back",
          "[installer]") {
    Fixture f;
    write_file(f.pkgs / "s-1/scripts/note.sh",
               "#!/bin/sh\nprintf '%s|%s|%s|%s|%s|%s\\n' \"$1\" \"$SWD_PACKAGE\" \"$SWD_TARGET\" "
               "\"$SWD_PARAMS\" \"$(pwd)\" \"$SWD_ACTION\" >> \"$SWD_ROOT/log\"\n",
               0755);
    const auto s = f.make("s", "1", {{"p/x", "opt/x", "x\n", "", ""}},
                          "<SCRIPT TYPE=\"pre\">scripts/note.sh 'pre; rm -rf /'</SCRIPT>"
                          "<SCRIPT TYPE=\"command\">scripts/note.sh command</SCRIPT>"
                          "<SCRIPT TYPE=\"post\">scripts/note.sh post</SCRIPT>");
    REQUIRE(f.install(s).status == Outcome::Status::installed);
    const auto root = std::filesystem::canonical(f.root).string();
    CHECK(read_file(f.root / "log") == "pre; rm -rf /|s-1|pos-0042|replace|" + root + "|install\n" +
                                           "command|s-1|pos-0042|replace|" + root + "|install\n" +
                                           "post|s-1|pos-0042|replace|" + root + "|install\n");

    write_file(f.root / "etc/conf", "before\n");
    write_file(f.pkgs / "bad-1/scripts/fail.sh", "#!/bin/sh\necho 'cannot configure' >&2\nexit 3\n",
               0755);
    const auto bad = f.make(
        "bad", "1", {{"p/c", "etc/conf", "after\n", "", ""}, {"p/n", "opt/new", "n\n", "", ""}},
        "<SCRIPT TYPE=\"post\">scripts/fail.sh</SCRIPT>");
    const auto out = f.install(bad);
    CHECK(out.status == Outcome::Status::failed);
    CHECK(out.failure == "install");
    CHECK_THAT(out.detail, Catch::Contains("post script failed: exit 3: cannot configure"));
    CHECK(read_file(f.root / "etc/conf") == "before\n");
    CHECK_FALSE(std::filesystem::exists(f.root / "opt/new"));
    CHECK_FALSE(installer::find(f.root, "bad-1"));

    const auto slow = f.make("slow", "1", {{"p/s", "opt/slow", "s\n", "", ""}},
                             "<SCRIPT TYPE=\"command\" TIMEOUT=\"1s\">/bin/sleep 5</SCRIPT>");
    const auto timed = f.install(slow);
    CHECK(timed.failure == "timeout");
    CHECK_FALSE(std::filesystem::exists(f.root / "opt/slow"));
}

TEST_CASE("constraints: OS, architecture and free disk", "[installer]") {
    Fixture f;
    const auto other_os = f.make("w", "1", {{"p/w", "w", "w\n", "", ""}}, "<OS VALUE=\"win2k\"/>");
    CHECK_THAT(f.install(other_os).detail, Catch::Contains("for OS win2k"));
    const auto other_arch =
        f.make("v", "1", {{"p/v", "v", "v\n", "", ""}}, "<PROCESSOR VALUE=\"sparc64\"/>");
    f.target.arch = "x86_64";
    CHECK_THAT(f.install(other_arch).detail, Catch::Contains("architecture sparc64"));
    const auto huge = f.make("h", "1", {{"p/h", "h", "h\n", "", ""}},
                             "<DISKSIZE VALUE=\"18446744073709551615\"/>");
    const auto out = f.install(huge);
    CHECK(out.failure == "disk");
    CHECK(std::filesystem::is_empty(f.root));
}

TEST_CASE("an install killed in the middle resumes where it stopped", "[installer]") {
    Fixture f;
    write_file(f.root / "etc/conf", "original\n", 0640);
    // The command script kills the installing process, then notes that it ran.
    write_file(f.pkgs / "k-1/scripts/crash.sh",
               "#!/bin/sh\nif [ ! -e \"$SWD_ROOT/crashed\" ]; then : > \"$SWD_ROOT/crashed\"; kill "
               "-9 $PPID; fi\n"
               "echo ran >> \"$SWD_ROOT/runs\"\n",
               0755);
    const auto k = f.make("k", "1", {{"p/c", "etc/conf", "new\n", "", ""}},
                          "<SCRIPT TYPE=\"command\">scripts/crash.sh</SCRIPT>");
    const pid_t child = ::fork();
    if (child == 0) {
        installer::install(k, f.target, f.options);
        ::_exit(0);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    REQUIRE(WIFSIGNALED(status));
    const auto partial = installer::find(f.root, "k-1");
    REQUIRE(partial);
    CHECK(partial->status == "partial");

    const auto out = f.install(k);
    REQUIRE(out.status == Outcome::Status::installed);
    CHECK(out.install_id == partial->install_id);
    CHECK(read_file(f.root / "etc/conf") == "new\n");
    // Undo still knows the state from before the interrupted attempt.
    REQUIRE(installer::undo(f.target, "k-1").status == Outcome::Status::undone);
    CHECK(read_file(f.root / "etc/conf") == "original\n");
    CHECK(swd::test::mode_of(f.root / "etc/conf") == 0640);
}

TEST_CASE("a full file system is a disk failure, a read-only one an access failure, by errno",
          "[installer]") {
    Fixture f;
    const auto p = f.make("pkg-f", "1",
                          {{"p/a", "opt/f/a", "a\n", "", ""},
                           {"p/b", "opt/f/b", "b\n", "", ""},
                           {"p/c", "opt/f/c", "c\n", "", ""},
                           {"p/d", "opt/f/d", "d\n", "", ""}});
    {
        // Room for bytes (the free-disk check passes) but for only a few inodes: the install
        // runs out of space (ENOSPC) while writing.
        Tmpfs full(f.root, "size=1m,nr_inodes=6");
        if (!full.mounted()) {
            WARN("cannot mount a tmpfs here (not root, or not allowed): not checked");
            return;
        }
        const auto out = f.install(p);
        CHECK(out.status == Outcome::Status::failed);
        CHECK(out.failure == "disk");
        CHECK_THAT(out.detail, Catch::Contains(swd::errno_text(ENOSPC)));
    }
    {
        Tmpfs read_only(f.root, "size=1m");
        REQUIRE(read_only.mounted());
        REQUIRE(read_only.read_only());
        const auto out = f.install(p);
        CHECK(out.status == Outcome::Status::failed);
        CHECK(out.failure == "access");
        CHECK_THAT(out.detail, Catch::Contains(swd::errno_text(EROFS)));
    }
}
