// Where swd keeps its files when nothing names them: the system's directories for root, the XDG
// base directories for everyone else, by one rule for the state file, the configuration, the
// distribution log, the spool and the package store.
#pragma once

#include <filesystem>

namespace swd::paths {

/// The user's home: $HOME, else the password database's entry. Throws Error(Exit::config,
/// "$HOME is not set and the user has no home directory") when there is neither.
std::filesystem::path home();

/// $XDG_STATE_HOME/swd, else ~/.local/state/swd. A relative $XDG_STATE_HOME is ignored, as the
/// XDG Base Directory specification says of every relative value.
std::filesystem::path user_state();

/// $XDG_CONFIG_HOME/swd, else ~/.config/swd; a relative $XDG_CONFIG_HOME is ignored.
std::filesystem::path user_config();

/// Where swd keeps its state: /var/lib/swd for root, else user_state().
std::filesystem::path state_dir();

}  // namespace swd::paths
