#include "libcore/ticket/feed.hpp"

#include <csignal>

namespace swd::ticket {

namespace {

/// Thrown on the reading thread to leave each_record when the feed is stopped.
struct Stopped {};

}  // namespace

AlertFeed::AlertFeed(std::vector<std::string> inputs, timeutil::TimePoint now, std::size_t batch)
    : inputs_(std::move(inputs)), now_(now), batch_(batch), free_{0, 1} {
    // Room for a whole batch, made as the alerts come: a run of a few alerts stays small.
    for (Batch& b : batches_)
        b.alerts.reserve(batch);
    thread_ = std::thread(&AlertFeed::run, this);
    // From here on the reading thread is the one that takes SIGINT and SIGTERM.
    const sigset_t stops = stop_signals();
    pthread_sigmask(SIG_BLOCK, &stops, &old_mask_);
}

AlertFeed::~AlertFeed() {
    if (finished_) return;
    stop();
    thread_.join();
    give_signals_back();
}

void AlertFeed::give_signals_back() {
    if (signals_back_) return;
    signals_back_ = true;
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

void AlertFeed::stop() {
    bool reading = false;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        reading = !done_;
    }
    changed_.notify_all();
    // A read waiting on a pipe ends on a signal, as when the user stops the tool (a signal the
    // user sent already has stopped the reading; a second one would end the process).
    if (reading && !interrupted()) pthread_kill(thread_.native_handle(), SIGINT);
}

void AlertFeed::run() {
    int slot = -1;
    const auto take_free = [&] {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return stopping_ || !free_.empty(); });
        if (stopping_) throw Stopped{};
        slot = free_.front();
        free_.erase(free_.begin());
        batches_[slot].used = 0;
        batches_[slot].warnings.clear();
    };
    const auto hand_over = [&] {
        {
            std::lock_guard lock(mutex_);
            full_.push_back(slot);
        }
        changed_.notify_all();
    };
    bool bad = false;
    std::exception_ptr error;
    try {
        take_free();
        bad = each_record(
            inputs_,
            [&](const jsonl::Item& item, std::string& why) {
                Batch& b = batches_[slot];
                if (b.used == b.alerts.size()) b.alerts.emplace_back();
                if (!parse_alert(item.doc, now_, b.alerts[b.used], why)) return false;
                number_pair(b.alerts[b.used]);
                if (++b.used == batch_) {
                    hand_over();
                    take_free();
                }
                return true;
            },
            [&](std::string text) { batches_[slot].warnings.push_back(std::move(text)); });
        // Interrupted, what was read is still processed: from a pipe it could not be read again.
        const Batch& last = batches_[slot];
        if (last.used > 0 || !last.warnings.empty()) hand_over();
    } catch (const Stopped&) {
    } catch (...) {
        error = std::current_exception();
    }
    {
        std::lock_guard lock(mutex_);
        done_ = true;
        bad_ = bad;
        error_ = error;
    }
    changed_.notify_all();
}

void AlertFeed::number_pair(Alert& a) {
    pair_name(a, pair_name_);
    const auto next = static_cast<std::uint32_t>(pairs_.size() + 1);
    a.pair = pairs_.try_emplace(pair_name_, next).first->second;
}

bool AlertFeed::next(std::span<const Alert>& batch, std::vector<std::string>& warnings) {
    std::unique_lock lock(mutex_);
    if (given_ >= 0) {
        free_.push_back(given_);
        given_ = -1;
        changed_.notify_all();
    }
    changed_.wait(lock, [&] { return !full_.empty() || done_; });
    // With the reading over, no thread waits on input for the signals: the caller takes them
    // again (a second one ends the process at once, also while the last batch is stored).
    if (done_) give_signals_back();
    if (full_.empty()) return false;
    given_ = full_.front();
    full_.erase(full_.begin());
    Batch& b = batches_[given_];
    warnings = std::move(b.warnings);
    b.warnings.clear();
    batch = {b.alerts.data(), b.used};
    return true;
}

bool AlertFeed::finish() {
    {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return done_; });
    }
    thread_.join();
    finished_ = true;
    give_signals_back();
    if (error_) std::rethrow_exception(error_);
    return bad_;
}

}  // namespace swd::ticket
