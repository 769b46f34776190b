#include "libcore/package/tar.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "libcore/base/beneath.hpp"
#include "libcore/base/error.hpp"
#include "libcore/base/fd.hpp"
#include "libcore/base/text.hpp"

namespace swd::package {

namespace {

// A file descriptor closed on destruction.
using Archive = std::unique_ptr<archive, decltype(&archive_read_free)>;

// libarchive's reason for the last failure, on one line.
std::string reason(archive* a) {
    const char* text = archive_error_string(a);
    return one_line(text ? text : "unknown error");
}

// What an entry is when it is neither a regular file nor a directory, or nullptr.
const char* refused_kind(archive_entry* e) {
    if (archive_entry_hardlink(e)) return "hard link";
    switch (archive_entry_filetype(e)) {
        case AE_IFREG:
        case AE_IFDIR:
            return nullptr;
        case AE_IFLNK:
            return "symbolic link";
        case AE_IFCHR:
            return "character device";
        case AE_IFBLK:
            return "block device";
        case AE_IFIFO:
            return "FIFO";
        case AE_IFSOCK:
            return "socket";
        default:
            return "entry of an unknown type";
    }
}

// The entry's name as stored: a pax name that cannot be converted to the locale's character
// set (libarchive warns) is kept as its UTF-8 bytes.
std::string name_of(archive_entry* e) {
    if (const char* n = archive_entry_pathname(e)) return n;
    if (const char* n = archive_entry_pathname_utf8(e)) return n;
    return "";
}

void write_all_fd(int fd, const char* data, std::size_t n, const std::string& name) {
    while (n > 0) {
        const ssize_t w = ::write(fd, data, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            throw errno_error(Exit::config, name, errno);
        }
        data += w;
        n -= static_cast<std::size_t>(w);
    }
}

void unpack_entries(const std::filesystem::path& tarball, const std::filesystem::path& dest) {
    const Fd in(::open(tarball.c_str(), O_RDONLY | O_CLOEXEC));
    if (in.get() < 0) throw Error(Exit::usage, errno_text(errno), errno);
    const Archive reader(archive_read_new(), &archive_read_free);
    archive* a = reader.get();
    if (!a) throw Error(Exit::config, "libarchive: out of memory");
    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    if (archive_read_open_fd(a, in.get(), 65536) != ARCHIVE_OK) {
        if (archive_errno(a) == EILSEQ)  // libarchive's ARCHIVE_ERRNO_FILE_FORMAT on POSIX
            throw Error(Exit::usage, "not a package directory or tarball");
        throw Error(Exit::usage, "truncated, damaged or not a tarball: " + reason(a));
    }

    const auto root = beneath::open_root(dest);
    std::set<std::string> seen;
    std::vector<char> buf(65536);
    std::string after;  // " after 'NAME'": where a damaged header is met
    // Where the last entry's data ended in the tar stream: an archive that ends right there has
    // no end-of-archive marker (libarchive accepts that; a tarball cut at an entry's end would
    // pass unnoticed).
    la_int64_t entries_end = 0;
    archive_entry* e = nullptr;
    for (;;) {
        const int r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF) break;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
            throw Error(Exit::usage,
                        "truncated tarball or damaged header" + after + ": " + reason(a));
        const std::string name = name_of(e);
        if (const char* kind = refused_kind(e))
            throw Error(Exit::usage, "'" + name + "' is a " + kind +
                                         ": only regular files and directories are allowed");
        auto parts = with_context(
            "entry '" + name + "'", [&] { return beneath::split_relative(name); }, Exit::usage);
        const auto key = beneath::join(parts);
        after = " after '" + key + "'";
        if (archive_entry_filetype(e) == AE_IFDIR) {
            beneath::open_dir(root.fd(), parts, true);
            if (archive_read_data_skip(a) != ARCHIVE_OK)
                throw Error(Exit::usage,
                            "truncated tarball or damaged data in '" + key + "': " + reason(a));
            entries_end = archive_filter_bytes(a, 0);
            continue;
        }
        if (!seen.insert(key).second) throw Error(Exit::usage, "duplicate entry '" + key + "'");
        const std::string leaf = parts.back();
        parts.pop_back();
        const auto dir = beneath::open_dir(root.fd(), parts, true);
        const Fd out(::openat(dir.fd(), leaf.c_str(),
                              O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                              (archive_entry_perm(e) & 0111) ? 0755 : 0644));
        if (out.get() < 0) throw errno_error(Exit::usage, "entry '" + key + "'", errno);
        for (;;) {
            const la_ssize_t n = archive_read_data(a, buf.data(), buf.size());
            if (n == 0) break;
            if (n < 0)
                throw Error(Exit::usage,
                            "truncated tarball or damaged data in '" + key + "': " + reason(a));
            write_all_fd(out.get(), buf.data(), static_cast<std::size_t>(n), key);
        }
        entries_end = archive_filter_bytes(a, 0);
    }
    if (archive_filter_bytes(a, 0) == entries_end)
        throw Error(Exit::usage, "truncated tarball: no end-of-archive marker");
}

}  // namespace

void unpack(const std::filesystem::path& tarball, const std::filesystem::path& dest) {
    try {
        unpack_entries(tarball, dest);
    } catch (const Error& e) {
        throw Error(e.code(), escape_controls(e.what()), e.sys_errno());
    }
}

}  // namespace swd::package
