#include "libcore/base/paths.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <optional>
#include <string>

#include "libcore/base/error.hpp"

namespace {

/// Sets (or with nullopt unsets) an environment variable for the scope, then puts it back.
class EnvVar {
  public:
    EnvVar(const char* name, std::optional<std::string> value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        if (value)
            ::setenv(name, value->c_str(), 1);
        else
            ::unsetenv(name);
    }
    ~EnvVar() {
        if (old_)
            ::setenv(name_, old_->c_str(), 1);
        else
            ::unsetenv(name_);
    }
    EnvVar(const EnvVar&) = delete;
    EnvVar& operator=(const EnvVar&) = delete;

  private:
    const char* name_;
    std::optional<std::string> old_;
};

}  // namespace

TEST_CASE("paths: XDG directories when absolute, else under the home", "[paths]") {
    EnvVar home("HOME", "/home/op");
    {
        EnvVar state("XDG_STATE_HOME", "/srv/state");
        EnvVar config("XDG_CONFIG_HOME", "/srv/config");
        CHECK(swd::paths::user_state() == "/srv/state/swd");
        CHECK(swd::paths::user_config() == "/srv/config/swd");
    }
    {
        // The XDG specification: a relative value is invalid and ignored.
        EnvVar state("XDG_STATE_HOME", "state");
        EnvVar config("XDG_CONFIG_HOME", "");
        CHECK(swd::paths::user_state() == "/home/op/.local/state/swd");
        CHECK(swd::paths::user_config() == "/home/op/.config/swd");
    }
    EnvVar state("XDG_STATE_HOME", std::nullopt);
    CHECK(swd::paths::user_state() == "/home/op/.local/state/swd");
    CHECK(swd::paths::home() == "/home/op");
}
