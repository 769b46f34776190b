#include "libcore/base/claim.hpp"

#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <string>

namespace swd::claim {

namespace {

std::string boot_id() {
    std::ifstream in("/proc/sys/kernel/random/boot_id");
    std::string id;
    std::getline(in, id);
    return id;
}

/// Field 22 (starttime) of /proc/PID/stat, or empty when there is no such process. The command
/// name (field 2) may hold spaces and parentheses, so the fields are counted from its last ')'.
std::string start_time(long pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat;
    if (!std::getline(in, stat)) return {};
    const auto close = stat.rfind(')');
    if (close == std::string::npos) return {};
    std::istringstream fields(stat.substr(close + 1));
    std::string field;
    for (int i = 3; i <= 22; ++i)
        if (!(fields >> field)) return {};
    return field;
}

}  // namespace

const std::string& self() {
    static const std::string token = [] {
        const long pid = ::getpid();
        return boot_id() + "/" + std::to_string(pid) + "/" + start_time(pid);
    }();
    return token;
}

bool alive(std::string_view token) {
    const auto first = token.find('/');
    const auto second = token.rfind('/');
    if (first == std::string_view::npos || second == first) return true;
    long pid = 0;
    const auto pid_text = token.substr(first + 1, second - first - 1);
    const auto [end, ec] = std::from_chars(pid_text.data(), pid_text.data() + pid_text.size(), pid);
    if (ec != std::errc() || end != pid_text.data() + pid_text.size() || pid <= 0) return true;
    static const std::string boot = boot_id();
    if (token.substr(0, first) != boot) return false;
    return start_time(pid) == token.substr(second + 1);
}

}  // namespace swd::claim
