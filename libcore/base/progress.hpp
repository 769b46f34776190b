// A progress line on stderr while long work runs at a terminal.
#pragma once

#include <chrono>
#include <string>

namespace swd {

/// One line on stderr, rewritten in place ("\r...\033[K") at most four times a second, for work
/// that takes more than a moment. Shown only when `enabled` (the tools pass: stderr is a
/// terminal and not --quiet); clear() removes it before anything else is written to stderr.
class Progress {
  public:
    Progress(std::string tool, bool enabled) : tool_(std::move(tool)), enabled_(enabled) {}
    /// Clears the line: an error said after it starts on a clean line.
    ~Progress() { clear(); }
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    /// Whether update() would write now: a caller may skip composing the text when not.
    bool due() const;
    /// Shows "TOOL: text" in place of the last line, if due().
    void update(const std::string& text);
    /// Removes the line, if one is shown.
    void clear();

  private:
    std::string tool_;
    bool enabled_;
    bool shown_ = false;
    std::chrono::steady_clock::time_point last_{};
};

/// Whether progress may be shown: stderr is a terminal.
bool stderr_is_terminal();

}  // namespace swd
