// The alerts swd-ticket process reads, read and parsed on a thread of their own one batch ahead
// of the processing, so that reading and storing overlap.
#pragma once

#include <pthread.h>

#include <condition_variable>
#include <cstddef>
#include <exception>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "libcore/base/error.hpp"
#include "libcore/base/input.hpp"
#include "libcore/base/jsonl.hpp"
#include "libcore/base/signals.hpp"
#include "libcore/ticket/processor.hpp"

namespace swd::ticket {

/// Runs `fn(item, why)` for every JSONL item of the inputs; `warn(text)` is told of every bad
/// line (and of `why` when fn returns false) and of an input that cannot be read or breaks off,
/// after which the next input is read. Stops when swd::interrupted(). True when anything was
/// bad.
template <class F, class W>
bool each_record(const std::vector<std::string>& inputs, F&& fn, W&& warn) {
    bool bad = false;
    for (const InputSpec& input : resolve_inputs(inputs)) {
        jsonl::Reader reader({input});
        jsonl::Item item;
        for (;;) {
            try {
                if (interrupted() || !reader.next(item)) break;
            } catch (const Error& e) {
                warn(std::string(e.what()));
                bad = true;
                break;
            }
            if (!item.ok()) {
                warn(item.where());
                bad = true;
                continue;
            }
            std::string why;
            if (!fn(item, why)) {
                warn(item.source + ":" + std::to_string(item.line) + ": " + why);
                bad = true;
            }
        }
    }
    return bad;
}

/// Alerts in batches, read by a thread while the caller processes the batch before. SIGINT and
/// SIGTERM go to the reading thread while it runs (the caller's thread blocks them), so a read
/// waiting on a silent pipe ends at once, as it would without the thread.
class AlertFeed {
  public:
    AlertFeed(std::vector<std::string> inputs, timeutil::TimePoint now, std::size_t batch);
    /// Stops the reading (a read waiting on a pipe is interrupted) and waits for the thread.
    ~AlertFeed();
    AlertFeed(const AlertFeed&) = delete;
    AlertFeed& operator=(const AlertFeed&) = delete;

    /// The next batch (possibly without alerts, when all its lines were bad); false at the end
    /// of the input. The batch given before is read into again from here on. `warnings` gets
    /// what was wrong in the lines read for it.
    bool next(std::span<const Alert>& batch, std::vector<std::string>& warnings);

    /// After next() returned false: ends the reading thread and gives the caller its signals
    /// back (one that came meanwhile is handled here). Returns whether any input was bad;
    /// rethrows what the reading thread threw.
    bool finish();

  private:
    struct Batch {
        std::vector<Alert> alerts;  ///< read into again and again: alerts[used...] are old
        std::size_t used = 0;
        std::vector<std::string> warnings;
    };
    void run();
    void number_pair(Alert& a);
    void stop();
    void give_signals_back();

    std::vector<std::string> inputs_;
    timeutil::TimePoint now_;
    std::size_t batch_;
    /// The reading thread's: device and failure type ("device\0failure") -> Alert::pair.
    std::unordered_map<std::string, std::uint32_t> pairs_;
    std::string pair_name_;
    Batch batches_[2];
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<int> full_, free_;  ///< batch indexes, in order
    int given_ = -1;                ///< the batch the caller holds
    bool done_ = false, stopping_ = false, bad_ = false;
    std::exception_ptr error_;
    sigset_t old_mask_{};  ///< the caller's, given back when the reading is over
    std::thread thread_;
    bool finished_ = false, signals_back_ = false;
};

}  // namespace swd::ticket
