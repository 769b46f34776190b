#include "libcore/base/signals.hpp"

#include <unistd.h>

#include <atomic>

#include "libcore/base/error.hpp"

namespace swd {

namespace {

std::atomic<int> g_signal{0};

extern "C" void on_signal(int sig) {
    // A second signal means the user does not want to wait for a clean stop.
    if (g_signal.exchange(sig) != 0) ::_exit(static_cast<int>(Exit::interrupted));
}

}  // namespace

void install_signal_handlers() {
    std::signal(SIGPIPE, SIG_IGN);
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: a blocking read returns EINTR and the loop sees the flag
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
}

sigset_t stop_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    return set;
}

std::thread thread_without_stop_signals(std::function<void()> fn) {
    const sigset_t stops = stop_signals();
    sigset_t old;
    pthread_sigmask(SIG_BLOCK, &stops, &old);
    std::thread t(std::move(fn));
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    return t;
}

bool interrupted() {
    return g_signal.load() != 0;
}

}  // namespace swd
