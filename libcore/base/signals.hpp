// The stop signals: SIGINT and SIGTERM end a tool cleanly, between items, with exit status 7.
#pragma once

#include <csignal>
#include <functional>
#include <thread>

namespace swd {

/// True once SIGINT or SIGTERM arrived; long loops check it and stop cleanly (Exit::interrupted).
bool interrupted();

/// SIGINT and SIGTERM set interrupted() (a second one ends the process at once, status 7) and
/// make a blocking read return; SIGPIPE is ignored. Tool's constructor calls it.
void install_signal_handlers();

/// The signals that stop a tool: SIGINT and SIGTERM.
sigset_t stop_signals();

/// Starts `fn` on a thread that never takes the stop signals (a thread inherits the signal mask
/// it is started with): they stay with the threads that stop on them.
std::thread thread_without_stop_signals(std::function<void()> fn);

}  // namespace swd
