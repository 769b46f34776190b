#include "libcore/base/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstring>

#include "libcore/base/error.hpp"
#include "libcore/base/fd.hpp"

extern char** environ;

namespace swd::process {

namespace {

using SteadyClock = std::chrono::steady_clock;

[[noreturn]] void fail(const Command& cmd, int err) {
    throw Error(Exit::config, "cannot run '" + cmd.argv.front() + "': " + errno_text(err));
}

void make_pipe(const Command& cmd, Fd& read_end, Fd& write_end) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) fail(cmd, errno);
    read_end.reset(fds[0]);
    write_end.reset(fds[1]);
    // A caller with stdin, stdout or stderr closed gets pipe ends numbered 0-2, which the dup2
    // file actions would overwrite before using; such ends are moved above 2.
    for (Fd* end : {&read_end, &write_end}) {
        if (end->get() > 2) continue;
        const int moved = ::fcntl(end->get(), F_DUPFD_CLOEXEC, 3);
        if (moved < 0) fail(cmd, errno);
        end->reset(moved);
    }
}

void set_nonblocking(int fd) {
    const int flags = ::fcntl(fd, F_GETFL);
    ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

std::vector<std::string> child_environment(const Command& cmd) {
    std::vector<std::string> env;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e)
        env.emplace_back(*e);
    for (const std::string& entry : cmd.env) {
        const auto eq = entry.find('=');
        if (eq == std::string::npos || eq == 0) {
            throw Error(Exit::config, "cannot run '" + cmd.argv.front() + "': environment entry '" +
                                          entry + "' is not KEY=value");
        }
        const std::string_view key(entry.data(), eq + 1);
        const auto same_key = [&](const std::string& e) { return e.starts_with(key); };
        std::erase_if(env, same_key);
        env.push_back(entry);
    }
    return env;
}

std::vector<char*> pointers(const std::vector<std::string>& strings) {
    std::vector<char*> out;
    out.reserve(strings.size() + 1);
    for (const std::string& s : strings)
        out.push_back(const_cast<char*>(s.c_str()));
    out.push_back(nullptr);
    return out;
}

// SIGPIPE is blocked around the write so a child that stops reading shows up as EPIPE even in a
// caller that has not ignored SIGPIPE; the signal that write raised is then discarded.
ssize_t write_without_sigpipe(int fd, const char* data, std::size_t size) {
    sigset_t pipe_only;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    const bool already_pending = sigismember(&pending, SIGPIPE) == 1;
    sigset_t old_mask;
    pthread_sigmask(SIG_BLOCK, &pipe_only, &old_mask);
    ssize_t n;
    do {
        n = ::write(fd, data, size);
    } while (n < 0 && errno == EINTR);
    const int err = errno;
    if (n < 0 && err == EPIPE && !already_pending) {
        const timespec no_wait{};
        while (sigtimedwait(&pipe_only, nullptr, &no_wait) < 0 && errno == EINTR) {
        }
    }
    pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
    errno = err;
    return n;
}

void keep(std::string& dst, bool& truncated, std::size_t max, const char* data, std::size_t n) {
    const std::size_t room = max > dst.size() ? max - dst.size() : 0;
    if (n > room) {
        truncated = true;
        n = room;
    }
    dst.append(data, n);
}

// Returns the errno of waitpid, 0 on success.
int reap(pid_t pid, int& status) {
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return errno;
    }
    return 0;
}

// Kills and reaps the child if run() leaves early by an exception, so no zombie is left behind.
class ChildGuard {
  public:
    explicit ChildGuard(pid_t pid) : pid_(pid) {}
    ChildGuard(const ChildGuard&) = delete;
    ChildGuard& operator=(const ChildGuard&) = delete;
    ~ChildGuard() {
        if (pid_ <= 0) return;
        ::kill(-pid_, SIGKILL);
        int status;
        reap(pid_, status);
    }
    int reap_now(int& status) {
        const int err = reap(pid_, status);
        pid_ = 0;
        return err;
    }

  private:
    pid_t pid_;
};

// Checks for the child's exit without reaping it: the zombie keeps its pid, and so the number of
// its process group, from being reused while the group may still be signalled.
bool has_exited(pid_t pid) {
    siginfo_t info{};
    while (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) < 0) {
        if (errno != EINTR) return true;  // nothing left to wait for; reaping reports why
    }
    return info.si_pid == pid;
}

int poll_timeout(SteadyClock::time_point now, std::optional<SteadyClock::time_point> next) {
    if (!next) return -1;
    if (*next <= now) return 0;
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(*next - now).count();
    return static_cast<int>(std::min<long long>(ms, INT_MAX));
}

// Caps a wait at a century, so that milliseconds::max() means "never" instead of overflowing the
// steady clock's nanoseconds.
std::chrono::milliseconds bounded(std::chrono::milliseconds wait) {
    return std::min<std::chrono::milliseconds>(wait, std::chrono::years(100));
}

std::string format_elapsed(std::chrono::milliseconds ms) {
    if (ms < std::chrono::seconds(1)) return std::to_string(ms.count()) + "ms";
    return std::to_string(std::chrono::floor<std::chrono::seconds>(ms).count()) + "s";
}

}  // namespace

std::string Result::describe() const {
    if (timed_out) return "timed out after " + format_elapsed(elapsed);
    if (signal != 0) {
        const char* text = sigdescr_np(signal);
        return "killed by signal " + std::to_string(signal) + " (" +
               (text != nullptr ? text : "unknown signal") + ")";
    }
    return "exit " + std::to_string(exit_code);
}

Result run(const Command& cmd) {
    if (cmd.argv.empty()) throw Error(Exit::config, "cannot run an empty command");

    Fd in_read, in_write, out_read, out_write, err_read, err_write;
    if (cmd.input) make_pipe(cmd, in_read, in_write);
    make_pipe(cmd, out_read, out_write);
    make_pipe(cmd, err_read, err_write);

    const std::vector<std::string> env = child_environment(cmd);
    std::vector<char*> envp = pointers(env);
    std::vector<char*> argv = pointers(cmd.argv);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (cmd.input) {
        posix_spawn_file_actions_adddup2(&actions, in_read.get(), STDIN_FILENO);
    } else {
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    }
    posix_spawn_file_actions_adddup2(&actions, out_write.get(), STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err_write.get(), STDERR_FILENO);
    if (cmd.cwd) posix_spawn_file_actions_addchdir_np(&actions, cmd.cwd->c_str());

    // Own process group, so a timeout reaches grandchildren too; default signal handling and an
    // empty mask, because the caller's ignored SIGPIPE and blocked signals must not leak in.
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(
        &attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(&attr, 0);
    sigset_t signals;
    sigemptyset(&signals);
    posix_spawnattr_setsigmask(&attr, &signals);
    sigfillset(&signals);
    posix_spawnattr_setsigdefault(&attr, &signals);

    const auto start = SteadyClock::now();
    pid_t pid = 0;
    const int spawn_error = posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (spawn_error != 0) {
        if (cmd.cwd && ::access(cmd.cwd->c_str(), X_OK) != 0) {
            const int err = errno;
            throw Error(Exit::config, "cannot run '" + cmd.argv.front() + "' in '" +
                                          cmd.cwd->string() + "': " + errno_text(err));
        }
        fail(cmd, spawn_error);
    }
    ChildGuard guard(pid);

    in_read.reset();
    out_write.reset();
    err_write.reset();
    for (const Fd* fd : {&in_write, &out_read, &err_read}) {
        if (fd->open()) set_nonblocking(fd->get());
    }

    // Without pidfd (old kernels, seccomp), the child's exit is noticed by polling waitid. The
    // raw syscall because glibc 2.36's <sys/pidfd.h> lacks extern "C" and cannot link from C++.
    Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    constexpr int no_pidfd_tick_ms = 10;

    Result result;
    std::size_t written = 0;
    if (cmd.input && cmd.input->empty()) in_write.reset();

    const auto deadline = start + bounded(cmd.timeout);
    std::optional<SteadyClock::time_point> kill_at;
    bool killed = false;
    bool exited = false;
    std::array<char, 65536> buffer;

    // Once the child has exited, whatever its pipes hold is drained and the loop ends: a
    // background grandchild that keeps them open does not hold run() up.
    for (;;) {
        const auto now = SteadyClock::now();
        if (!result.timed_out && now >= deadline) {
            ::kill(-pid, SIGTERM);
            result.timed_out = true;
            kill_at = now + bounded(cmd.kill_after);
        }
        if (kill_at && !killed && now >= *kill_at) {
            ::kill(-pid, SIGKILL);
            killed = true;
        }

        std::array<pollfd, 4> fds{};
        nfds_t count = 0;
        const auto add = [&](const Fd& fd, short events) {
            if (fd.open()) fds[count++] = pollfd{fd.get(), events, 0};
        };
        add(in_write, POLLOUT);
        add(out_read, POLLIN);
        add(err_read, POLLIN);
        if (!exited) add(pidfd, POLLIN);

        int timeout_ms = 0;
        if (!exited) {
            std::optional<SteadyClock::time_point> next;
            if (!result.timed_out) {
                next = deadline;
            } else if (!killed) {
                next = kill_at;
            }
            timeout_ms = poll_timeout(now, next);
            if (!pidfd.open() && (timeout_ms < 0 || timeout_ms > no_pidfd_tick_ms)) {
                timeout_ms = no_pidfd_tick_ms;
            }
        }

        const int ready = ::poll(fds.data(), count, timeout_ms);
        if (ready < 0) {
            if (errno == EINTR) continue;
            throw Error(Exit::config,
                        "running '" + cmd.argv.front() + "': poll: " + errno_text(errno));
        }
        // After SIGKILL, only processes outside the group can still be writing.
        if (exited && (ready == 0 || killed)) break;

        for (nfds_t i = 0; i < count; ++i) {
            const pollfd& p = fds[i];
            if (p.revents == 0) continue;
            if (p.fd == in_write.get()) {
                const std::string& input = *cmd.input;
                const std::size_t chunk = std::min<std::size_t>(input.size() - written, 65536);
                const ssize_t n = write_without_sigpipe(p.fd, input.data() + written, chunk);
                if (n > 0) written += static_cast<std::size_t>(n);
                if ((n < 0 && errno != EAGAIN) || written == input.size()) in_write.reset();
            } else if (p.fd == out_read.get() || p.fd == err_read.get()) {
                const bool is_out = p.fd == out_read.get();
                const ssize_t n = ::read(p.fd, buffer.data(), buffer.size());
                if (n > 0) {
                    keep(is_out ? result.out : result.err,
                         is_out ? result.out_truncated : result.err_truncated, cmd.max_output,
                         buffer.data(), static_cast<std::size_t>(n));
                } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                    (is_out ? out_read : err_read).reset();
                }
            }
        }

        if (!exited && has_exited(pid)) {
            exited = true;
            result.elapsed =
                std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start);
            in_write.reset();
        }
        if (exited && !out_read.open() && !err_read.open()) break;
    }

    int status = 0;
    if (const int err = guard.reap_now(status); err != 0) {
        throw Error(Exit::config,
                    "running '" + cmd.argv.front() + "': waitpid: " + errno_text(err));
    }
    if (WIFEXITED(status)) {
        result.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        result.signal = WTERMSIG(status);
    }
    return result;
}

std::vector<std::string> split_words(std::string_view text) {
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;
    std::size_t i = 0;
    const auto at_end = [&] { return i >= text.size(); };

    while (!at_end()) {
        const char c = text[i++];
        if (c == ' ' || c == '\t' || c == '\n') {
            if (in_word) words.push_back(std::move(word));
            word.clear();
            in_word = false;
        } else if (c == '\\') {
            if (at_end()) throw Error(Exit::usage, "trailing backslash");
            const char next = text[i++];
            // Backslash-newline is a line continuation, as in the shell.
            if (next != '\n') {
                word += next;
                in_word = true;
            }
        } else if (c == '\'') {
            in_word = true;
            const auto close = text.find('\'', i);
            if (close == std::string_view::npos) throw Error(Exit::usage, "unterminated ' quote");
            word.append(text.substr(i, close - i));
            i = close + 1;
        } else if (c == '"') {
            in_word = true;
            for (;;) {
                if (at_end()) throw Error(Exit::usage, "unterminated \" quote");
                const char d = text[i++];
                if (d == '"') break;
                if (d == '\\' && !at_end()) {
                    const char next = text[i];
                    if (next == '"' || next == '\\' || next == '$' || next == '`') {
                        word += next;
                        ++i;
                        continue;
                    }
                    if (next == '\n') {
                        ++i;
                        continue;
                    }
                }
                word += d;
            }
        } else {
            word += c;
            in_word = true;
        }
    }
    if (in_word) words.push_back(std::move(word));
    return words;
}

std::string shell_quote(std::string_view word) {
    const auto plain = [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               std::string_view("_@%+=:,./-").find(c) != std::string_view::npos;
    };
    if (!word.empty() && std::all_of(word.begin(), word.end(), plain)) return std::string(word);
    std::string out = "'";
    for (const char c : word) {
        if (c == '\'') {
            out += "'\\''";
        } else {
            out += c;
        }
    }
    out += '\'';
    return out;
}

std::string shell_join(const std::vector<std::string>& argv) {
    std::string out;
    for (const std::string& word : argv) {
        if (!out.empty()) out += ' ';
        out += shell_quote(word);
    }
    return out;
}

}  // namespace swd::process
