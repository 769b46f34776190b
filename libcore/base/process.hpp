// Processes: run an argv with posix_spawn (never a shell), split command templates into words,
// and shell-quote words for display.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace swd::process {

struct Command {
    std::vector<std::string> argv;              ///< argv[0] is looked up in PATH when it has no '/'
    std::optional<std::string> input;           ///< written to the child's stdin, then closed
    std::chrono::milliseconds timeout{30'000};  ///< then SIGTERM; `kill_after` later SIGKILL
    std::chrono::milliseconds kill_after{2'000};
    std::size_t max_output = 1 << 20;          ///< bytes kept of stdout and of stderr, each
    std::vector<std::string> env;              ///< "KEY=value" added to (or replacing in) environ
    std::optional<std::filesystem::path> cwd;  ///< working directory of the child
};

struct Result {
    int exit_code = -1;      ///< the child's exit status, or -1 when it died of a signal
    int signal = 0;          ///< the signal that ended it, 0 if it exited
    bool timed_out = false;  ///< the timeout fired and the child was terminated
    std::string out;         ///< captured stdout (at most max_output bytes)
    std::string err;         ///< captured stderr (at most max_output bytes)
    bool out_truncated = false;
    bool err_truncated = false;
    std::chrono::milliseconds elapsed{0};

    /// True when the child exited with status 0 and did not time out.
    bool ok() const { return !timed_out && signal == 0 && exit_code == 0; }
    /// "exit 3", "killed by signal 9 (Killed)", "timed out after 10s".
    std::string describe() const;
};

/// Runs the command and waits for it. Output beyond max_output is read and discarded so the
/// child never blocks. Throws swd::Error (Exit::config) when it cannot be started at all
/// (not found, not executable): "cannot run 'ping': No such file or directory".
Result run(const Command& cmd);

/// Splits a command template into words the way a POSIX shell would split it, without any
/// expansion: single quotes, double quotes (with \" \\ \$ \` escapes), backslash escapes,
/// whitespace separates. `$`, `*`, `;`, `|`, ... are ordinary characters. Throws swd::Error
/// (Exit::usage) on an unterminated quote or a trailing backslash.
std::vector<std::string> split_words(std::string_view text);

/// Quotes one word so that a POSIX shell reads it back as exactly that word: words made only of
/// [A-Za-z0-9_@%+=:,./-] are left as they are; anything else is wrapped in single quotes (with
/// ' written as '\''); the empty word becomes ''.
std::string shell_quote(std::string_view word);

/// shell_quote of each word, joined by single spaces: safe to copy and paste.
std::string shell_join(const std::vector<std::string>& argv);

}  // namespace swd::process
