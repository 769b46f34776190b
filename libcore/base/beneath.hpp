// Paths that never leave a root: manifest paths checked lexically, symbolic links resolved
// inside the root, and directories opened one component at a time without following links, so a
// package can never write outside the target root or read outside its own directory.
#pragma once

#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace swd::beneath {

/// The components of a relative path taken from a manifest or an archive ("opt/app/x" ->
/// {"opt","app","x"}), with "." and empty components dropped. Throws Error(Exit::usage,
/// "path 'P': why") when it is empty, absolute, holds "..", a NUL or a control character.
std::vector<std::string> split_relative(std::string_view path);

/// "a/b/c" from components.
std::string join(const std::vector<std::string>& parts);

/// An open directory descriptor, closed on destruction.
class Dir {
  public:
    Dir() = default;
    explicit Dir(int fd) : fd_(fd) {}
    Dir(Dir&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
    Dir& operator=(Dir&& o) noexcept;
    Dir(const Dir&) = delete;
    Dir& operator=(const Dir&) = delete;
    ~Dir();
    int fd() const { return fd_; }
    bool is_open() const { return fd_ >= 0; }

  private:
    int fd_ = -1;
};

/// Opens `root` itself (it may be reached through symbolic links: the root is trusted).
/// Throws Error(Exit::config, "ROOT: why").
Dir open_root(const std::filesystem::path& root);

/// Resolves the directory components `parents` inside the root: a symbolic link is followed
/// only when its target is relative and stays inside the root; an absolute target or one that
/// climbs above the root is an escape. Returns the physical components (no links left).
/// Components that do not exist yet are kept as they are. Throws Error(Exit::usage,
/// "path 'P': symbolic link 'L' leaves the root") or ("...: 'C' is not a directory").
std::vector<std::string> resolve(int root_fd, const std::vector<std::string>& parents,
                                 std::string_view display);

/// Opens the directory at the physical components `parts` (from resolve()) below `root_fd`,
/// one component at a time with O_NOFOLLOW; with `create`, missing directories are made (mode
/// 0755) and their relative paths appended to `created` when given. Throws Error(Exit::usage)
/// when a component turned into a link, and Error(Exit::config) on other failures.
Dir open_dir(int root_fd, const std::vector<std::string>& parts, bool create,
             std::vector<std::string>* created = nullptr);

/// lstat of `name` in `dir`; false when it does not exist (other errors throw Error(config)).
bool stat_at(int dir, const std::string& name, struct stat& st);

/// Copies the regular file `name` in `from_dir` to `tmp_name` in `to_dir` (created with
/// O_EXCL, mode `mode`), fsyncs it, and returns its sha256 (lower-case hex). Throws
/// Error(Exit::config) on failure, removing the partial copy.
std::string copy_file(int from_dir, const std::string& name, int to_dir,
                      const std::string& tmp_name, mode_t mode);

/// sha256 of the regular file `name` in `dir`, opened with O_NOFOLLOW.
std::string sha256_at(int dir, const std::string& name);

/// A file name for temporary files in the same directory: ".swd-tmp.PID.RANDOM.NAME".
std::string temp_name(std::string_view name);

/// Writes `data` to `name` in `dir` atomically (temporary file, fsync, rename, fsync of the
/// directory). Throws Error(Exit::config).
void write_file_atomic(int dir, const std::string& name, std::string_view data, mode_t mode);

/// Reads the regular file `name` in `dir` (O_NOFOLLOW). Throws Error(Exit::config).
std::string read_file_at(int dir, const std::string& name);

/// Removes a directory tree (no links followed). Errors are ignored: used for clean-up only.
void remove_tree(const std::filesystem::path& path);

}  // namespace swd::beneath
