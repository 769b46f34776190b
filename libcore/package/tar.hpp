// Package tarballs: a tar of a package directory unpacked into an empty directory, with
// nothing but regular files and directories allowed in it.
#pragma once

#include <filesystem>

namespace swd::package {

/// Unpacks a tar (ustar, GNU or pax, long names included; plain or compressed with any filter
/// libarchive reads: gzip, bzip2, xz, zstd, ...) into the existing empty directory `dest`,
/// streaming each file to disk. Only regular files and directories are accepted; a link,
/// device, FIFO or socket entry, an absolute or ".." name, a duplicate, a damaged or truncated
/// archive, or one without its end-of-archive marker is an error: Error(Exit::usage, "why") on
/// one line (control characters of a member name escaped; the caller names the tarball). A file
/// that is no archive at all is "not a package directory or tarball". What was unpacked before
/// the error stays in `dest` for the caller to remove.
void unpack(const std::filesystem::path& tarball, const std::filesystem::path& dest);

}  // namespace swd::package
