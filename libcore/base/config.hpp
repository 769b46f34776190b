// Configuration: one TOML file shared by every tool, one section per tool (DESIGN §3).
// Precedence: flag > environment > config file > built-in default. Flags are the tool's
// business; this module resolves the other three.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace swd {

/// The TOML type a key takes; `duration` is a string such as "5m", `table` a sub-table whose
/// own keys are free (aliases, thresholds per failure type).
enum class KeyKind { string, integer, boolean, duration, strings, durations, table };

/// One configuration key known to swd.
struct ConfigKey {
    std::string_view key;  ///< dotted: "ticket.window"
    KeyKind kind;
    std::string_view default_value;  ///< as TOML text: "\"24h\"", "4", "[\"0s\",\"30s\"]", ""
    std::string_view help;           ///< one line, shown by --print-config
    std::string_view env = {};       ///< environment variable that overrides the file, if any
    bool secret = false;             ///< never printed or logged in clear
};

/// The keys of one or more sections, as a tool declares them.
using ConfigKeys = std::vector<ConfigKey>;

/// Keys shared by every tool: [state], [smtp], [alerts].
const ConfigKeys& common_config_keys();

/// Which file is read: `flag` when given, else $SWD_CONFIG, else for root /etc/swd/swd.toml,
/// for others $XDG_CONFIG_HOME/swd/swd.toml (default ~/.config/swd/swd.toml) when it exists,
/// else /etc/swd/swd.toml. Empty when none applies and none exists.
std::filesystem::path config_path(const std::string& flag);

class Config {
  public:
    /// An empty configuration: every key at its environment value or default.
    Config();
    ~Config();
    Config(Config&&) noexcept;
    Config& operator=(Config&&) noexcept;

    /// Reads the file chosen by config_path(flag). A file named by the flag or $SWD_CONFIG must
    /// exist; a default location may be absent. Throws Error(Exit::config, "config PATH:LINE:COL:
    /// why") on a syntax error and for a key of the wrong type. Keys in the sections of `keys`
    /// that are not declared, and sections no swd tool has, give one warning each on stderr.
    static Config load(const std::string& flag, const ConfigKeys& keys);

    /// Parses TOML text as if read from `origin` (for tests and embedded defaults).
    static Config parse(std::string_view toml, const std::string& origin, const ConfigKeys& keys);

    /// The file read, empty when none.
    const std::filesystem::path& path() const;

    /// Effective values: environment (the key's `env`), then the file, then the default.
    /// nullopt when none of them has a value. Throws Error(Exit::config) when the environment
    /// or default text does not fit the kind.
    std::optional<std::string> get_string(std::string_view key) const;
    std::optional<std::int64_t> get_int(std::string_view key) const;
    std::optional<bool> get_bool(std::string_view key) const;
    /// A duration key, parsed ("5m" -> 300 s).
    std::optional<std::int64_t> get_seconds(std::string_view key) const;
    std::optional<std::vector<std::string>> get_strings(std::string_view key) const;
    /// The effective value of a key that always has one, so that a default is written once, where
    /// the key is declared. A text or list key without a value reads as empty; an integer,
    /// boolean or duration key without one is a programming error (std::logic_error): such keys
    /// declare a default (a unit test checks every tool's keys).
    std::string text(std::string_view key) const;
    std::int64_t integer(std::string_view key) const;
    bool boolean(std::string_view key) const;
    std::int64_t seconds(std::string_view key) const;
    std::vector<std::string> strings(std::string_view key) const;

    /// A table key's entries in file order, values rendered as text (strings unquoted).
    std::vector<std::pair<std::string, std::string>> get_table(std::string_view key) const;

    /// --print-config: every declared key as TOML, grouped by section, each with its effective
    /// value and where it came from (default, file, or the environment variable); secrets are
    /// masked.
    void print(std::FILE* out) const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace swd
