// What the administrator of a queue keeps: its endpoints (targets), its package store, and the
// undo of a package's install on a `local:` target.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <string>
#include <vector>

#include "libcore/base/state.hpp"
#include "libcore/base/time.hpp"
#include "libcore/package/manifest.hpp"
#include "libcore/package/store.hpp"
#include "libcore/queue/db.hpp"
#include "libcore/queue/distlog.hpp"

namespace swd::queue {

/// The `target` record (swd-records(5)).
std::string target_record(const Target& t);

/// The targets `targets add` registers, not stored yet: one per name, each `proto` (transport,
/// commands, address, ...) with its name, "{target}" in a `local:` transport replaced by the
/// name, added at `ts`. Throws Error(Exit::usage) for a bad name or transport.
std::vector<Target> new_targets(const std::vector<std::string>& names, const Target& proto,
                                const std::string& ts);

/// Removes the target `name` inside the caller's transaction; with `dry`, only checks. Throws
/// Error(Exit::negative, "NAME: why") while requests are queued for it (incoming, active, hold,
/// pull) and, not dry, when there is no such target.
void retire_target(SQLite::Database& db, const std::string& name, bool dry = false);

/// The `package` record.
std::string package_record(const package::Package& p);

/// Verifies and adds the package at `path` (a directory or a tarball) to `store`. With `dry`, it
/// is verified in a scratch store that is thrown away, and returned with `dir` the path given.
/// Throws as package::Store::add: Error(Exit::usage) or Error(Exit::config) for a bad package.
package::Package add_package(package::Store& store, const std::string& path, bool dry = false);

/// Removes a package from `store` (with `dry`, only looks for it); false when it is not there.
/// Throws Error(Exit::negative) while requests still queued name it, as retire_target does
/// for a target.
bool remove_package(SQLite::Database& db, package::Store& store, const std::string& id,
                    bool dry = false);

/// What an undo did, or with `dry` would do.
struct UndoResult {
    std::string result;  ///< undone, not_installed or failed; with dry would_undo or not_installed
    std::string install_id;  ///< the installer's record of the install, when there is one
    std::string detail;
};

/// The `undo` record of `package` on `target` at `ts`.
std::string undo_record(const std::string& target, const std::string& package, const UndoResult& u,
                        const std::string& ts);

/// Undoes the install of `package` on the `local:` target `name` through the installer, and
/// records it at `now` (unless it was not installed): an SWD_Undo event (an open
/// SWD_Undo_Failed one when it failed) and a distribution log line, both naming the
/// distribution when the install's record names its request. With `dry`, only finds the
/// install. Throws Error(Exit::usage) for a bad package name, an unknown target or one that is
/// not `local:`.
UndoResult undo_install(State& state, distlog::Appender& log, const std::string& name,
                        const std::string& package, timeutil::TimePoint now, bool dry = false);

}  // namespace swd::queue
