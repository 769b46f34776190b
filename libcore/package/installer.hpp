// The installer (DESIGN §7): puts a package into a target root and takes it out again.
//
// install: constraints (OS, architecture, language, free disk) → `asset` dependencies present →
// `install` dependencies installed first → every manifest path checked to stay inside the root
// (before anything is written) → backups of what will change → `pre` script → directories and
// files (temporary file, fsync, atomic rename; mode and owner from the ACL letters) → `command`
// script → `post` script. What was done is kept on the target in
// ROOT/var/lib/swd/installed/<id>.json, written before the first change and updated after each
// phase, so that
//   - a second install of the same package is "already installed" (success, nothing changed);
//   - an install interrupted by a crash is resumed where it stopped (a script that was running
//     then is run again: scripts must be idempotent, like dpkg maintainer scripts);
//   - a failed install is rolled back at once;
//   - undo restores the previous state: byte-identical files with their modes, owners and
//     modification times, links as they were, and removes files and directories that did not
//     exist before.
// Scripts run as argv (split once, never a shell) with a timeout, in the root, with SWD_PACKAGE,
// SWD_PACKAGE_DIR, SWD_TARGET, SWD_ROOT, SWD_PARAMS (comma-separated) and SWD_ACTION=install in
// their environment. The installer holds an exclusive lock on the root's record directory while
// it works, prints nothing, and is safe to call from several threads for different roots.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libcore/package/manifest.hpp"

namespace swd::installer {

/// Where the records live, relative to the root.
inline constexpr const char* records_dir = "var/lib/swd/installed";
/// Default backup location, relative to the root (then /<package id>/<destination>).
inline constexpr const char* backups_dir = "var/lib/swd/backup";

struct Target {
    std::filesystem::path root;       ///< must exist
    std::string name;                 ///< the endpoint's name, for scripts (SWD_TARGET)
    std::vector<std::string> params;  ///< per-target parameters ("replace"), for scripts
    std::string os;                   ///< lower-case ("linux"); empty: this host's
    std::string arch;                 ///< empty: this host's
    std::string language;             ///< empty: not checked
};

/// How an install or undo ended.
struct Outcome {
    enum class Status { installed, already_installed, undone, not_installed, failed };
    Status status = Status::failed;
    /// For failures, the alert vocabulary: "package" (bad or refused package, unmet
    /// constraint or dependency), "disk", "access", "timeout", "install".
    std::string failure;
    std::string detail;                  ///< one line for people
    std::string install_id;              ///< the record's id: the same for a resumed install
    std::vector<std::string> installed;  ///< ids installed by this call, dependencies first

    bool ok() const { return status != Status::failed; }
};

/// Finds a package for an `install` dependency: by id ("pkg-a-1.2"), or by name when the
/// dependency gives no version. nullopt when there is none.
using Resolver = std::function<std::optional<package::Package>(const std::string& name_or_id)>;

struct Options {
    Resolver resolve;                          ///< unset: install dependencies must be present
    std::chrono::seconds script_timeout{600};  ///< when the manifest gives none
    std::string by;                            ///< who asked ("R-20261121-000001"), recorded
};

/// Installs `pkg` (see the file comment). Never throws for a failed install: the Outcome says
/// why (the target is then as it was before, but for what scripts did).
Outcome install(const package::Package& pkg, const Target& target, const Options& options);

/// Undoes the install of package `id` (see the file comment); not_installed when there is no
/// record. Never throws: failures are in the Outcome.
Outcome undo(const Target& target, std::string_view id);

/// One install record, as kept on the target.
struct Record {
    std::string id, name, version;
    std::string status;  ///< "installed", or "partial" for an install in progress or interrupted
    std::string install_id;
    std::string by;
    std::string started, installed_at;
    std::string json;  ///< the record as stored (one JSON object)
};

/// The records below `root`, by id. Throws Error(Exit::config) when they cannot be read.
std::vector<Record> installed(const std::filesystem::path& root);

/// The record of `id`, or nullopt.
std::optional<Record> find(const std::filesystem::path& root, std::string_view id);

}  // namespace swd::installer
