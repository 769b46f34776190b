// The swd::Error a call throws, for the tests that check its exit status and message.
#pragma once

#include <catch2/catch.hpp>
#include <string>
#include <utility>

#include "libcore/base/error.hpp"

namespace swd::test {

/// The Error `fn` throws; the test fails when it throws none.
template <class F>
Error caught_error(F&& fn) {
    try {
        std::forward<F>(fn)();
    } catch (const Error& e) {
        return e;
    }
    FAIL("no swd::Error thrown");
    return Error(Exit::ok, "");
}

/// The exit status and message of the Error `fn` throws; the test fails when it throws none.
template <class F>
std::pair<Exit, std::string> status_of(F&& fn) {
    const Error e = caught_error(std::forward<F>(fn));
    return {e.code(), e.what()};
}

/// The message of the Error `fn` throws, or "" when it throws none.
template <class F>
std::string error_of(F&& fn) {
    try {
        std::forward<F>(fn)();
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

}  // namespace swd::test
