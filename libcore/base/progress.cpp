#include "libcore/base/progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace swd {

namespace {

constexpr auto interval = std::chrono::milliseconds(250);

}  // namespace

bool Progress::due() const {
    return enabled_ && std::chrono::steady_clock::now() - last_ >= interval;
}

void Progress::update(const std::string& text) {
    if (!due()) return;
    last_ = std::chrono::steady_clock::now();
    std::fprintf(stderr, "\r%s: %s\033[K", tool_.c_str(), text.c_str());
    shown_ = true;
}

void Progress::clear() {
    if (!shown_) return;
    std::fputs("\r\033[K", stderr);
    shown_ = false;
}

bool stderr_is_terminal() {
    return isatty(STDERR_FILENO) == 1;
}

}  // namespace swd
