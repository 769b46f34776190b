#include "libcore/base/beneath.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <deque>
#include <memory>

#include "libcore/base/digest.hpp"
#include "libcore/base/error.hpp"
#include "libcore/base/fd.hpp"

namespace swd::beneath {

namespace {

[[noreturn]] void fail_errno(const std::string& what, int err) {
    throw errno_error(Exit::config, what, err);
}

bool write_full(int fd, const char* data, std::size_t n) {
    while (n > 0) {
        const ssize_t w = ::write(fd, data, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        data += w;
        n -= static_cast<std::size_t>(w);
    }
    return true;
}

/// Reads `fd` to its end, handing each chunk to `chunk(data, size)`; EINTR is retried, any other
/// error fails with `name`.
template <class Chunk>
void read_chunks(int fd, const std::string& name, Chunk&& chunk) {
    std::array<char, 65536> buf;
    for (;;) {
        const ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            fail_errno(name, errno);
        }
        if (n == 0) return;
        chunk(buf.data(), static_cast<std::size_t>(n));
    }
}

}  // namespace

std::vector<std::string> split_relative(std::string_view path) {
    const auto bad = [&](const std::string& why) {
        return Error(Exit::usage, "path '" + std::string(path) + "': " + why);
    };
    if (path.empty()) throw bad("empty");
    if (path.front() == '/') throw bad("absolute paths are not allowed");
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (start <= path.size()) {
        auto end = path.find('/', start);
        if (end == std::string_view::npos) end = path.size();
        const std::string_view part = path.substr(start, end - start);
        if (part == "..") throw bad("'..' would leave the root");
        for (const char c : part) {
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
                throw bad("control characters are not allowed");
        }
        if (!part.empty() && part != ".") parts.emplace_back(part);
        start = end + 1;
    }
    if (parts.empty()) throw bad("names no file");
    return parts;
}

std::string join(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& p : parts) {
        if (!out.empty()) out += '/';
        out += p;
    }
    return out;
}

Dir& Dir::operator=(Dir&& o) noexcept {
    if (this != &o) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = o.fd_;
        o.fd_ = -1;
    }
    return *this;
}

Dir::~Dir() {
    if (fd_ >= 0) ::close(fd_);
}

Dir open_root(const std::filesystem::path& root) {
    const int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) fail_errno(root.string(), errno);
    return Dir(fd);
}

bool stat_at(int dir, const std::string& name, struct stat& st) {
    if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) return true;
    if (errno == ENOENT) return false;
    fail_errno(name, errno);
}

std::vector<std::string> resolve(int root_fd, const std::vector<std::string>& parents,
                                 std::string_view display) {
    const auto escape = [&](const std::string& why) {
        return Error(Exit::usage, "path '" + std::string(display) + "': " + why);
    };
    std::deque<std::string> todo(parents.begin(), parents.end());
    std::vector<std::string> out;
    int links = 0;
    bool missing = false;  // below a missing directory nothing can be a link
    while (!todo.empty()) {
        std::string part = std::move(todo.front());
        todo.pop_front();
        if (part.empty() || part == ".") continue;
        if (part == "..") {
            if (out.empty()) throw escape("a symbolic link climbs above the root");
            out.pop_back();
            continue;
        }
        out.push_back(part);
        if (missing) continue;
        struct stat st {};
        if (!stat_at(root_fd, join(out), st)) {
            missing = true;
            continue;
        }
        if (S_ISDIR(st.st_mode)) continue;
        if (!S_ISLNK(st.st_mode)) throw escape("'" + join(out) + "' is not a directory");
        if (++links > 40) throw escape("too many levels of symbolic links");
        std::array<char, 4096> buf{};
        const ssize_t n = ::readlinkat(root_fd, join(out).c_str(), buf.data(), buf.size() - 1);
        if (n < 0) fail_errno(join(out), errno);
        const std::string target(buf.data(), static_cast<std::size_t>(n));
        if (target.empty() || target.front() == '/')
            throw escape("symbolic link '" + join(out) + "' -> '" + target + "' leaves the root");
        out.pop_back();
        std::vector<std::string> expanded;
        std::size_t start = 0;
        while (start <= target.size()) {
            auto end = target.find('/', start);
            if (end == std::string::npos) end = target.size();
            expanded.push_back(target.substr(start, end - start));
            start = end + 1;
        }
        todo.insert(todo.begin(), expanded.begin(), expanded.end());
    }
    return out;
}

Dir open_dir(int root_fd, const std::vector<std::string>& parts, bool create,
             std::vector<std::string>* created) {
    Dir cur(::fcntl(root_fd, F_DUPFD_CLOEXEC, 3));
    if (!cur.is_open()) fail_errno("dup", errno);
    std::vector<std::string> walked;
    for (const auto& part : parts) {
        walked.push_back(part);
        int fd = ::openat(cur.fd(), part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT && create) {
            if (::mkdirat(cur.fd(), part.c_str(), 0755) != 0 && errno != EEXIST)
                fail_errno(join(walked), errno);
            else if (created)
                created->push_back(join(walked));
            fd = ::openat(cur.fd(), part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        if (fd < 0) {
            if (errno == ELOOP || errno == ENOTDIR)
                throw Error(Exit::usage, "path '" + join(parts) + "': '" + join(walked) +
                                             "' is a symbolic link or not a directory");
            fail_errno(join(walked), errno);
        }
        cur = Dir(fd);
    }
    return cur;
}

std::string sha256_at(int dir, const std::string& name) {
    Fd in(::openat(dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (in.get() < 0) fail_errno(name, errno);
    digest::Sha256 h;
    read_chunks(in.get(), name, [&](const char* data, std::size_t n) { h.update(data, n); });
    return h.hex();
}

std::string copy_file(int from_dir, const std::string& name, int to_dir,
                      const std::string& tmp_name, mode_t mode) {
    Fd in(::openat(from_dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (in.get() < 0) fail_errno(name, errno);
    struct stat st {};
    if (::fstat(in.get(), &st) != 0) fail_errno(name, errno);
    if (!S_ISREG(st.st_mode)) throw Error(Exit::config, name + ": not a regular file");
    Fd out(::openat(to_dir, tmp_name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                    mode));
    if (out.get() < 0) fail_errno(tmp_name, errno);
    try {
        digest::Sha256 h;
        read_chunks(in.get(), name, [&](const char* data, std::size_t n) {
            h.update(data, n);
            if (!write_full(out.get(), data, n)) fail_errno(tmp_name, errno);
        });
        if (::fchmod(out.get(), mode) != 0) fail_errno(tmp_name, errno);
        if (::fsync(out.get()) != 0) fail_errno(tmp_name, errno);
        return h.hex();
    } catch (...) {
        ::unlinkat(to_dir, tmp_name.c_str(), 0);
        throw;
    }
}

std::string temp_name(std::string_view name) {
    std::uint64_t r = 0;
    if (::getrandom(&r, sizeof r, 0) != sizeof r) r = static_cast<std::uint64_t>(::getpid());
    std::array<char, 17> hex{};
    static constexpr char digits[] = "0123456789abcdef";
    for (int i = 15; i >= 0; --i) {
        hex[static_cast<std::size_t>(i)] = digits[r & 15];
        r >>= 4;
    }
    std::string base(name.substr(0, 100));
    return ".swd-tmp." + std::to_string(::getpid()) + "." + std::string(hex.data(), 16) + "." +
           base;
}

void write_file_atomic(int dir, const std::string& name, std::string_view data, mode_t mode) {
    const std::string tmp = temp_name(name);
    {
        Fd out(
            ::openat(dir, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
        if (out.get() < 0) fail_errno(tmp, errno);
        if (!write_full(out.get(), data.data(), data.size()) || ::fsync(out.get()) != 0) {
            const int err = errno;
            ::unlinkat(dir, tmp.c_str(), 0);
            fail_errno(name, err);
        }
    }
    if (::renameat(dir, tmp.c_str(), dir, name.c_str()) != 0) {
        const int err = errno;
        ::unlinkat(dir, tmp.c_str(), 0);
        fail_errno(name, err);
    }
    ::fsync(dir);
}

std::string read_file_at(int dir, const std::string& name) {
    Fd in(::openat(dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (in.get() < 0) fail_errno(name, errno);
    std::string out;
    read_chunks(in.get(), name, [&](const char* data, std::size_t n) { out.append(data, n); });
    return out;
}

void remove_tree(const std::filesystem::path& path) {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
}

}  // namespace swd::beneath
