#include "libcore/redist/dialog.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "libcore/base/error.hpp"
#include "libcore/base/process.hpp"
#include "libcore/base/signals.hpp"

extern char** environ;

namespace swd::redist {

std::unique_ptr<Terminal> Terminal::open() {
    const int fd = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        throw Error(Exit::usage, "no terminal to ask on (/dev/tty: " + errno_text(errno) +
                                     "): give --yes to issue every job, or --dry-run to only "
                                     "show them");
    return std::unique_ptr<Terminal>(new Terminal(fd));
}

Terminal::~Terminal() {
    ::close(fd_);
}

void Terminal::write(std::string_view text) {
    while (!text.empty()) {
        const auto n = ::write(fd_, text.data(), text.size());
        if (n < 0) {
            if (errno == EINTR && !interrupted()) continue;
            return;  // the operator's terminal went away: answers will say quit
        }
        text.remove_prefix(static_cast<std::size_t>(n));
    }
}

bool Terminal::read_line(std::string& line) {
    line.clear();
    for (;;) {
        char c = 0;
        const auto n = ::read(fd_, &c, 1);
        if (n < 0 && errno == EINTR && !interrupted()) continue;
        if (n <= 0) return false;
        if (c == '\n') return true;
        line += c;
    }
}

Terminal::Answer Terminal::ask(std::string_view question) {
    std::string line;
    for (;;) {
        write(std::string(question) + " [y]es [n]o [e]dit [a]ll [q]uit ");
        if (!read_line(line)) {
            write("\n");
            return Answer::quit;
        }
        const auto first = line.find_first_not_of(" \t\r");
        if (first == std::string::npos) continue;
        switch (std::tolower(static_cast<unsigned char>(line[first]))) {
            case 'y':
                return Answer::yes;
            case 'n':
                return Answer::no;
            case 'e':
                return Answer::edit;
            case 'a':
                return Answer::all;
            case 'q':
                return Answer::quit;
            default:
                write("please answer y, n, e, a or q\n");
        }
    }
}

std::string Terminal::edit(std::string_view text) {
    std::string editor;
    for (const char* var : {"VISUAL", "EDITOR"}) {
        if (const char* v = std::getenv(var); v && *v) {
            editor = v;
            break;
        }
    }
    if (editor.empty()) editor = "vi";
    auto argv = with_context(
        "editor '" + editor + "'", [&] { return process::split_words(editor); }, Exit::usage);
    if (argv.empty()) throw Error(Exit::usage, "editor '" + editor + "': empty");

    const char* tmpdir = std::getenv("TMPDIR");
    std::string path = std::string(tmpdir && *tmpdir ? tmpdir : "/tmp") + "/swd-redist-XXXXXX.sh";
    const int fd = ::mkstemps(path.data(), 3);
    if (fd < 0) throw Error(Exit::usage, "temporary file " + path + ": " + errno_text(errno));
    ::close(fd);
    struct Remove {
        std::string p;
        ~Remove() { std::filesystem::remove(p); }
    } remove{path};
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << text;
        if (!out.flush()) throw Error(Exit::usage, "temporary file " + path + ": cannot write");
    }

    argv.push_back(path);
    std::vector<char*> args;
    for (auto& a : argv)
        args.push_back(a.data());
    args.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    for (int target : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO})
        posix_spawn_file_actions_adddup2(&actions, fd_, target);
    pid_t pid = 0;
    const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw Error(Exit::usage, "editor '" + editor + "': " + errno_text(rc));
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            throw Error(Exit::usage, "editor '" + editor + "': " + errno_text(errno));
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw Error(Exit::usage, "editor '" + editor + "' did not exit with status 0");

    std::ifstream in(path, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

}  // namespace swd::redist
