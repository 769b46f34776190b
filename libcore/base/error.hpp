// Errors and exit statuses: the one table every tool and man page shares (DESIGN §3).
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace swd {

/// Exit statuses, the same in every tool and in every man page's EXIT STATUS section.
enum class Exit : int {
    ok = 0,           ///< success
    negative = 1,     ///< ran, negative answer (documented per tool)
    usage = 2,        ///< usage error
    config = 3,       ///< configuration error
    state = 4,        ///< state-file error
    network = 5,      ///< network or peer error
    partial = 6,      ///< partial failure: some items rejected or failed
    interrupted = 7,  ///< interrupted by a signal
};

/// An error that ends the tool: carries its exit status and a message that has gathered context
/// on the way up ("loading log /var/log/swd/distribution.log.2.gz: truncated gzip stream").
class Error : public std::runtime_error {
  public:
    Error(Exit code, const std::string& message, int sys_errno = 0)
        : std::runtime_error(message), code_(code), errno_(sys_errno) {}
    Exit code() const noexcept { return code_; }
    /// The errno of the failed system call the error comes from (ENOSPC, EACCES...); 0 when
    /// none. Callers decide by it, never by the message's text.
    int sys_errno() const noexcept { return errno_; }

  private:
    Exit code_;
    int errno_;
};

/// The Error of a failed system call: "what: strerror(err)", keeping `err`.
Error errno_error(Exit code, const std::string& what, int err);

/// Thrown when stdout's reader went away (EPIPE): a normal stop, not an error.
class OutputClosed : public std::exception {
  public:
    const char* what() const noexcept override { return "output closed"; }
};

/// Calls `fn`; if it throws, rethrows as an Error whose message is "context: <message>", keeping
/// the exit status and errno of an Error and using `fallback` for any other exception.
template <class F>
auto with_context(std::string_view context, F&& fn, Exit fallback = Exit::state) -> decltype(fn()) {
    try {
        return fn();
    } catch (const Error& e) {
        throw Error(e.code(), std::string(context) + ": " + e.what(), e.sys_errno());
    } catch (const OutputClosed&) {
        throw;
    } catch (const std::exception& e) {
        throw Error(fallback, std::string(context) + ": " + e.what());
    }
}

/// strerror(errno) as a std::string, for messages.
std::string errno_text(int err);

}  // namespace swd
