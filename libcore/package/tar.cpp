#include "libcore/package/tar.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "libcore/base/beneath.hpp"
#include "libcore/base/error.hpp"

namespace swd::package {

namespace {

struct GzFile {
    gzFile f = nullptr;
    ~GzFile() {
        if (f) gzclose(f);
    }
};

class TarReader {
  public:
    explicit TarReader(const std::filesystem::path& path) : path_(path) {
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) throw Error(Exit::usage, errno_text(errno));
        gz_.f = gzdopen(fd, "rb");
        if (!gz_.f) {
            ::close(fd);
            throw Error(Exit::usage, "cannot open");
        }
        gzbuffer(gz_.f, 131072);
    }

    // Reads exactly n bytes; false at a clean end of input before any byte.
    bool read(char* buf, std::size_t n, std::string_view what) {
        std::size_t got = 0;
        while (got < n) {
            const int r = gzread(gz_.f, buf + got, static_cast<unsigned>(n - got));
            if (r < 0) fail_gz();
            if (r == 0) break;
            got += static_cast<std::size_t>(r);
        }
        int err = Z_OK;
        const char* msg = gzerror(gz_.f, &err);
        if (err != Z_OK && err != Z_STREAM_END)
            throw Error(Exit::usage, std::string("truncated or corrupt gzip stream: ") + msg);
        if (got == 0) return false;
        if (got < n)
            throw Error(Exit::usage, "truncated tarball: " + std::string(what) + " cut short");
        return true;
    }

    void skip(std::uint64_t n, std::string_view what) {
        std::array<char, 65536> buf{};
        while (n > 0) {
            const auto chunk = static_cast<std::size_t>(std::min<std::uint64_t>(n, buf.size()));
            if (!read(buf.data(), chunk, what))
                throw Error(Exit::usage, "truncated tarball: " + std::string(what) + " cut short");
            n -= chunk;
        }
    }

  private:
    [[noreturn]] void fail_gz() {
        int err = Z_OK;
        const char* msg = gzerror(gz_.f, &err);
        throw Error(Exit::usage, std::string("truncated or corrupt gzip stream: ") + msg);
    }
    std::filesystem::path path_;
    GzFile gz_;
};

std::uint64_t octal(const char* field, std::size_t len, std::string_view what) {
    // GNU base-256 for big sizes: high bit of the first byte.
    if (static_cast<unsigned char>(field[0]) & 0x80) {
        std::uint64_t v = static_cast<unsigned char>(field[0]) & 0x7f;
        for (std::size_t i = 1; i < len; ++i)
            v = (v << 8) | static_cast<unsigned char>(field[i]);
        return v;
    }
    std::uint64_t v = 0;
    std::size_t i = 0;
    while (i < len && (field[i] == ' ' || field[i] == '\0'))
        ++i;
    for (; i < len && field[i] >= '0' && field[i] <= '7'; ++i)
        v = v * 8 + static_cast<std::uint64_t>(field[i] - '0');
    for (; i < len; ++i)
        if (field[i] != ' ' && field[i] != '\0')
            throw Error(Exit::usage, "corrupt tar header: bad " + std::string(what) + " field");
    return v;
}

std::string cstr(const char* field, std::size_t len) {
    return std::string(field, strnlen(field, len));
}

bool checksum_ok(const std::array<char, 512>& h) {
    const auto stored = octal(h.data() + 148, 8, "checksum");
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < 512; ++i)
        sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(h[i]);
    return sum == stored;
}

// pax extended header records: "LEN key=value\n".
std::optional<std::string> pax_path(const std::string& data) {
    std::optional<std::string> path;
    std::size_t pos = 0;
    while (pos < data.size()) {
        const auto space = data.find(' ', pos);
        if (space == std::string::npos) break;
        const auto len = std::strtoull(data.c_str() + pos, nullptr, 10);
        if (len == 0 || pos + len > data.size()) throw Error(Exit::usage, "corrupt pax header");
        const std::string rec = data.substr(space + 1, pos + len - space - 2);
        if (rec.starts_with("path=")) path = rec.substr(5);
        pos += len;
    }
    return path;
}

void write_all_fd(int fd, const char* data, std::size_t n, const std::string& name) {
    while (n > 0) {
        const ssize_t w = ::write(fd, data, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            throw Error(Exit::config, name + ": " + errno_text(errno));
        }
        data += w;
        n -= static_cast<std::size_t>(w);
    }
}

}  // namespace

void unpack(const std::filesystem::path& tarball, const std::filesystem::path& dest) {
    with_context(
        tarball.string(),
        [&] {
            TarReader in(tarball);
            const auto root = beneath::open_root(dest);
            std::set<std::string> seen;
            std::optional<std::string> long_name;
            std::array<char, 512> h{};
            bool ended = false;
            while (in.read(h.data(), h.size(), "header")) {
                if (std::all_of(h.begin(), h.end(), [](char c) { return c == '\0'; })) {
                    ended = true;
                    break;
                }
                if (!checksum_ok(h)) throw Error(Exit::usage, "corrupt tar header (checksum)");
                const char type = h[156];
                const auto size = octal(h.data() + 124, 12, "size");
                const auto padded = (size + 511) / 512 * 512;
                std::string name = cstr(h.data(), 100);
                if (std::memcmp(h.data() + 257, "ustar", 5) == 0) {
                    const auto prefix = cstr(h.data() + 345, 155);
                    if (!prefix.empty()) name = prefix + "/" + name;
                }
                if (type == 'L' || type == 'x' || type == 'g') {
                    if (size > (1 << 20)) throw Error(Exit::usage, "tar extended header too large");
                    std::string data(padded, '\0');
                    in.read(data.data(), data.size(), "extended header");
                    data.resize(size);
                    if (type == 'L')
                        long_name = cstr(data.data(), data.size());
                    else if (type == 'x') {
                        if (auto p = pax_path(data)) long_name = *p;
                    }
                    continue;
                }
                if (long_name) name = *std::exchange(long_name, std::nullopt);
                const bool is_dir = type == '5';
                const bool is_file = type == '0' || type == '\0' || type == '7';
                if (!is_dir && !is_file) {
                    const char* kind = type == '1'   ? "hard link"
                                       : type == '2' ? "symbolic link"
                                       : type == '3' ? "character device"
                                       : type == '4' ? "block device"
                                       : type == '6' ? "FIFO"
                                                     : "entry of an unknown type";
                    throw Error(Exit::usage,
                                "'" + name + "' is a " + kind +
                                    ": only regular files and directories are allowed");
                }
                auto parts = with_context(
                    "entry '" + name + "'", [&] { return beneath::split_relative(name); },
                    Exit::usage);
                const auto key = beneath::join(parts);
                const auto mode = static_cast<mode_t>(octal(h.data() + 100, 8, "mode"));
                if (is_dir) {
                    beneath::open_dir(root.fd(), parts, true);
                    in.skip(padded, "directory entry");
                    continue;
                }
                if (!seen.insert(key).second)
                    throw Error(Exit::usage, "duplicate entry '" + key + "'");
                const std::string leaf = parts.back();
                parts.pop_back();
                const auto dir = beneath::open_dir(root.fd(), parts, true);
                const int fd = ::openat(dir.fd(), leaf.c_str(),
                                        O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                                        (mode & 0111) ? 0755 : 0644);
                if (fd < 0) throw Error(Exit::usage, "entry '" + key + "': " + errno_text(errno));
                try {
                    std::array<char, 65536> buf{};
                    std::uint64_t left = size;
                    while (left > 0) {
                        const auto chunk =
                            static_cast<std::size_t>(std::min<std::uint64_t>(left, buf.size()));
                        if (!in.read(buf.data(), chunk, "'" + key + "'"))
                            throw Error(Exit::usage, "truncated tarball: '" + key + "' cut short");
                        write_all_fd(fd, buf.data(), chunk, key);
                        left -= chunk;
                    }
                    ::close(fd);
                } catch (...) {
                    ::close(fd);
                    throw;
                }
                in.skip(padded - size, "'" + key + "'");
            }
            if (!ended) throw Error(Exit::usage, "truncated tarball: no end-of-archive marker");
        },
        Exit::usage);
}

}  // namespace swd::package
