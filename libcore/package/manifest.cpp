#include "libcore/package/manifest.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <pugixml.hpp>
#include <set>
#include <utility>

#include "libcore/base/beneath.hpp"
#include "libcore/base/digest.hpp"
#include "libcore/base/error.hpp"
#include "libcore/base/text.hpp"
#include "libcore/base/time.hpp"
#include "libcore/base/xml.hpp"

namespace swd::package {

namespace {

using xml::local_name;

std::optional<std::string> attr(const pugi::xml_node& node, std::string_view name) {
    for (const auto& a : node.attributes())
        if (local_name(a.name()) == name) return std::string(a.value());
    return std::nullopt;
}

std::vector<pugi::xml_node> children(const pugi::xml_node& node, std::string_view name) {
    std::vector<pugi::xml_node> out;
    for (const auto& c : node.children())
        if (c.type() == pugi::node_element && local_name(c.name()) == name) out.push_back(c);
    return out;
}

pugi::xml_node child(const pugi::xml_node& node, std::string_view name) {
    for (const auto& c : node.children())
        if (c.type() == pugi::node_element && local_name(c.name()) == name) return c;
    return {};
}

std::string text(const pugi::xml_node& node) {
    return std::string(trim(node.child_value()));
}

// A destination or backup given the seed's way: <X><URI><URL>FILE://dir/</URL>
// <FILENAME>f</FILENAME></URI></X>; the file:// prefix is dropped, the rest is relative.
std::optional<std::string> uri_path(const pugi::xml_node& holder) {
    if (!holder) return std::nullopt;
    const auto uri = child(holder, "uri");
    if (!uri) return std::nullopt;
    std::string path = text(child(uri, "url"));
    if (ascii_lower(path).starts_with("file://")) path = path.substr(7);
    const std::string file = text(child(uri, "filename"));
    if (!file.empty()) {
        if (!path.empty() && path.back() != '/') path += '/';
        path += file;
    }
    return path;
}

bool yes(std::string_view v) {
    const auto l = ascii_lower(trim(v));
    return l == "y" || l == "yes" || l == "true" || l == "1";
}

Access read_access(const pugi::xml_node& node, const std::string& origin) {
    const auto acls = xml::descendants(node, "acl");
    Access a;
    if (acls.empty()) return a;
    mode_t mode = 0;
    for (const auto& acl : acls) {
        mode_t bits = 0;
        for (const char c : attr(acl, "attrib").value_or("")) {
            switch (std::toupper(static_cast<unsigned char>(c))) {
                case 'R':
                    bits |= 4;
                    break;
                case 'W':
                    bits |= 2;
                    break;
                case 'X':
                    bits |= 1;
                    break;
                case 'M':
                    bits |= 7;
                    break;
                case 'H':
                case 'S':
                case 'A':
                case ' ':
                    break;
                default:
                    throw Error(Exit::usage, origin + ": ACL attribute letter '" +
                                                 std::string(1, c) + "' is not one of RWXHSMA");
            }
        }
        const auto name = attr(acl, "name");
        const auto group = attr(acl, "group");
        if (group) {
            mode |= static_cast<mode_t>(bits << 3);
            if (*group != "$GROUP") a.group = *group;
        } else if (name && *name == "$OTHER") {
            mode |= bits;
        } else {
            mode |= static_cast<mode_t>(bits << 6);
            if (name && *name != "$USER") a.owner = *name;
        }
    }
    a.mode = mode;
    return a;
}

std::optional<Script> read_script(const pugi::xml_node& node, const std::string& origin) {
    Script s;
    s.command = text(node);
    if (s.command.empty()) throw Error(Exit::usage, origin + ": empty SCRIPT");
    if (auto t = attr(node, "timeout")) {
        const auto d = timeutil::parse_duration(*t);
        if (!d)
            throw Error(Exit::usage, origin + ": SCRIPT timeout '" + *t + "' is not a duration");
        s.timeout = *d;
    }
    return s;
}

std::string require_path(const std::optional<std::string>& p, const std::string& origin,
                         std::string_view what) {
    if (!p || p->empty()) throw Error(Exit::usage, origin + ": " + std::string(what) + " missing");
    with_context(
        origin, [&] { return beneath::split_relative(*p); }, Exit::usage);
    return *p;
}

bool is_hex64(std::string_view s) {
    return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

}  // namespace

void check_name(std::string_view what, std::string_view name) {
    const auto bad = [&](const std::string& why) {
        return Error(Exit::usage, std::string(what) + " '" + std::string(name) + "': " + why);
    };
    if (name.empty()) throw bad("empty");
    if (name.size() > 128) throw bad("longer than 128 characters");
    if (name.front() == '.' || name.front() == '-') throw bad("must not start with '.' or '-'");
    for (const char c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '+' &&
            c != '-')
            throw bad("only letters, digits and . _ + - are allowed");
    }
}

std::string normalise_arch(std::string_view arch) {
    const auto a = ascii_lower(arch);
    if (a == "amd64" || a == "x86_64" || a == "x64") return "x86_64";
    if (a == "arm64" || a == "aarch64") return "aarch64";
    if (a == "x86" || a == "i386" || a == "i486" || a == "i586" || a == "i686") return "i686";
    return a;
}

Manifest parse_manifest(std::string_view document, const std::string& origin) {
    pugi::xml_document doc;
    xml::load(doc, document, origin);
    const auto root = doc.document_element();
    if (local_name(root.name()) != "softpkg")
        throw Error(Exit::usage, origin + ": root element is <" + std::string(root.name()) +
                                     ">, expected <SOFTPKG>");
    Manifest m;
    m.name = attr(root, "name").value_or("");
    m.version = attr(root, "version").value_or("");
    with_context(
        origin,
        [&] {
            check_name("package name", m.name);
            check_name("package version", m.version);
            check_name("package id", m.id());
        },
        Exit::usage);
    m.title = text(child(root, "title"));

    auto impl = child(root, "implementation");
    if (!impl) impl = root;
    for (const auto& n : children(impl, "os"))
        m.os.push_back(ascii_lower(attr(n, "value").value_or("")));
    for (const auto& n : children(impl, "processor"))
        m.arch.push_back(normalise_arch(attr(n, "value").value_or("")));
    for (const auto& n : children(impl, "language"))
        m.language.push_back(ascii_lower(attr(n, "value").value_or("")));
    if (const auto n = child(impl, "disksize")) {
        const auto v = attr(n, "value").value_or("");
        char* end = nullptr;
        errno = 0;
        const auto bytes = std::strtoull(v.c_str(), &end, 10);
        if (v.empty() || *end != '\0' || errno != 0 || v.front() == '-')
            throw Error(Exit::usage, origin + ": DISKSIZE '" + v + "' is not a number of bytes");
        m.disk_bytes = bytes;
    }
    for (const auto& n : children(impl, "dependency")) {
        Dependency d;
        const auto type = ascii_lower(attr(n, "type").value_or("install"));
        if (type == "asset")
            d.kind = Dependency::Kind::asset;
        else if (type == "install")
            d.kind = Dependency::Kind::install;
        else
            throw Error(Exit::usage,
                        origin + ": DEPENDENCY type '" + type + "' is not asset or install");
        d.name = attr(n, "name").value_or("");
        d.version = attr(n, "version").value_or("");
        with_context(
            origin,
            [&] {
                check_name("dependency", d.name);
                if (!d.version.empty()) check_name("dependency version", d.version);
            },
            Exit::usage);
        m.dependencies.push_back(std::move(d));
    }

    std::set<std::string> destinations;
    const auto unique = [&](const std::string& dest) {
        const auto key = beneath::join(beneath::split_relative(dest));
        if (!destinations.insert(key).second)
            throw Error(Exit::usage, origin + ": destination '" + dest + "' appears twice");
    };
    for (const auto& codebase : children(impl, "codebase")) {
        for (const auto& n : codebase.children()) {
            if (n.type() != pugi::node_element) continue;
            const auto kind = local_name(n.name());
            if (kind == "dir") {
                Directory d;
                auto dest = attr(n, "destination");
                if (!dest) dest = uri_path(child(n, "destination"));
                d.destination = require_path(dest, origin, "DIR destination");
                d.access = read_access(n, origin);
                m.directories.push_back(std::move(d));
            } else if (kind == "file") {
                File f;
                auto dest = attr(n, "destination");
                if (!dest) dest = uri_path(child(n, "destination"));
                f.destination = require_path(dest, origin, "FILE destination");
                unique(f.destination);
                f.source = require_path(attr(n, "source"), origin,
                                        "FILE source (for " + f.destination + ")");
                f.overwrite = yes(attr(n, "overwrite").value_or("Y"));
                auto backup = attr(n, "backup");
                if (!backup) backup = uri_path(child(n, "backup"));
                if (backup && !backup->empty())
                    f.backup_dir = require_path(backup, origin, "FILE backup");
                f.sha256 = ascii_lower(attr(n, "sha256").value_or(""));
                if (!is_hex64(f.sha256))
                    throw Error(Exit::usage, origin + ": FILE " + f.destination +
                                                 ": sha256 missing or not 64 hex digits");
                for (const auto& u : children(n, "url"))
                    f.urls.push_back(text(u));
                if (const auto src = child(n, "source")) {
                    for (const auto& uri : children(src, "uri"))
                        for (const auto& u : children(uri, "url"))
                            f.urls.push_back(text(u));
                }
                f.access = read_access(n, origin);
                m.files.push_back(std::move(f));
            }
        }
    }
    for (const auto& n : children(impl, "script")) {
        const auto type = ascii_lower(attr(n, "type").value_or(""));
        std::optional<Script>* slot = type == "pre"       ? &m.pre
                                      : type == "command" ? &m.command
                                      : type == "post"    ? &m.post
                                                          : nullptr;
        if (!slot)
            throw Error(Exit::usage,
                        origin + ": SCRIPT type '" + type + "' is not pre, command or post");
        if (*slot) throw Error(Exit::usage, origin + ": two SCRIPT elements of type " + type);
        *slot = read_script(n, origin);
    }
    return m;
}

Package open(const std::filesystem::path& dir) {
    return with_context(
        dir.string(),
        [&] {
            const auto root = beneath::open_root(dir);
            struct stat st {};
            if (!beneath::stat_at(root.fd(), manifest_name, st))
                throw Error(Exit::usage, std::string("no ") + manifest_name);
            if (!S_ISREG(st.st_mode))
                throw Error(Exit::usage, std::string(manifest_name) + " is not a regular file");
            const auto xml = beneath::read_file_at(root.fd(), manifest_name);
            Package p;
            p.manifest = parse_manifest(xml, manifest_name);
            p.dir = dir;
            p.manifest_sha256 = digest::sha256_hex(xml);
            return p;
        },
        Exit::usage);
}

void verify(const Package& pkg) {
    with_context(
        pkg.manifest.id(),
        [&] {
            const auto root = beneath::open_root(pkg.dir);
            for (const auto& f : pkg.manifest.files) {
                with_context(
                    f.source,
                    [&] {
                        auto parts = beneath::split_relative(f.source);
                        const std::string name = parts.back();
                        parts.pop_back();
                        const auto dir = beneath::open_dir(root.fd(), parts, false);
                        struct stat st {};
                        if (!beneath::stat_at(dir.fd(), name, st))
                            throw Error(Exit::usage, "payload file missing");
                        if (!S_ISREG(st.st_mode)) throw Error(Exit::usage, "not a regular file");
                        const auto sum = beneath::sha256_at(dir.fd(), name);
                        if (sum != f.sha256)
                            throw Error(Exit::usage, "sha256 mismatch (manifest " +
                                                         f.sha256.substr(0, 12) + "..., file " +
                                                         sum.substr(0, 12) + "...)");
                    },
                    Exit::usage);
            }
        },
        Exit::usage);
}

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

namespace {

// Copies a package directory tree, refusing links and special files.
void copy_tree(const std::filesystem::path& from, const std::filesystem::path& to) {
    for (const auto& entry : std::filesystem::directory_iterator(from)) {
        const auto st = entry.symlink_status();
        const auto target = to / entry.path().filename();
        if (std::filesystem::is_symlink(st))
            throw Error(Exit::usage,
                        entry.path().string() + ": symbolic links are not allowed in a package");
        if (std::filesystem::is_directory(st)) {
            std::filesystem::create_directory(target);
            copy_tree(entry.path(), target);
        } else if (std::filesystem::is_regular_file(st)) {
            std::filesystem::copy_file(entry.path(), target);
            const auto perms = st.permissions();
            const bool exec =
                (perms & std::filesystem::perms::owner_exec) != std::filesystem::perms::none;
            std::filesystem::permissions(target, exec ? static_cast<std::filesystem::perms>(0755)
                                                      : static_cast<std::filesystem::perms>(0644));
        } else {
            throw Error(Exit::usage,
                        entry.path().string() +
                            ": only regular files and directories are allowed in a package");
        }
    }
}

// The directory holding swd-package.xml in an unpacked tree: the tree itself or its one
// top-level directory.
std::filesystem::path package_root(const std::filesystem::path& tree) {
    if (std::filesystem::exists(tree / manifest_name)) return tree;
    std::vector<std::filesystem::path> dirs;
    for (const auto& e : std::filesystem::directory_iterator(tree))
        if (e.is_directory()) dirs.push_back(e.path());
    if (dirs.size() == 1 && std::filesystem::exists(dirs.front() / manifest_name))
        return dirs.front();
    throw Error(Exit::usage,
                std::string("no ") + manifest_name + " at the top or in one top-level directory");
}

}  // namespace

Package Store::add(const std::filesystem::path& source) {
    return with_context(
        source.string(),
        [&] {
            std::filesystem::create_directories(dir_);
            const auto tmp = dir_ / beneath::temp_name("add");
            std::filesystem::create_directory(tmp);
            try {
                std::filesystem::path root;
                if (std::filesystem::is_directory(source)) {
                    const auto manifest = source / manifest_name;
                    if (!std::filesystem::exists(manifest))
                        throw Error(Exit::usage, std::string("no ") + manifest_name);
                    copy_tree(source, tmp);
                    root = tmp;
                } else if (std::filesystem::is_regular_file(source)) {
                    unpack(source, tmp);
                    root = package_root(tmp);
                } else {
                    throw Error(Exit::usage, "not a package directory or tarball");
                }
                auto pkg = open(root);
                verify(pkg);
                const auto id = pkg.manifest.id();
                const auto final_dir = dir_ / id;
                if (auto existing = find(id)) {
                    beneath::remove_tree(tmp);
                    if (existing->manifest_sha256 != pkg.manifest_sha256)
                        throw Error(Exit::usage,
                                    "package " + id +
                                        " is already in the store with another manifest "
                                        "(swd-queue packages remove " +
                                        id + " first)");
                    return *existing;
                }
                std::filesystem::rename(root, final_dir);
                if (root != tmp) beneath::remove_tree(tmp);
                pkg.dir = final_dir;
                return pkg;
            } catch (...) {
                beneath::remove_tree(tmp);
                throw;
            }
        },
        Exit::usage);
}

std::optional<Package> Store::find(std::string_view id) const {
    try {
        check_name("package", id);
    } catch (const Error&) {
        return std::nullopt;
    }
    const auto dir = dir_ / std::string(id);
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) return std::nullopt;
    auto pkg = open(dir);
    if (pkg.manifest.id() != id)
        throw Error(Exit::usage, dir.string() + ": holds package " + pkg.manifest.id());
    return pkg;
}

std::vector<Package> Store::list() const {
    std::vector<Package> out;
    std::error_code ec;
    if (!std::filesystem::is_directory(dir_, ec)) return out;
    std::vector<std::string> ids;
    for (const auto& e : std::filesystem::directory_iterator(dir_)) {
        const auto name = e.path().filename().string();
        if (!name.starts_with(".") && e.is_directory()) ids.push_back(name);
    }
    std::sort(ids.begin(), ids.end());
    for (const auto& id : ids)
        if (auto p = find(id)) out.push_back(std::move(*p));
    return out;
}

bool Store::remove(std::string_view id) {
    if (!find(id)) return false;
    const auto dir = dir_ / std::string(id);
    const auto tmp = dir_ / beneath::temp_name(std::string(id));
    std::filesystem::rename(dir, tmp);
    beneath::remove_tree(tmp);
    return true;
}

}  // namespace swd::package
