// The package store of an intermediate server: one verified package directory per id, added
// from a package directory or a tarball of one.
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "libcore/package/manifest.hpp"

namespace swd::package {

/// The package store: one verified directory per package id below `store`.
class Store {
  public:
    explicit Store(std::filesystem::path dir) : dir_(std::move(dir)) {}
    const std::filesystem::path& dir() const { return dir_; }

    /// Adds the package at `source` (directory or tarball): unpacks or copies it into a
    /// temporary directory inside the store, verifies every payload checksum, then renames it
    /// to STORE/<id>. Adding the same package again (same manifest) is fine; another package
    /// with the same id is an error. Symbolic links and special files in a source directory
    /// are refused. Returns the stored package.
    Package add(const std::filesystem::path& source);

    /// The stored package with this id, or nullopt.
    std::optional<Package> find(std::string_view id) const;

    /// Every stored package, by id.
    std::vector<Package> list() const;

    /// Removes a package; false when it is not in the store.
    bool remove(std::string_view id);

  private:
    std::filesystem::path dir_;
};

}  // namespace swd::package
