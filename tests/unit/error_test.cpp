// base/error: exit statuses and errno carried from a failed call to whoever decides by them.
#include "libcore/base/error.hpp"

#include <catch2/catch.hpp>
#include <cerrno>
#include <stdexcept>
#include <string>

#include "caught_error.hpp"

using swd::Error;
using swd::Exit;

TEST_CASE("errno_error says the call's error and keeps its errno", "[error]") {
    const Error e = swd::errno_error(Exit::config, "etc/pkg.conf: rename", ENOSPC);
    CHECK(e.code() == Exit::config);
    CHECK(e.sys_errno() == ENOSPC);
    CHECK(std::string(e.what()) == "etc/pkg.conf: rename: " + swd::errno_text(ENOSPC));
    CHECK(Error(Exit::usage, "bad").sys_errno() == 0);
}

TEST_CASE("with_context adds context and keeps the exit status and errno", "[error]") {
    const Error e = swd::test::caught_error([] {
        swd::with_context("installing pkg-a-1.2", [] {
            swd::with_context("writing", [] { throw swd::errno_error(Exit::config, "f", EROFS); });
        });
    });
    CHECK(e.code() == Exit::config);
    CHECK(e.sys_errno() == EROFS);
    CHECK(std::string(e.what()) == "installing pkg-a-1.2: writing: f: " + swd::errno_text(EROFS));

    // Another exception: the fallback status, no errno.
    const Error other = swd::test::caught_error([] {
        swd::with_context(
            "x", [] { throw std::runtime_error("boom"); }, Exit::network);
    });
    CHECK(other.code() == Exit::network);
    CHECK(other.sys_errno() == 0);
    CHECK(std::string(other.what()) == "x: boom");
}
