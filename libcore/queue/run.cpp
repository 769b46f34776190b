#include "libcore/queue/run.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "libcore/base/error.hpp"
#include "libcore/base/format.hpp"
#include "libcore/base/signals.hpp"
#include "libcore/mail/outbox.hpp"
#include "libcore/package/store.hpp"
#include "libcore/queue/alert.hpp"
#include "libcore/queue/intake.hpp"
#include "libcore/queue/transport.hpp"

namespace swd::queue {

namespace {

using timeutil::TimePoint;

struct Job {
    Request req;
    std::optional<Target> target;
};

// What a worker tells the manager.
struct Report {
    enum class Kind { started, result, woke, finished };
    enum class End { done, failed, stopped };
    Kind kind = Kind::started;
    std::string request;
    int index = 0;  ///< package index (started, result, finished failed)
    StepResult step;
    End end = End::done;
    bool unreachable = false;
    std::uint64_t gen = 0;
};

// One state change computed from a report, applied in the batch's transaction.
struct Change {
    std::optional<Request> request;                                  ///< to write back
    std::vector<std::pair<Event, std::vector<std::string>>> events;  ///< event, classes it closes
    std::optional<std::pair<std::string, std::string>> alert;  ///< (request id, message bytes)
};

// Holds the exclusive run lock for the state file.
class RunLock {
  public:
    explicit RunLock(const std::filesystem::path& state_path) {
        const auto path = state_path.string() + ".queue-run.lock";
        fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd_ < 0) throw Error(Exit::state, path + ": " + errno_text(errno));
        if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
            ::close(fd_);
            throw Error(Exit::negative, "another swd-queue run is active on " +
                                            state_path.string() + " (lock " + path + ")");
        }
    }
    ~RunLock() { ::close(fd_); }
    RunLock(const RunLock&) = delete;
    RunLock& operator=(const RunLock&) = delete;

  private:
    int fd_ = -1;
};

class Manager {
  public:
    Manager(State& st, const Settings& s, distlog::Appender& log, RecordOutput& out,
            const RunOptions& o)
        : st_(st), s_(s), log_(log), out_(out), o_(o), store_(s.packages) {
        ts_.probe_timeout = s.probe_timeout;
        ts_.install_timeout = s.install_timeout;
        ts_.script_timeout = s.script_timeout;
    }

    ~Manager() { stop_workers(); }

    RunReport run() {
        recover();
        intake();
        release_holds();
        start_workers();
        auto last_poll = std::chrono::steady_clock::now();
        for (;;) {
            std::vector<Report> batch;
            {
                std::unique_lock lock(m_);
                batch.swap(reports_);
            }
            const bool stopping = interrupted();
            const bool activated = process(batch, !stopping);
            if (active_.empty()) {
                if (stopping) break;
                if (!o_.daemon && !activated && batch.empty()) break;
            }
            if (o_.daemon && std::chrono::steady_clock::now() - last_poll >= s_.poll_interval &&
                !stopping) {
                last_poll = std::chrono::steady_clock::now();
                intake();
                release_holds();
                send_alerts();
                continue;
            }
            // Short waits: a signal does not wake a condition variable.
            std::unique_lock lock(m_);
            cv_main_.wait_for(lock, std::chrono::milliseconds(200),
                              [&] { return !reports_.empty(); });
        }
        stop_workers();
        send_alerts();
        return report_;
    }

  private:
    // ---- workers ------------------------------------------------------------------------

    void start_workers() {
        // Workers leave SIGINT/SIGTERM to this thread, which turns them into a clean stop.
        for (int i = 0; i < o_.max_active; ++i)
            workers_.push_back(thread_without_stop_signals([this] { worker(); }));
    }

    void stop_workers() {
        {
            std::lock_guard lock(m_);
            quit_ = true;
        }
        cv_jobs_.notify_all();
        cv_commit_.notify_all();
        for (auto& t : workers_)
            if (t.joinable()) t.join();
        workers_.clear();
    }

    // Posts a report; with `wait`, returns once the manager committed it (false: shutting down).
    bool post(Report r, bool wait) {
        std::unique_lock lock(m_);
        r.gen = ++posted_gen_;
        const auto gen = r.gen;
        reports_.push_back(std::move(r));
        cv_main_.notify_one();
        if (!wait) return true;
        cv_commit_.wait(lock, [&] { return committed_gen_ >= gen || quit_; });
        return committed_gen_ >= gen;
    }

    void worker() {
        for (;;) {
            Job job;
            {
                std::unique_lock lock(m_);
                cv_jobs_.wait(lock, [&] { return quit_ || !jobs_.empty(); });
                if (quit_) return;
                job = std::move(jobs_.front());
                jobs_.pop_front();
            }
            run_job(job);
        }
    }

    void finish(const Job& job, Report::End end, int index = 0, StepResult step = {},
                bool unreachable = false) {
        Report r;
        r.kind = Report::Kind::finished;
        r.request = job.req.id;
        r.end = end;
        r.index = index;
        r.step = std::move(step);
        r.unreachable = unreachable;
        post(std::move(r), false);
    }

    bool quitting() {
        std::lock_guard lock(m_);
        return quit_;
    }

    void run_job(const Job& job) {
        const auto& req = job.req;
        if (interrupted() || quitting()) return finish(job, Report::End::stopped);
        if (!job.target) {
            return finish(job, Report::End::failed, req.pos,
                          StepResult{false, "other", "target " + req.target + " is not registered",
                                     false, ""},
                          true);
        }
        const auto& target = *job.target;
        auto reach = probe(target, ts_);
        if (!reach.ok && !s_.wake_cmd.empty() && !target.mac.empty()) {
            auto w = wake(target, s_.wake_cmd, ts_);
            Report r;
            r.kind = Report::Kind::woke;
            r.request = req.id;
            r.step = w;
            post(std::move(r), false);
            const auto until = std::chrono::steady_clock::now() + s_.boot_delay;
            while (std::chrono::steady_clock::now() < until) {
                if (interrupted() || quitting()) return finish(job, Report::End::stopped);
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
            reach = probe(target, ts_);
            if (!reach.ok)
                reach.detail += " (after wake-on-LAN and a boot delay of " +
                                timeutil::format_duration(s_.boot_delay) + ")";
        }
        if (!reach.ok) return finish(job, Report::End::failed, req.pos, reach, true);

        const int n = static_cast<int>(req.packages.size());
        for (int i = req.pos; i < n; ++i) {
            Report start;
            start.kind = Report::Kind::started;
            start.request = req.id;
            start.index = i;
            if (!post(std::move(start), true)) return;  // the manager is going away
            auto step = install(target, store_, req.packages[static_cast<std::size_t>(i)],
                                req.params, req.id, ts_);
            Report res;
            res.kind = Report::Kind::result;
            res.request = req.id;
            res.index = i;
            res.step = step;
            post(std::move(res), false);
            if (!step.ok) return finish(job, Report::End::failed, i, step);
            if (i + 1 < n && (interrupted() || quitting()))
                return finish(job, Report::End::stopped, i + 1);
        }
        finish(job, Report::End::done, n);
    }

    // ---- the manager's side ---------------------------------------------------------------

    std::optional<std::pair<std::string, std::string>> alert_for(const Job& job,
                                                                 const std::string& package,
                                                                 const StepResult& step,
                                                                 TimePoint now) {
        if (s_.alert_to.empty()) return std::nullopt;
        AlertInfo a;
        a.failure = step.failure.empty() ? "other" : step.failure;
        a.device = job.req.target;
        a.server = s_.server;
        a.dist = job.req.dist;
        a.package = package;
        if (job.target) {
            a.location = job.target->location;
            a.region = job.target->region;
        }
        a.time = now;
        a.detail = step.detail;
        const auto msg = alert_message(a, s_.smtp.from, s_.alert_to);
        return std::make_pair(job.req.id, mail::compose(msg));
    }

    // Moves a failed request on: hold while push retries are left, then the pull queue, then
    // abort (seed 004 FIG. 4, 412-420).
    void reschedule(Request& r, Change& c, const std::string& package, const std::string& detail,
                    TimePoint now, const std::string& ts, distlog::Fields& queue_line) {
        if (r.push_left > 0) {
            --r.push_left;
            r.queue = "hold";
            r.not_before = timeutil::format_rfc3339(now + timeutil::Duration(r.retry_interval));
            c.events.push_back(
                {request_event(r, "SWD_Rescheduled", warning, false, package,
                               "distribution rescheduled for " + r.not_before + " (" +
                                   std::to_string(r.push_left) + " push retries left)",
                               ts),
                 {"SWD_List_Start"}});
        } else if (r.pull_left > 0) {
            --r.pull_left;
            r.queue = "pull";
            r.mode = "pull";
            c.events.push_back(
                {request_event(r, "SWD_Pull", warning, false, package,
                               "no push retries left: switched to authoritative pull, "
                               "waiting for " +
                                   r.target + " to log in",
                               ts),
                 {"SWD_List_Start"}});
        } else {
            r.queue = "abort";
            c.events.push_back(
                {request_event(r, "SWD_List_Failed", minor, true, package,
                               "package list processing failed; last attempted package " + package +
                                   ": " + detail,
                               ts),
                 {"SWD_List_Start"}});
        }
        queue_line = {{"dist", r.dist},     {"event", "queue"}, {"request", r.id},
                      {"target", r.target}, {"queue", r.queue}, {"last_package", package}};
        if (r.queue == "hold") queue_line.emplace_back("not_before", r.not_before);
        queue_line.emplace_back("push_left", std::to_string(r.push_left));
        queue_line.emplace_back("pull_left", std::to_string(r.pull_left));
    }

    Change change_for(const Report& rep, TimePoint now, std::vector<distlog::Fields>& lines) {
        Change c;
        const auto ts = timeutil::format_rfc3339(now);
        auto it = active_.find(rep.request);
        if (it == active_.end()) return c;
        Job& job = it->second;
        Request& r = job.req;
        const auto pkg_at = [&](int i) {
            return i < static_cast<int>(r.packages.size()) ? r.packages[static_cast<std::size_t>(i)]
                                                           : std::string();
        };
        r.updated = ts;
        switch (rep.kind) {
            case Report::Kind::started: {
                const auto pkg = pkg_at(rep.index);
                r.last_package = pkg;
                c.events.push_back(
                    {request_event(r, "SWD_Start", warning, true, pkg,
                                   "distribution of " + pkg + " to " + r.target + " started", ts),
                     {}});
                lines.push_back({{"dist", r.dist},
                                 {"event", "start"},
                                 {"request", r.id},
                                 {"target", r.target},
                                 {"package", pkg}});
                break;
            }
            case Report::Kind::result: {
                const auto pkg = pkg_at(rep.index);
                distlog::Fields line{{"dist", r.dist},
                                     {"event", "result"},
                                     {"request", r.id},
                                     {"target", r.target},
                                     {"package", pkg}};
                if (rep.step.ok) {
                    r.pos = rep.index + 1;
                    line.emplace_back("result", "success");
                    if (rep.step.already) line.emplace_back("detail", "already installed");
                    c.events.push_back(
                        {request_event(
                             r, "SWD_Success", harmless, false, pkg,
                             pkg +
                                 (rep.step.already ? " already installed on " : " installed on ") +
                                 r.target,
                             ts),
                         {"SWD_Start"}});
                } else {
                    line.emplace_back("result", "failed");
                    line.emplace_back("failure", rep.step.failure);
                    line.emplace_back("detail", rep.step.detail);
                    c.events.push_back(
                        {request_event(r, "SWD_Failed", minor, true, pkg,
                                       "distribution of " + pkg + " failed: " + rep.step.detail,
                                       ts),
                         {"SWD_Start"}});
                }
                if (!rep.step.install_id.empty())
                    line.emplace_back("install_id", rep.step.install_id);
                lines.push_back(std::move(line));
                break;
            }
            case Report::Kind::woke:
                c.events.push_back(
                    {request_event(r, "SWD_Wake", warning, false, "",
                                   "wake-on-LAN for " + r.target + ": " + rep.step.detail, ts),
                     {}});
                lines.push_back({{"dist", r.dist},
                                 {"event", "wake"},
                                 {"request", r.id},
                                 {"target", r.target},
                                 {"detail", rep.step.detail}});
                break;
            case Report::Kind::finished: {
                distlog::Fields queue_line;
                if (rep.end == Report::End::done) {
                    r.queue = "done";
                    r.pos = static_cast<int>(r.packages.size());
                    r.last_failure.clear();
                    r.last_error.clear();
                    ++report_.done;
                    c.events.push_back({request_event(r, "SWD_List_Success", harmless, false, "",
                                                      "package list processed: " +
                                                          std::to_string(r.packages.size()) +
                                                          " package(s) on " + r.target,
                                                      ts),
                                        {"SWD_List_Start"}});
                    queue_line = {{"dist", r.dist},
                                  {"event", "queue"},
                                  {"request", r.id},
                                  {"target", r.target},
                                  {"queue", "done"}};
                } else if (rep.end == Report::End::stopped) {
                    r.queue = "incoming";
                    r.pos = std::max(r.pos, rep.index);
                    c.events.push_back(
                        {request_event(r, "SWD_Interrupted", warning, false, pkg_at(r.pos),
                                       "stopped; the package list resumes at " + pkg_at(r.pos), ts),
                         {}});
                    queue_line = {{"dist", r.dist},      {"event", "queue"},
                                  {"request", r.id},     {"target", r.target},
                                  {"queue", "incoming"}, {"reason", "stopped"}};
                } else {
                    ++report_.failed;
                    const auto pkg = pkg_at(rep.index);
                    r.last_package = pkg;
                    r.last_failure = rep.step.failure;
                    r.last_error = rep.step.detail;
                    if (rep.unreachable) {
                        c.events.push_back(
                            {request_event(r, "SWD_Unreachable", minor, true, pkg,
                                           r.target + " is not reachable: " + rep.step.detail, ts),
                             {}});
                        lines.push_back({{"dist", r.dist},
                                         {"event", "result"},
                                         {"request", r.id},
                                         {"target", r.target},
                                         {"package", pkg},
                                         {"result", "failed"},
                                         {"failure", rep.step.failure},
                                         {"detail", rep.step.detail}});
                    }
                    c.alert = alert_for(job, pkg, rep.step, now);
                    reschedule(r, c, pkg, rep.step.detail, now, ts, queue_line);
                }
                lines.push_back(std::move(queue_line));
                break;
            }
        }
        c.request = r;
        return c;
    }

    // Applies a batch of reports and activates what may start, in one transaction. Returns
    // whether anything was activated.
    bool process(const std::vector<Report>& batch, bool may_activate) {
        const auto now = timeutil::now();
        const auto ts = timeutil::format_rfc3339(now);
        std::vector<distlog::Fields> lines;
        std::vector<Change> changes;
        std::uint64_t max_gen = 0;
        std::vector<std::string> finished;
        for (const auto& rep : batch) {
            changes.push_back(change_for(rep, now, lines));
            max_gen = std::max(max_gen, rep.gen);
            if (rep.kind == Report::Kind::finished) finished.push_back(rep.request);
        }
        // Log lines go out before the commit: a crash in between repeats a line, never loses one.
        for (const auto& l : lines)
            log_.append(now, l);

        const int free_slots = may_activate ? o_.max_active - static_cast<int>(active_.size()) +
                                                  static_cast<int>(finished.size())
                                            : 0;
        std::vector<Event> events;
        std::vector<Job> started;
        std::set<std::string> busy_targets = active_targets_;
        for (const auto& id : finished)
            if (auto it = active_.find(id); it != active_.end())
                busy_targets.erase(it->second.req.target);

        // Whether anything is due is a read, so an idle daemon does not write every tick.
        if (!changes.empty() || (free_slots > 0 && any_due(st_.db(), ts))) {
            st_.write([&](SQLite::Database& db) {
                events.clear();
                started.clear();
                for (const auto& c : changes) {
                    if (c.request) update_request(db, *c.request);
                    for (const auto& [e, closes] : c.events)
                        events.push_back(add_event(db, e, closes));
                    if (c.alert)
                        outbox::enqueue(db, alert_kind, c.alert->first,
                                        mail::address_of(s_.smtp.from), s_.alert_to,
                                        c.alert->second, now);
                }
                if (free_slots > 0) activate(db, free_slots, busy_targets, ts, events, started);
            });
        }
        for (const auto& e : events)
            out_.write(e.to_record());
        {
            std::lock_guard lock(m_);
            committed_gen_ = std::max(committed_gen_, max_gen);
        }
        cv_commit_.notify_all();

        for (const auto& id : finished) {
            if (auto it = active_.find(id); it != active_.end()) {
                active_targets_.erase(it->second.req.target);
                active_.erase(it);
            }
        }
        for (auto& job : started) {
            const auto id = job.req.id;
            active_targets_.insert(job.req.target);
            attempted_.insert(id);
            ++report_.attempts;
            auto copy = job;
            active_.emplace(id, std::move(copy));
            {
                std::lock_guard lock(m_);
                jobs_.push_back(std::move(job));
            }
            cv_jobs_.notify_one();
        }
        return !started.empty();
    }

    void activate(SQLite::Database& db, int slots, std::set<std::string> busy,
                  const std::string& ts, std::vector<Event>& events, std::vector<Job>& started) {
        // Only ids here: requests are read one by one while slots are left.
        for (const auto& id : due_request_ids(db, ts)) {
            if (static_cast<int>(started.size()) >= slots) break;
            if (!o_.daemon && attempted_.count(id)) continue;
            auto r = find_request(db, id);
            if (!r || busy.count(r->target)) continue;
            busy.insert(r->target);
            r->queue = "active";
            ++r->attempts;
            r->updated = ts;
            update_request(db, *r);
            const auto next = r->pos < static_cast<int>(r->packages.size())
                                  ? r->packages[static_cast<std::size_t>(r->pos)]
                                  : std::string();
            events.push_back(
                add_event(db, request_event(*r, "SWD_List_Start", warning, true, next,
                                            "package list processing started on " + r->target +
                                                " (attempt " + std::to_string(r->attempts) + ")",
                                            ts)));
            Job job;
            job.target = find_target(db, r->target);
            job.req = std::move(*r);
            started.push_back(std::move(job));
        }
    }

    // Requests a crashed run left active go back to the incoming queue, to resume at the package
    // that was in flight.
    void recover() {
        const auto now = timeutil::now();
        const auto ts = timeutil::format_rfc3339(now);
        std::vector<Event> events;
        std::vector<Request> resumed;
        st_.write([&](SQLite::Database& db) {
            events.clear();
            resumed.clear();
            for (auto r : list_requests(db, "active")) {
                r.queue = "incoming";
                r.updated = ts;
                update_request(db, r);
                const auto pkg = r.pos < static_cast<int>(r.packages.size())
                                     ? r.packages[static_cast<std::size_t>(r.pos)]
                                     : std::string();
                // Killed after its last package's success, before the list's: nothing to resume.
                const std::string then = pkg.empty()
                                             ? "its packages are installed; its list completes"
                                             : "it resumes at " + pkg;
                events.push_back(add_event(
                    db, request_event(
                            r, "SWD_Resumed", warning, false, pkg,
                            "a previous run stopped while this request was active; " + then, ts)));
                resumed.push_back(r);
            }
        });
        for (const auto& r : resumed)
            log_.append(now, {{"dist", r.dist},
                              {"event", "queue"},
                              {"request", r.id},
                              {"target", r.target},
                              {"queue", "incoming"},
                              {"reason", "resumed"}});
        for (const auto& e : events)
            out_.write(e.to_record());
    }

    void intake() {
        const auto rep = ingest_spool(st_, s_, log_);
        report_.corrupt += rep.corrupt;
    }

    // Hold requests whose time has come go back to the incoming queue.
    void release_holds() {
        const auto ts = timeutil::format_rfc3339(timeutil::now());
        st_.write([&](SQLite::Database& db) { release_due_holds(db, ts); });
    }

    void send_alerts() {
        if (s_.alert_to.empty()) return;
        try {
            const auto rep = queue::send_alerts(st_, s_, timeutil::now());
            for (const auto& e : rep.events)
                out_.write(e.to_record());
            if (rep.mail.retry + rep.mail.failed > 0)
                spdlog::warn("alerts: {} sent, {} to retry, {} refused for good ({})",
                             rep.mail.sent, rep.mail.retry, rep.mail.failed,
                             smtp::masked_url(s_.smtp.url));
            else if (rep.mail.sent > 0)
                spdlog::info("alerts: {} sent", rep.mail.sent);
        } catch (const Error& e) {
            spdlog::warn("alerts: {}", e.what());
        }
    }

    State& st_;
    const Settings& s_;
    distlog::Appender& log_;
    RecordOutput& out_;
    RunOptions o_;
    package::Store store_;
    TransportSettings ts_;

    std::mutex m_;
    std::condition_variable cv_main_, cv_jobs_, cv_commit_;
    std::deque<Job> jobs_;
    std::vector<Report> reports_;
    bool quit_ = false;
    std::uint64_t posted_gen_ = 0, committed_gen_ = 0;
    std::vector<std::thread> workers_;

    // Main thread only.
    std::map<std::string, Job> active_;
    std::set<std::string> active_targets_;
    std::set<std::string> attempted_;
    RunReport report_;
};

}  // namespace

RunReport run_manager(State& state, const Settings& settings, distlog::Appender& log,
                      RecordOutput& out, const RunOptions& options) {
    RunLock lock(state.path());
    if (options.max_active < 1) throw Error(Exit::usage, "--max-active must be at least 1");
    Manager m(state, settings, log, out, options);
    return m.run();
}

}  // namespace swd::queue
