#include "libcore/channel.hpp"

#include <csignal>

namespace swd {

Worker::Worker(std::function<void()> work) {
    // The new thread inherits the signal mask in force when it is made.
    sigset_t stop, old;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, &old);
    thread_ = std::thread([this, work = std::move(work)] {
        try {
            work();
        } catch (...) {
            error_ = std::current_exception();
            failed_ = true;
        }
    });
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

Worker::~Worker() {
    if (thread_.joinable()) thread_.join();
}

void Worker::join() {
    if (thread_.joinable()) thread_.join();
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
}

}  // namespace swd
