// The unit tests' temporary directory: made with mkdtemp under the system's temporary directory,
// removed with everything in it at the end of the scope (errors ignored), so a failing test leaves
// nothing behind.
#pragma once

#include <stdlib.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>

namespace swd::test {

class TempDir {
  public:
    /// Throws std::system_error when mkdtemp fails.
    TempDir() {
        std::string templ = (std::filesystem::temp_directory_path() / "swd-test-XXXXXX").string();
        if (::mkdtemp(templ.data()) == nullptr)
            throw std::system_error(errno, std::generic_category(), "mkdtemp " + templ);
        path_ = templ;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }

    /// Writes `data` to DIR/NAME, replacing the file, and returns its path.
    std::string write(const std::string& name, std::string_view data) const {
        const std::string p = (path_ / name).string();
        std::ofstream(p, std::ios::binary).write(data.data(), std::streamsize(data.size()));
        return p;
    }

  private:
    std::filesystem::path path_;
};

}  // namespace swd::test
