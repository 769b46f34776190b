#include "libcore/channel.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

TEST_CASE("a channel hands every item over, in order, then ends when closed", "[channel]") {
    swd::Channel<std::vector<int>> ch(2);
    std::thread writer([&] {
        for (int i = 0; i < 1000; ++i)
            REQUIRE(ch.push(std::vector<int>{i, i * 2}));
        ch.close();
    });
    int expected = 0;
    while (auto item = ch.pop()) {
        CHECK((*item)[0] == expected);
        CHECK((*item)[1] == expected * 2);
        ++expected;
    }
    writer.join();
    CHECK(expected == 1000);
    CHECK_FALSE(ch.pop());
}

TEST_CASE("a full channel makes the writer wait for the reader", "[channel]") {
    swd::Channel<int> ch(1);
    std::atomic<int> pushed{0};
    std::thread writer([&] {
        for (int i = 0; i < 3; ++i) {
            ch.push(i);
            ++pushed;
        }
    });
    std::this_thread::sleep_for(100ms);
    CHECK(pushed == 1);  // the second push waits for room
    CHECK(ch.pop() == 0);
    CHECK(ch.pop() == 1);
    CHECK(ch.pop() == 2);
    writer.join();
    CHECK(pushed == 3);
}

TEST_CASE("closing a channel releases a waiting writer, which drops its item", "[channel]") {
    swd::Channel<int> ch(1);
    REQUIRE(ch.push(1));
    std::atomic<int> result{-1};
    std::thread writer([&] { result = ch.push(2) ? 1 : 0; });
    std::this_thread::sleep_for(50ms);
    CHECK(result == -1);
    ch.close();
    writer.join();
    CHECK(result == 0);
    CHECK(ch.pop() == 1);  // what was queued before closing is still read
    CHECK_FALSE(ch.pop());
    CHECK_FALSE(ch.push(3));
}

TEST_CASE("a worker's exception comes back from join", "[channel]") {
    swd::Worker w([] { throw std::runtime_error("the state file is gone"); });
    CHECK_THROWS_WITH(w.join(), "the state file is gone");
    CHECK(w.failed());
    CHECK_NOTHROW(w.join());  // once
}

TEST_CASE("a worker takes no SIGINT or SIGTERM, the thread that made it does", "[channel]") {
    std::atomic<int> blocked{-1};
    swd::Worker w([&] {
        sigset_t mask;
        pthread_sigmask(SIG_SETMASK, nullptr, &mask);
        blocked = sigismember(&mask, SIGINT) + sigismember(&mask, SIGTERM);
    });
    w.join();
    CHECK(blocked == 2);
    CHECK_FALSE(w.failed());
    sigset_t mine;
    pthread_sigmask(SIG_SETMASK, nullptr, &mine);
    CHECK(sigismember(&mine, SIGINT) == 0);
    CHECK(sigismember(&mine, SIGTERM) == 0);
}
