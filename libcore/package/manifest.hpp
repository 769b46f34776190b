// Package manifests (DESIGN §7, seed 003's SOFTPKG): swd-package.xml read and checked, and a
// package directory opened with its manifest and its payload checksums verified.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace swd::package {

/// The manifest's file name inside a package.
inline constexpr const char* manifest_name = "swd-package.xml";

/// Unix mode and owner from the SOFTPKG ACL elements. The attribute letters map as R=4, W=2,
/// X=1, M (modify) = R+W+X; H, S and A have no Unix meaning and are ignored. `$USER`, `$GROUP`
/// and `$OTHER` set the owner, group and other bits; any other Name= / Group= also names the
/// owning user / group (applied when the installer runs as root).
struct Access {
    std::optional<mode_t> mode;  ///< nullopt: no ACL given (0644 for files, 0755 for directories)
    std::string owner;
    std::string group;
};

struct Dependency {
    enum class Kind { asset, install };
    Kind kind = Kind::install;
    std::string name;     ///< package name ("pkg-a") or id ("pkg-a-1.2")
    std::string version;  ///< empty: any version
    /// "pkg-a-1.2", or the name alone when no version is given.
    std::string id() const { return version.empty() ? name : name + "-" + version; }
};

struct File {
    std::string source;       ///< relative to the package directory
    std::string destination;  ///< relative to the target root
    bool overwrite = true;    ///< Overwrite="N": an existing destination is left alone
    std::string backup_dir;   ///< relative to the root; empty: var/lib/swd/backup/<package id>
    std::string sha256;       ///< lower-case hex, required
    std::vector<std::string> urls;  ///< mirrors the payload can be fetched from
    Access access;
};

struct Directory {
    std::string destination;
    Access access;
};

struct Script {
    std::string command;  ///< argv template, split once with process::split_words
    std::optional<std::chrono::seconds> timeout;
};

struct Manifest {
    std::string name;     ///< "pkg-a"
    std::string version;  ///< "1.2"
    std::string title;
    std::vector<std::string> os;        ///< lower-case; empty: any
    std::vector<std::string> arch;      ///< normalised (x86_64, aarch64, ...); empty: any
    std::vector<std::string> language;  ///< empty: any
    std::uint64_t disk_bytes = 0;       ///< minimum free space in the target root
    std::vector<Dependency> dependencies;
    std::vector<Directory> directories;
    std::vector<File> files;
    std::optional<Script> pre, command, post;

    /// "pkg-a-1.2": how packages are named in requests, the store and install records.
    std::string id() const { return name + "-" + version; }
};

/// A package on disk: its manifest and the directory holding it.
struct Package {
    Manifest manifest;
    std::filesystem::path dir;
    std::string manifest_sha256;  ///< of swd-package.xml, to tell two packages of one id apart
};

/// Throws Error(Exit::usage, "package name 'X': why") unless `name` is 1-128 characters of
/// [A-Za-z0-9._+-] not starting with '.' or '-' (ids, names and versions all follow this).
void check_name(std::string_view what, std::string_view name);

/// "x86_64" for amd64/x86_64, "aarch64" for arm64/aarch64, "i686" for i386..i686/x86; others
/// lower-cased.
std::string normalise_arch(std::string_view arch);

/// Parses a manifest. Element and attribute names are matched case-insensitively and an XML
/// namespace prefix (GX:) is ignored, so seed 003's SOFTPKG examples read as they are.
/// Every path is checked with beneath::split_relative. Throws Error(Exit::usage,
/// "ORIGIN: why") for malformed XML, elements nested deeper than xml::max_depth (256) levels,
/// a missing name/version/sha256, a bad path or attribute.
Manifest parse_manifest(std::string_view xml, const std::string& origin);

/// Reads DIR/swd-package.xml. Throws Error(Exit::usage, "DIR: why").
Package open(const std::filesystem::path& dir);

/// Checks that every payload file exists below the package directory (no link on the way) and
/// matches its sha256. Throws Error(Exit::usage, "PACKAGE: FILE: sha256 mismatch (...)").
void verify(const Package& pkg);

}  // namespace swd::package
