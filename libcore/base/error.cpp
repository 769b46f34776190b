#include "libcore/base/error.hpp"

#include <cstring>

namespace swd {

std::string errno_text(int err) {
    char buf[256];
    // GNU strerror_r returns the message, which may or may not live in buf.
    return std::string(strerror_r(err, buf, sizeof buf));
}

Error errno_error(Exit code, const std::string& what, int err) {
    return Error(code, what + ": " + errno_text(err), err);
}

}  // namespace swd
