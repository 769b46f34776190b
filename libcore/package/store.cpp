#include "libcore/package/store.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "libcore/base/beneath.hpp"
#include "libcore/base/error.hpp"
#include "libcore/package/tar.hpp"

namespace swd::package {

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
