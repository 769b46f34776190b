#include "libcore/base/paths.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

#include "libcore/base/error.hpp"

namespace swd::paths {

namespace {

/// An XDG variable's directory, or empty when it is unset, empty or relative.
std::filesystem::path xdg(const char* name) {
    const char* value = std::getenv(name);
    if (!value) return {};
    std::filesystem::path dir(value);
    return dir.is_absolute() ? dir : std::filesystem::path();
}

}  // namespace

std::filesystem::path home() {
    if (const char* h = std::getenv("HOME"); h && *h) return h;
    if (const passwd* pw = getpwuid(geteuid()); pw && pw->pw_dir && *pw->pw_dir) return pw->pw_dir;
    throw Error(Exit::config, "$HOME is not set and the user has no home directory");
}

std::filesystem::path user_state() {
    if (auto dir = xdg("XDG_STATE_HOME"); !dir.empty()) return dir / "swd";
    return home() / ".local" / "state" / "swd";
}

std::filesystem::path user_config() {
    if (auto dir = xdg("XDG_CONFIG_HOME"); !dir.empty()) return dir / "swd";
    return home() / ".config" / "swd";
}

std::filesystem::path state_dir() {
    return ::geteuid() == 0 ? std::filesystem::path("/var/lib/swd") : user_state();
}

}  // namespace swd::paths
