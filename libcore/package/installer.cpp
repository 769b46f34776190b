#include "libcore/package/installer.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <simdjson.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <set>

#include "libcore/base/beneath.hpp"
#include "libcore/base/error.hpp"
#include "libcore/base/jsonl.hpp"
#include "libcore/base/process.hpp"
#include "libcore/base/text.hpp"
#include "libcore/base/time.hpp"

namespace swd::installer {

namespace {

using beneath::Dir;

// An install-level failure with its alert failure type.
struct Fail : std::runtime_error {
    Fail(std::string t, const std::string& msg) : std::runtime_error(msg), type(std::move(t)) {}
    std::string type;
};

// Maps errors of the file layer onto failure types: a refused path is a bad package; the errno
// of the failed call tells access and disk problems apart.
std::string classify(const Error& e) {
    if (e.code() == Exit::usage) return "package";
    switch (e.sys_errno()) {
        case EACCES:
        case EPERM:
        case EROFS:
            return "access";
        case ENOSPC:
        case EDQUOT:
            return "disk";
        default:
            return "install";
    }
}

template <class F>
auto guarded(std::string_view context, F&& fn) -> decltype(fn()) {
    try {
        return fn();
    } catch (const Fail&) {
        throw;
    } catch (const Error& e) {
        throw Fail(classify(e), std::string(context) + ": " + e.what());
    } catch (const std::exception& e) {
        throw Fail("install", std::string(context) + ": " + e.what());
    }
}

std::vector<std::string> split(std::string_view path) {
    return beneath::split_relative(path);
}

std::string random_id() {
    std::array<unsigned char, 12> r{};
    if (::getrandom(r.data(), r.size(), 0) != static_cast<ssize_t>(r.size()))
        throw errno_error(Exit::config, "getrandom", errno);
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (const auto b : r) {
        out += digits[b >> 4];
        out += digits[b & 15];
    }
    return out;
}

// ---- the journal: the record kept on the target -------------------------------------------

struct DirEntry {
    std::string path;                ///< physical, relative to the root
    std::string before;              ///< "absent" or "dir"
    std::int64_t mode = 0;           ///< the mode before (for "dir")
    std::optional<mode_t> new_mode;  ///< what the manifest asks
    std::string owner, group;        ///< what the manifest asks
};

struct FileEntry {
    std::string path;         ///< physical, relative to the root
    std::string destination;  ///< as written in the manifest
    std::string source;       ///< in the package
    std::string before;       ///< absent | file | same | symlink | kept
    std::int64_t mode = 0, uid = 0, gid = 0, mtime = 0, mtime_ns = 0;  ///< before
    std::string backup;  ///< physical path of the backup (for "file")
    std::string link;    ///< the link's target (for "symlink")
    std::string sha256;  ///< the new content
    mode_t new_mode = 0644;
    std::string owner, group;
};

struct Journal {
    std::string id, name, version, manifest_sha256, install_id, by, target;
    std::vector<std::string> params;
    std::string started, installed_at;
    std::string status = "partial";
    std::vector<std::string> phases;  ///< done: pre, files, command, post
    std::vector<DirEntry> dirs;
    std::vector<FileEntry> files;
    std::vector<std::string> backup_trees;  ///< default backup directories to remove on undo
    /// Directories the backups needed that did not exist before (physical, parents first):
    /// removed on undo when they are empty again.
    std::vector<std::string> backup_dirs;

    bool done(std::string_view phase) const {
        return std::find(phases.begin(), phases.end(), phase) != phases.end();
    }

    std::string to_json() const {
        jsonl::Record r("installed");
        r.field("package", id).field("name", name).field("version", version);
        r.field("status", status).field("install_id", install_id).field("by", by);
        r.field("target", target).field("params", params);
        r.field("manifest_sha256", manifest_sha256).field("started", started);
        if (!installed_at.empty()) r.field("installed_at", installed_at);
        r.field("phases", phases).field("backup_trees", backup_trees);
        r.field("backup_dirs", backup_dirs);
        r.key("dirs").begin_array();
        for (const auto& d : dirs) {
            r.begin_object().field("path", d.path).field("before", d.before);
            r.field("mode", d.mode);
            if (d.new_mode) r.field("new_mode", static_cast<std::int64_t>(*d.new_mode));
            if (!d.owner.empty()) r.field("owner", d.owner);
            if (!d.group.empty()) r.field("group", d.group);
            r.end_object();
        }
        r.end_array();
        r.key("files").begin_array();
        for (const auto& f : files) {
            r.begin_object().field("path", f.path).field("destination", f.destination);
            r.field("source", f.source).field("before", f.before);
            r.field("mode", f.mode).field("uid", f.uid).field("gid", f.gid);
            r.field("mtime", f.mtime).field("mtime_ns", f.mtime_ns);
            if (!f.backup.empty()) r.field("backup", f.backup);
            if (!f.link.empty()) r.field("link", f.link);
            r.field("sha256", f.sha256).field("new_mode", static_cast<std::int64_t>(f.new_mode));
            if (!f.owner.empty()) r.field("owner", f.owner);
            if (!f.group.empty()) r.field("group", f.group);
            r.end_object();
        }
        r.end_array();
        return r.finish() + "\n";
    }

    static Journal from_json(const std::string& text, const std::string& origin) {
        simdjson::dom::parser parser;
        simdjson::dom::element doc;
        if (parser.parse(text).get(doc) || !doc.is_object())
            throw Error(Exit::config, origin + ": not a valid install record");
        const auto s = [](simdjson::dom::element e, std::string_view k) {
            return std::string(jsonl::get_string(e, k).value_or(""));
        };
        const auto i = [](simdjson::dom::element e, std::string_view k) {
            return jsonl::get_int(e, k).value_or(0);
        };
        Journal j;
        j.id = s(doc, "package");
        j.name = s(doc, "name");
        j.version = s(doc, "version");
        j.status = s(doc, "status");
        j.install_id = s(doc, "install_id");
        j.by = s(doc, "by");
        j.target = s(doc, "target");
        j.params = jsonl::get_strings(doc, "params").value_or(std::vector<std::string>{});
        j.manifest_sha256 = s(doc, "manifest_sha256");
        j.started = s(doc, "started");
        j.installed_at = s(doc, "installed_at");
        j.phases = jsonl::get_strings(doc, "phases").value_or(std::vector<std::string>{});
        j.backup_trees =
            jsonl::get_strings(doc, "backup_trees").value_or(std::vector<std::string>{});
        j.backup_dirs = jsonl::get_strings(doc, "backup_dirs").value_or(std::vector<std::string>{});
        simdjson::dom::array arr;
        if (!doc["dirs"].get(arr)) {
            for (auto e : arr) {
                DirEntry d;
                d.path = s(e, "path");
                d.before = s(e, "before");
                d.mode = i(e, "mode");
                if (auto m = jsonl::get_int(e, "new_mode")) d.new_mode = static_cast<mode_t>(*m);
                d.owner = s(e, "owner");
                d.group = s(e, "group");
                j.dirs.push_back(std::move(d));
            }
        }
        if (!doc["files"].get(arr)) {
            for (auto e : arr) {
                FileEntry f;
                f.path = s(e, "path");
                f.destination = s(e, "destination");
                f.source = s(e, "source");
                f.before = s(e, "before");
                f.mode = i(e, "mode");
                f.uid = i(e, "uid");
                f.gid = i(e, "gid");
                f.mtime = i(e, "mtime");
                f.mtime_ns = i(e, "mtime_ns");
                f.backup = s(e, "backup");
                f.link = s(e, "link");
                f.sha256 = s(e, "sha256");
                f.new_mode = static_cast<mode_t>(i(e, "new_mode"));
                f.owner = s(e, "owner");
                f.group = s(e, "group");
                j.files.push_back(std::move(f));
            }
        }
        // Paths come back from a file on the target: check them again before using them.
        for (const auto& d : j.dirs)
            split(d.path);
        for (const auto& f : j.files) {
            split(f.path);
            if (!f.backup.empty()) split(f.backup);
        }
        for (const auto& t : j.backup_trees)
            split(t);
        for (const auto& d : j.backup_dirs)
            split(d);
        return j;
    }
};

// ---- file helpers -------------------------------------------------------------------------

std::pair<std::vector<std::string>, std::string> parent_and_leaf(const std::string& path) {
    auto parts = split(path);
    std::string leaf = parts.back();
    parts.pop_back();
    return {parts, leaf};
}

Dir open_parent(int root, const std::string& path, bool create, std::string& leaf) {
    auto [parents, name] = parent_and_leaf(path);
    leaf = name;
    return beneath::open_dir(root, parents, create);
}

std::optional<Dir> open_parent_if_exists(int root, const std::string& path, std::string& leaf) {
    try {
        return open_parent(root, path, false, leaf);
    } catch (const Error&) {
        return std::nullopt;
    }
}

// A records directory, created on demand, with its lock held.
class Records {
  public:
    Records(int root, bool create) {
        const auto parts = beneath::resolve(root, split(records_dir), records_dir);
        if (!create) {
            struct stat st {};
            if (!beneath::stat_at(root, beneath::join(parts), st)) return;
        }
        dir_ = beneath::open_dir(root, parts, create);
    }
    bool exists() const { return dir_.is_open(); }
    int fd() const { return dir_.fd(); }

    void lock() {
        lock_fd_ = ::openat(dir_.fd(), ".lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (lock_fd_ < 0) throw errno_error(Exit::config, "lock", errno);
        while (::flock(lock_fd_, LOCK_EX) != 0) {
            if (errno != EINTR) throw errno_error(Exit::config, "lock", errno);
        }
    }
    ~Records() {
        if (lock_fd_ >= 0) ::close(lock_fd_);
    }
    Records(const Records&) = delete;
    Records& operator=(const Records&) = delete;

    std::optional<Journal> read(std::string_view id) const {
        if (!exists()) return std::nullopt;
        const std::string name = std::string(id) + ".json";
        struct stat st {};
        if (!beneath::stat_at(dir_.fd(), name, st)) return std::nullopt;
        return Journal::from_json(beneath::read_file_at(dir_.fd(), name), name);
    }
    void write(const Journal& j) const {
        beneath::write_file_atomic(dir_.fd(), j.id + ".json", j.to_json(), 0644);
    }
    void remove(std::string_view id) const {
        const std::string name = std::string(id) + ".json";
        if (::unlinkat(dir_.fd(), name.c_str(), 0) != 0 && errno != ENOENT)
            throw errno_error(Exit::config, name, errno);
        ::fsync(dir_.fd());
    }

  private:
    Dir dir_;
    int lock_fd_ = -1;
};

std::optional<uid_t> user_id(const std::string& name) {
    if (name.empty()) return std::nullopt;
    std::array<char, 16384> buf{};
    struct passwd pw {
    }, *res = nullptr;
    if (::getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &res) != 0 || !res)
        throw Fail("package", "unknown user '" + name + "'");
    return pw.pw_uid;
}

std::optional<gid_t> group_id(const std::string& name) {
    if (name.empty()) return std::nullopt;
    std::array<char, 16384> buf{};
    struct group gr {
    }, *res = nullptr;
    if (::getgrnam_r(name.c_str(), &gr, buf.data(), buf.size(), &res) != 0 || !res)
        throw Fail("package", "unknown group '" + name + "'");
    return gr.gr_gid;
}

// Owner changes only make sense (and only work) for root.
void apply_owner(int dir, const std::string& name, const std::string& owner,
                 const std::string& group) {
    if (::geteuid() != 0 || (owner.empty() && group.empty())) return;
    const auto uid = user_id(owner);
    const auto gid = group_id(group);
    if (::fchownat(dir, name.c_str(), uid ? *uid : static_cast<uid_t>(-1),
                   gid ? *gid : static_cast<gid_t>(-1), AT_SYMLINK_NOFOLLOW) != 0)
        throw errno_error(Exit::config, name + ": chown", errno);
}

void chmod_at(int dir, const std::string& name, mode_t mode) {
    const int fd = ::openat(dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) throw errno_error(Exit::config, name, errno);
    const int rc = ::fchmod(fd, mode);
    const int err = errno;
    ::close(fd);
    if (rc != 0) throw errno_error(Exit::config, name + ": chmod", err);
}

void rename_into_place(int dir, const std::string& tmp, const std::string& leaf) {
    if (::renameat(dir, tmp.c_str(), dir, leaf.c_str()) != 0) {
        const int err = errno;
        ::unlinkat(dir, tmp.c_str(), 0);
        throw errno_error(Exit::config, leaf + ": rename", err);
    }
}

// Removes a directory tree below `parent` without following links.
void remove_tree_at(int parent, const std::string& name) {
    const int fd = ::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        ::unlinkat(parent, name.c_str(), 0);
        return;
    }
    DIR* d = ::fdopendir(fd);
    if (!d) {
        ::close(fd);
        return;
    }
    std::vector<std::string> names;
    while (const auto* e = ::readdir(d)) {
        const std::string n = e->d_name;
        if (n != "." && n != "..") names.push_back(n);
    }
    for (const auto& n : names) {
        if (::unlinkat(::dirfd(d), n.c_str(), 0) != 0 && (errno == EISDIR || errno == EPERM))
            remove_tree_at(::dirfd(d), n);
    }
    ::closedir(d);
    ::unlinkat(parent, name.c_str(), AT_REMOVEDIR);
}

// Temporary files a killed installer left behind (".swd-tmp.PID.RANDOM.NAME", see
// beneath::temp_name) in the directories an interrupted install writes to; only those of
// processes that are gone are removed.
void sweep_dir(int dir) {
    const int fd = ::openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR* d = fd >= 0 ? ::fdopendir(fd) : nullptr;
    if (!d) {
        if (fd >= 0) ::close(fd);
        return;
    }
    std::vector<std::string> stale;
    while (const auto* e = ::readdir(d)) {
        const std::string_view n = e->d_name;
        if (!n.starts_with(".swd-tmp.")) continue;
        const auto pid = std::strtol(std::string(n.substr(9)).c_str(), nullptr, 10);
        if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)
            stale.emplace_back(n);
    }
    for (const auto& n : stale)
        ::unlinkat(::dirfd(d), n.c_str(), 0);
    ::closedir(d);
}

void sweep_temporaries(int root, const Journal& j, int records) {
    sweep_dir(records);
    std::set<std::string> dirs;
    for (const auto& f : j.files) {
        for (const auto* p : {&f.path, &f.backup}) {
            if (p->empty()) continue;
            auto parts = split(*p);
            parts.pop_back();
            dirs.insert(beneath::join(parts));
        }
    }
    for (const auto& d : dirs) {
        try {
            sweep_dir(
                beneath::open_dir(root, d.empty() ? std::vector<std::string>{} : split(d), false)
                    .fd());
        } catch (const Error&) {
            // Not there (yet): nothing to sweep.
        }
    }
}

// ---- planning: read-only, every path checked ------------------------------------------------

struct Planner {
    int root;
    int pkg_root;
    const package::Package& pkg;
    Journal& j;
    std::set<std::string> dirs_seen;

    // The prefixes of the physical path `parts` from the first one that does not exist on:
    // existing(path, st) is called for each prefix that exists before it, missing(path) for it
    // and every prefix after it.
    template <class Existing, class Missing>
    void missing_prefixes(const std::vector<std::string>& parts, Existing existing,
                          Missing missing) {
        std::vector<std::string> prefix;
        bool absent = false;
        for (const auto& p : parts) {
            prefix.push_back(p);
            const auto path = beneath::join(prefix);
            if (!absent) {
                struct stat st {};
                if (beneath::stat_at(root, path, st)) {
                    existing(path, st);
                    continue;
                }
                absent = true;
            }
            missing(path);
        }
    }

    // Notes the missing directories of the physical backup directory `parts`.
    void note_backup_dirs(const std::vector<std::string>& parts) {
        missing_prefixes(
            parts, [](const std::string&, const struct stat&) {},
            [&](const std::string& path) {
                if (std::find(j.backup_dirs.begin(), j.backup_dirs.end(), path) ==
                    j.backup_dirs.end())
                    j.backup_dirs.push_back(path);
            });
    }

    // Appends "absent" entries for the missing directories of the physical path `parts`.
    void missing_dirs(const std::vector<std::string>& parts) {
        missing_prefixes(
            parts,
            [](const std::string& path, const struct stat& st) {
                if (!S_ISDIR(st.st_mode))
                    throw Fail("package", "'" + path + "' is not a directory");
            },
            [&](const std::string& path) {
                if (dirs_seen.insert(path).second)
                    j.dirs.push_back(DirEntry{path, "absent", 0, {}, {}, {}});
            });
    }

    void directory(const package::Directory& d) {
        const auto phys = beneath::resolve(root, split(d.destination), d.destination);
        if (phys.empty()) throw Fail("package", "DIR '" + d.destination + "' names the root");
        std::vector<std::string> parents(phys.begin(), phys.end() - 1);
        missing_dirs(parents);
        const auto path = beneath::join(phys);
        struct stat st {};
        DirEntry e{path, "absent", 0, d.access.mode, d.access.owner, d.access.group};
        if (beneath::stat_at(root, path, st)) {
            if (!S_ISDIR(st.st_mode))
                throw Fail("package", "DIR '" + path + "' exists and is not a directory");
            e.before = "dir";
            e.mode = st.st_mode & 07777;
        }
        if (!dirs_seen.insert(path).second) {
            for (auto& existing : j.dirs)
                if (existing.path == path) {
                    existing.new_mode = e.new_mode;
                    existing.owner = e.owner;
                    existing.group = e.group;
                }
            return;
        }
        j.dirs.push_back(std::move(e));
    }

    void file(const package::File& f) {
        auto [parents, leaf] = parent_and_leaf(f.destination);
        const auto phys = beneath::resolve(root, parents, f.destination);
        missing_dirs(phys);
        FileEntry e;
        e.path = beneath::join(phys);
        e.path = e.path.empty() ? leaf : e.path + "/" + leaf;
        e.destination = f.destination;
        e.source = f.source;
        e.sha256 = f.sha256;
        e.owner = f.access.owner;
        e.group = f.access.group;

        // The payload: inside the package, no links, the right checksum.
        auto [src_parents, src_leaf] = parent_and_leaf(f.source);
        const auto src_dir = beneath::open_dir(pkg_root, src_parents, false);
        struct stat sst {};
        if (!beneath::stat_at(src_dir.fd(), src_leaf, sst) || !S_ISREG(sst.st_mode))
            throw Fail("package", "payload '" + f.source + "' is missing or not a regular file");
        if (beneath::sha256_at(src_dir.fd(), src_leaf) != f.sha256)
            throw Fail("package", "payload '" + f.source + "': sha256 mismatch");
        e.new_mode = f.access.mode ? *f.access.mode : ((sst.st_mode & 0111) ? 0755 : 0644);

        struct stat st {};
        bool exists = false;
        if (auto dir = open_parent_if_exists(root, e.path, leaf))
            exists = beneath::stat_at(dir->fd(), leaf, st);
        if (!exists) {
            e.before = "absent";
        } else if (S_ISDIR(st.st_mode)) {
            throw Fail("package", "destination '" + f.destination + "' is a directory");
        } else if (!f.overwrite) {
            e.before = "kept";
        } else if (S_ISLNK(st.st_mode)) {
            e.before = "symlink";
            std::array<char, 4096> buf{};
            std::string l;
            auto dir = open_parent(root, e.path, false, l);
            const ssize_t n = ::readlinkat(dir.fd(), leaf.c_str(), buf.data(), buf.size() - 1);
            if (n < 0) throw errno_error(Exit::config, e.path, errno);
            e.link.assign(buf.data(), static_cast<std::size_t>(n));
        } else if (S_ISREG(st.st_mode)) {
            e.mode = st.st_mode & 07777;
            e.uid = st.st_uid;
            e.gid = st.st_gid;
            e.mtime = st.st_mtim.tv_sec;
            e.mtime_ns = st.st_mtim.tv_nsec;
            std::string l;
            auto dir = open_parent(root, e.path, false, l);
            const bool same = beneath::sha256_at(dir.fd(), leaf) == f.sha256;
            if (same) {
                e.before = "same";
            } else {
                e.before = "file";
                const auto base =
                    f.backup_dir.empty() ? std::string(backups_dir) + "/" + j.id : f.backup_dir;
                if (f.backup_dir.empty() && std::find(j.backup_trees.begin(), j.backup_trees.end(),
                                                      base) == j.backup_trees.end())
                    j.backup_trees.push_back(base);
                auto [bparents, bleaf] = parent_and_leaf(base + "/" + e.path);
                const auto bphys = beneath::resolve(root, bparents, base + "/" + e.path);
                e.backup = beneath::join(bphys) + "/" + bleaf;
                note_backup_dirs(bphys);
            }
        } else {
            throw Fail("package", "destination '" + f.destination + "' is not a regular file");
        }
        j.files.push_back(std::move(e));
    }
};

// ---- doing and undoing --------------------------------------------------------------------

void take_backups(int root, const Journal& j) {
    for (const auto& f : j.files) {
        if (f.before != "file") continue;
        std::string leaf, bleaf;
        auto dir = open_parent(root, f.path, false, leaf);
        auto bdir = open_parent(root, f.backup, true, bleaf);
        const auto tmp = beneath::temp_name(bleaf);
        beneath::copy_file(dir.fd(), leaf, bdir.fd(), tmp, static_cast<mode_t>(f.mode & 0777));
        const timespec times[2] = {{0, UTIME_OMIT}, {f.mtime, f.mtime_ns}};
        ::utimensat(bdir.fd(), tmp.c_str(), times, AT_SYMLINK_NOFOLLOW);
        rename_into_place(bdir.fd(), tmp, bleaf);
    }
}

void put_files(int root, int pkg_root, const Journal& j) {
    for (const auto& d : j.dirs) {
        auto parts = split(d.path);
        auto dir = beneath::open_dir(root, parts, true);
        if (d.new_mode) {
            if (::fchmod(dir.fd(), *d.new_mode) != 0)
                throw errno_error(Exit::config, d.path + ": chmod", errno);
        }
        if (!d.owner.empty() || !d.group.empty()) {
            std::string leaf;
            auto parent = open_parent(root, d.path, false, leaf);
            apply_owner(parent.fd(), leaf, d.owner, d.group);
        }
    }
    for (const auto& f : j.files) {
        if (f.before == "kept") continue;
        std::string leaf;
        auto dir = open_parent(root, f.path, true, leaf);
        if (f.before == "same") {
            if (static_cast<mode_t>(f.mode) != f.new_mode) chmod_at(dir.fd(), leaf, f.new_mode);
            apply_owner(dir.fd(), leaf, f.owner, f.group);
            continue;
        }
        auto [src_parents, src_leaf] = parent_and_leaf(f.source);
        const auto src_dir = beneath::open_dir(pkg_root, src_parents, false);
        const auto tmp = beneath::temp_name(leaf);
        const auto sum = beneath::copy_file(src_dir.fd(), src_leaf, dir.fd(), tmp, f.new_mode);
        if (sum != f.sha256) {
            ::unlinkat(dir.fd(), tmp.c_str(), 0);
            throw Fail("package", "payload '" + f.source + "' changed while being copied");
        }
        apply_owner(dir.fd(), tmp, f.owner, f.group);
        if (::geteuid() == 0 && (!f.owner.empty() || !f.group.empty()))
            chmod_at(dir.fd(), tmp, f.new_mode);  // chown clears set-id bits
        rename_into_place(dir.fd(), tmp, leaf);
        ::fsync(dir.fd());
    }
}

// Puts back what `j` changed. Best effort: every step is tried, the first error is reported.
void roll_back(int root, const Journal& j) {
    std::optional<Error> first;
    const auto attempt = [&](auto&& fn) {
        try {
            fn();
        } catch (const Error& e) {
            if (!first) first = e;
        } catch (const Fail& e) {
            if (!first) first = Error(Exit::config, e.what());
        }
    };
    for (auto it = j.files.rbegin(); it != j.files.rend(); ++it) {
        const auto& f = *it;
        attempt([&] {
            std::string leaf;
            auto dir = open_parent_if_exists(root, f.path, leaf);
            if (!dir) return;
            if (f.before == "absent") {
                if (::unlinkat(dir->fd(), leaf.c_str(), 0) != 0 && errno != ENOENT)
                    throw errno_error(Exit::config, f.path, errno);
            } else if (f.before == "same") {
                struct stat st {};
                if (beneath::stat_at(dir->fd(), leaf, st) && S_ISREG(st.st_mode)) {
                    if (::geteuid() == 0)
                        ::fchownat(dir->fd(), leaf.c_str(), static_cast<uid_t>(f.uid),
                                   static_cast<gid_t>(f.gid), AT_SYMLINK_NOFOLLOW);
                    chmod_at(dir->fd(), leaf, static_cast<mode_t>(f.mode));
                }
            } else if (f.before == "symlink") {
                const auto tmp = beneath::temp_name(leaf);
                if (::symlinkat(f.link.c_str(), dir->fd(), tmp.c_str()) != 0)
                    throw errno_error(Exit::config, f.path + ": symlink", errno);
                rename_into_place(dir->fd(), tmp, leaf);
            } else if (f.before == "file") {
                std::string bleaf;
                auto bdir = open_parent(root, f.backup, false, bleaf);
                const auto tmp = beneath::temp_name(leaf);
                beneath::copy_file(bdir.fd(), bleaf, dir->fd(), tmp,
                                   static_cast<mode_t>(f.mode & 0777));
                if (::geteuid() == 0)
                    ::fchownat(dir->fd(), tmp.c_str(), static_cast<uid_t>(f.uid),
                               static_cast<gid_t>(f.gid), AT_SYMLINK_NOFOLLOW);
                chmod_at(dir->fd(), tmp, static_cast<mode_t>(f.mode));
                const timespec times[2] = {{0, UTIME_OMIT}, {f.mtime, f.mtime_ns}};
                ::utimensat(dir->fd(), tmp.c_str(), times, AT_SYMLINK_NOFOLLOW);
                rename_into_place(dir->fd(), tmp, leaf);
            }
        });
    }
    for (auto it = j.dirs.rbegin(); it != j.dirs.rend(); ++it) {
        const auto& d = *it;
        attempt([&] {
            std::string leaf;
            auto parent = open_parent_if_exists(root, d.path, leaf);
            if (!parent) return;
            if (d.before == "absent") {
                if (::unlinkat(parent->fd(), leaf.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT &&
                    errno != ENOTEMPTY && errno != EEXIST)
                    throw errno_error(Exit::config, d.path + ": rmdir", errno);
            } else if (d.new_mode && static_cast<mode_t>(d.mode) != *d.new_mode) {
                chmod_at(parent->fd(), leaf, static_cast<mode_t>(d.mode));
            }
        });
    }
    if (first) throw *first;
}

void remove_backups(int root, const Journal& j) {
    for (const auto& f : j.files) {
        if (f.backup.empty()) continue;
        std::string leaf;
        if (auto dir = open_parent_if_exists(root, f.backup, leaf))
            ::unlinkat(dir->fd(), leaf.c_str(), 0);
    }
    for (const auto& tree : j.backup_trees) {
        std::string leaf;
        try {
            const auto phys = beneath::resolve(root, split(tree), tree);
            if (auto dir = open_parent_if_exists(root, beneath::join(phys), leaf))
                remove_tree_at(dir->fd(), leaf);
        } catch (const Error&) {
            // A backup tree that became a link is left alone rather than followed.
        }
    }
    // The directories made for the backups, deepest first, when nothing else is in them.
    for (auto it = j.backup_dirs.rbegin(); it != j.backup_dirs.rend(); ++it) {
        std::string leaf;
        try {
            if (auto dir = open_parent_if_exists(root, *it, leaf))
                ::unlinkat(dir->fd(), leaf.c_str(), AT_REMOVEDIR);
        } catch (const Error&) {
            // A directory that became a link is left alone rather than followed.
        }
    }
}

std::string last_line(std::string_view text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
        text.remove_suffix(1);
    const auto nl = text.rfind('\n');
    if (nl != std::string_view::npos) text.remove_prefix(nl + 1);
    std::string out(text.substr(0, 200));
    for (char& c : out)
        if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    return out;
}

void run_script(const std::string& phase, const package::Script& script,
                const package::Package& pkg, const Target& target, const Options& options) {
    std::vector<std::string> argv;
    try {
        argv = process::split_words(script.command);
    } catch (const Error& e) {
        throw Fail("package", phase + " script: " + e.what());
    }
    if (argv.empty()) throw Fail("package", phase + " script is empty");
    if (argv[0].find('/') != std::string::npos && argv[0].front() != '/') {
        with_context(
            phase + " script", [&] { return split(argv[0]); }, Exit::usage);
        argv[0] = (std::filesystem::absolute(pkg.dir) / argv[0]).string();
    }
    std::string params;
    for (const auto& p : target.params)
        params += (params.empty() ? "" : ",") + p;
    process::Command cmd;
    cmd.argv = argv;
    cmd.timeout = script.timeout.value_or(options.script_timeout);
    cmd.cwd = std::filesystem::absolute(target.root);
    cmd.env = {"SWD_PACKAGE=" + pkg.manifest.id(),
               "SWD_PACKAGE_DIR=" + std::filesystem::absolute(pkg.dir).string(),
               "SWD_TARGET=" + target.name,
               "SWD_ROOT=" + std::filesystem::absolute(target.root).string(),
               "SWD_PARAMS=" + params,
               "SWD_ACTION=install"};
    process::Result res;
    try {
        res = process::run(cmd);
    } catch (const Error& e) {
        throw Fail("install", phase + " script: " + e.what());
    }
    if (res.timed_out) throw Fail("timeout", phase + " script " + res.describe());
    if (!res.ok()) {
        std::string detail = phase + " script failed: " + res.describe();
        if (auto l = last_line(res.err); !l.empty()) detail += ": " + l;
        throw Fail("install", detail);
    }
}

std::string host_os() {
    struct utsname u {};
    ::uname(&u);
    return ascii_lower(u.sysname);
}

std::string host_arch() {
    struct utsname u {};
    ::uname(&u);
    return package::normalise_arch(u.machine);
}

void check_constraints(const package::Manifest& m, const Target& t, int root) {
    const auto os = t.os.empty() ? host_os() : ascii_lower(t.os);
    if (!m.os.empty() && std::find(m.os.begin(), m.os.end(), os) == m.os.end() &&
        std::find(m.os.begin(), m.os.end(), "any") == m.os.end())
        throw Fail("package", "package is for OS " + m.os.front() + ", target runs " + os);
    const auto arch = t.arch.empty() ? host_arch() : package::normalise_arch(t.arch);
    if (!m.arch.empty() && std::find(m.arch.begin(), m.arch.end(), arch) == m.arch.end() &&
        std::find(m.arch.begin(), m.arch.end(), "any") == m.arch.end())
        throw Fail("package",
                   "package is for architecture " + m.arch.front() + ", target is " + arch);
    if (!t.language.empty() && !m.language.empty()) {
        const auto lang = ascii_lower(t.language);
        const bool match =
            std::any_of(m.language.begin(), m.language.end(), [&](const std::string& l) {
                return l == lang || lang.starts_with(l + "_") || lang.starts_with(l + "-") ||
                       l == "any";
            });
        if (!match)
            throw Fail("package",
                       "package is for language " + m.language.front() + ", target uses " + lang);
    }
    if (m.disk_bytes > 0) {
        struct statvfs vfs {};
        if (::fstatvfs(root, &vfs) != 0) throw errno_error(Exit::config, "statvfs", errno);
        const auto free_bytes = static_cast<std::uint64_t>(vfs.f_bavail) * vfs.f_frsize;
        if (free_bytes < m.disk_bytes)
            throw Fail("disk", "needs " + std::to_string(m.disk_bytes) +
                                   " bytes free, target root has " + std::to_string(free_bytes));
    }
}

bool dependency_present(const std::vector<Record>& records, const package::Dependency& d) {
    return std::any_of(records.begin(), records.end(), [&](const Record& r) {
        return r.status == "installed" &&
               (r.id == d.id() || (d.version.empty() && (r.name == d.name || r.id == d.name)));
    });
}

Outcome failed(std::string type, std::string detail) {
    Outcome o;
    o.status = Outcome::Status::failed;
    o.failure = std::move(type);
    o.detail = std::move(detail);
    return o;
}

Outcome install_one(const package::Package& pkg, const Target& target, const Options& options,
                    std::set<std::string>& visiting) {
    const auto& m = pkg.manifest;
    const auto id = m.id();
    Outcome out;
    if (!visiting.insert(id).second) return failed("package", "dependency cycle through " + id);
    struct Leave {
        std::set<std::string>& set;
        const std::string& id;
        ~Leave() { set.erase(id); }
    } leave{visiting, id};

    std::optional<Journal> journal;
    std::optional<Records> records;
    Dir root;  // outlives the try block: a failure is rolled back through it
    try {
        root = guarded("target root", [&] { return beneath::open_root(target.root); });
        {
            std::optional<Records> existing;
            guarded("install records", [&] { existing.emplace(root.fd(), false); });
            if (auto rec = guarded("install record", [&] { return existing->read(id); });
                rec && rec->status == "installed") {
                out.status = Outcome::Status::already_installed;
                out.install_id = rec->install_id;
                out.detail = "already installed";
                return out;
            }
        }
        check_constraints(m, target, root.fd());
        const auto present = guarded("install records", [&] { return installed(target.root); });
        for (const auto& d : m.dependencies)
            if (d.kind == package::Dependency::Kind::asset && !dependency_present(present, d))
                throw Fail("package", "asset dependency " + d.id() + " is not installed");

        // Every path is checked here, before anything is written.
        const auto pkg_root = guarded("package", [&] { return beneath::open_root(pkg.dir); });
        Journal plan;
        plan.id = id;
        plan.name = m.name;
        plan.version = m.version;
        plan.manifest_sha256 = pkg.manifest_sha256;
        plan.by = options.by;
        plan.target = target.name;
        plan.params = target.params;
        guarded(id, [&] {
            Planner p{root.fd(), pkg_root.fd(), pkg, plan, {}};
            for (const auto& d : m.directories)
                p.directory(d);
            for (const auto& f : m.files)
                p.file(f);
            beneath::resolve(root.fd(), split(records_dir), records_dir);
            for (const auto* s : {&m.pre, &m.command, &m.post}) {
                if (!*s) continue;
                const auto argv = process::split_words((*s)->command);
                if (!argv.empty() && argv[0].find('/') != std::string::npos &&
                    argv[0].front() != '/')
                    split(argv[0]);
            }
        });

        for (const auto& d : m.dependencies) {
            if (d.kind != package::Dependency::Kind::install || dependency_present(present, d))
                continue;
            std::optional<package::Package> dep;
            if (options.resolve) dep = options.resolve(d.id());
            if (!dep) throw Fail("package", "install dependency " + d.id() + " is not available");
            auto sub = install_one(*dep, target, options, visiting);
            if (!sub.ok())
                throw Fail(sub.failure,
                           "install dependency " + dep->manifest.id() + ": " + sub.detail);
            out.installed.insert(out.installed.end(), sub.installed.begin(), sub.installed.end());
        }

        guarded("install records", [&] { records.emplace(root.fd(), true); });
        guarded("lock", [&] { records->lock(); });
        auto previous = guarded("install record", [&] { return records->read(id); });
        if (previous && previous->status == "installed") {
            out.status = Outcome::Status::already_installed;
            out.install_id = previous->install_id;
            out.detail = "already installed";
            return out;
        }
        if (previous && previous->manifest_sha256 == plan.manifest_sha256) {
            journal = std::move(previous);  // resume where the interrupted install stopped
            sweep_temporaries(root.fd(), *journal, records->fd());
        } else {
            if (previous) {
                guarded("rolling back an interrupted install of another build", [&] {
                    roll_back(root.fd(), *previous);
                    remove_backups(root.fd(), *previous);
                    records->remove(id);
                });
            }
            plan.install_id = random_id();
            plan.started = timeutil::format_rfc3339(timeutil::now());  // after the dependencies
            sweep_temporaries(root.fd(), plan, records->fd());
            guarded("backup", [&] { take_backups(root.fd(), plan); });
            journal = std::move(plan);
            guarded("install record", [&] { records->write(*journal); });
        }
        out.install_id = journal->install_id;

        const auto phase = [&](const std::string& name, auto&& fn) {
            if (journal->done(name)) return;
            fn();
            journal->phases.push_back(name);
            guarded("install record", [&] { records->write(*journal); });
        };
        phase("pre", [&] {
            if (m.pre) run_script("pre", *m.pre, pkg, target, options);
        });
        phase("files",
              [&] { guarded("files", [&] { put_files(root.fd(), pkg_root.fd(), *journal); }); });
        phase("command", [&] {
            if (m.command) run_script("command", *m.command, pkg, target, options);
        });
        phase("post", [&] {
            if (m.post) run_script("post", *m.post, pkg, target, options);
        });
        journal->status = "installed";
        journal->installed_at = timeutil::format_rfc3339(timeutil::now());
        guarded("install record", [&] { records->write(*journal); });
        out.status = Outcome::Status::installed;
        out.detail = "installed";
        out.installed.push_back(id);
        return out;
    } catch (const Fail& e) {
        auto o = failed(e.type, e.what());
        if (journal && records && records->exists()) {
            try {
                roll_back(root.fd(), *journal);
                remove_backups(root.fd(), *journal);
                records->remove(id);
            } catch (const std::exception& re) {
                o.detail += " (rollback incomplete: " + std::string(re.what()) + ")";
            }
        }
        o.install_id = out.install_id;
        o.installed = out.installed;
        return o;
    } catch (const std::exception& e) {
        return failed("install", e.what());
    }
}

}  // namespace

Outcome install(const package::Package& pkg, const Target& target, const Options& options) {
    std::set<std::string> visiting;
    return install_one(pkg, target, options, visiting);
}

Outcome undo(const Target& target, std::string_view id) {
    try {
        package::check_name("package", id);
        const auto root = guarded("target root", [&] { return beneath::open_root(target.root); });
        {
            Records probe(root.fd(), false);
            if (!probe.exists()) {
                Outcome o;
                o.status = Outcome::Status::not_installed;
                o.detail = "not installed";
                return o;
            }
        }
        Records records(root.fd(), false);
        guarded("lock", [&] { records.lock(); });
        auto j = guarded("install record", [&] { return records.read(id); });
        Outcome o;
        if (!j) {
            o.status = Outcome::Status::not_installed;
            o.detail = "not installed";
            return o;
        }
        guarded("undo", [&] {
            roll_back(root.fd(), *j);
            remove_backups(root.fd(), *j);
            records.remove(id);
        });
        o.status = Outcome::Status::undone;
        o.install_id = j->install_id;
        o.detail = "undone";
        return o;
    } catch (const Fail& e) {
        return failed(e.type, e.what());
    } catch (const std::exception& e) {
        return failed("install", e.what());
    }
}

std::vector<Record> installed(const std::filesystem::path& root_path) {
    return with_context(
        root_path.string(),
        [&] {
            const auto root = beneath::open_root(root_path);
            Records records(root.fd(), false);
            std::vector<Record> out;
            if (!records.exists()) return out;
            const int fd = ::openat(records.fd(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            DIR* d = fd >= 0 ? ::fdopendir(fd) : nullptr;
            if (!d) {
                if (fd >= 0) ::close(fd);
                throw errno_error(Exit::config, records_dir, errno);
            }
            std::vector<std::string> names;
            while (const auto* e = ::readdir(d)) {
                const std::string n = e->d_name;
                if (n.ends_with(".json") && !n.starts_with(".")) names.push_back(n);
            }
            ::closedir(d);
            std::sort(names.begin(), names.end());
            for (const auto& n : names) {
                const auto text = beneath::read_file_at(records.fd(), n);
                const auto j = Journal::from_json(text, n);
                Record r{j.id, j.name,    j.version,      j.status, j.install_id,
                         j.by, j.started, j.installed_at, text};
                while (!r.json.empty() && r.json.back() == '\n')
                    r.json.pop_back();
                out.push_back(std::move(r));
            }
            return out;
        },
        Exit::config);
}

std::optional<Record> find(const std::filesystem::path& root, std::string_view id) {
    for (auto& r : installed(root))
        if (r.id == id) return r;
    return std::nullopt;
}

}  // namespace swd::installer
