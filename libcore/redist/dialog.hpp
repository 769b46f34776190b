// The operator's dialogue (seed 002, FIG. 2 steps 138-142): questions and answers on the
// controlling terminal (/dev/tty), so that records can come in on stdin at the same time, and
// the command opened in the operator's editor.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace swd::redist {

class Terminal {
  public:
    /// Opens /dev/tty. Throws Error(Exit::usage, "no terminal to ask on (/dev/tty: why): give
    /// --yes to issue every job, or --dry-run to only show them") when there is none.
    static std::unique_ptr<Terminal> open();
    ~Terminal();
    Terminal(const Terminal&) = delete;
    Terminal& operator=(const Terminal&) = delete;

    /// Writes `text` to the terminal.
    void write(std::string_view text);

    enum class Answer { yes, no, edit, all, quit };

    /// Asks "QUESTION [y]es [n]o [e]dit [a]ll [q]uit " until one of those letters (any case) is
    /// answered. The end of input or an interrupt is `quit`.
    Answer ask(std::string_view question);

    /// Writes `text` to a temporary file, opens it in $VISUAL, else $EDITOR, else vi (a
    /// command split into words, with the file's path added; never a shell) on the terminal,
    /// and returns the file's content afterwards. Throws Error(Exit::usage, "editor ...: why")
    /// when the editor cannot be started or does not exit with status 0.
    std::string edit(std::string_view text);

  private:
    explicit Terminal(int fd) : fd_(fd) {}
    bool read_line(std::string& line);
    int fd_;
};

}  // namespace swd::redist
