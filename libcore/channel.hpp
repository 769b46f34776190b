// A bounded channel between two threads: one thread reads and parses input while another
// works on what was parsed (swd-ticket process: JSON on one core, SQLite on the other).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

namespace swd {

template <class T>
class Channel {
  public:
    explicit Channel(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

    /// Waits for room; false (and `item` dropped) when the channel was closed meanwhile.
    bool push(T item) {
        std::unique_lock lock(mutex_);
        room_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
        if (closed_) return false;
        items_.push_back(std::move(item));
        ready_.notify_one();
        return true;
    }

    /// The next item; nullopt once the channel is closed and empty.
    std::optional<T> pop() {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [&] { return closed_ || !items_.empty(); });
        if (items_.empty()) return std::nullopt;
        T item = std::move(items_.front());
        items_.pop_front();
        room_.notify_one();
        return item;
    }

    /// No more pushes: the reader gets what is queued, then nullopt; a waiting writer gives up.
    void close() {
        std::lock_guard lock(mutex_);
        closed_ = true;
        ready_.notify_all();
        room_.notify_all();
    }

  private:
    std::mutex mutex_;
    std::condition_variable ready_, room_;
    std::deque<T> items_;
    std::size_t capacity_;
    bool closed_ = false;
};

/// A thread working on what a Channel hands over. It takes no SIGINT or SIGTERM: they go to
/// the main thread, whose blocking reads they must interrupt; both threads see interrupted().
/// An exception the work ends with is kept and rethrown by join().
class Worker {
  public:
    explicit Worker(std::function<void()> work);
    /// Joins (a worker is always joined; its exception is dropped here).
    ~Worker();
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    /// Waits for the work to end; rethrows its exception.
    void join();
    /// True once the work ended with an exception (the main thread can stop feeding it).
    bool failed() const { return failed_; }

  private:
    std::exception_ptr error_;
    std::atomic<bool> failed_{false};
    std::thread thread_;
};

}  // namespace swd
