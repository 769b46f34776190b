// A file descriptor that is closed when its owner goes.
#pragma once

#include <unistd.h>

namespace swd {

/// Owns one file descriptor (or none: -1) and closes it on destruction or reset.
class Fd {
  public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { reset(); }

    int get() const { return fd_; }
    bool open() const { return fd_ >= 0; }
    /// Closes the descriptor held, if any, and holds `fd`.
    void reset(int fd = -1) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = fd;
    }

  private:
    int fd_ = -1;
};

}  // namespace swd
