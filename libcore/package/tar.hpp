// Package tarballs: a tar of a package directory unpacked into an empty directory, with
// nothing but regular files and directories allowed in it.
#pragma once

#include <filesystem>

namespace swd::package {

/// Unpacks a tar (ustar/GNU/pax; plain or gzip) into the existing empty directory `dest`.
/// Only regular files and directories are accepted; a link, device or FIFO entry, an absolute
/// or ".." name, a duplicate, or a truncated archive is an error:
/// Error(Exit::usage, "TARBALL: why").
void unpack(const std::filesystem::path& tarball, const std::filesystem::path& dest);

}  // namespace swd::package
