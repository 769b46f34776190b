#include "libcore/alert/ingest_cli.hpp"

#include <spdlog/spdlog.h>
#include <stdio_ext.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <unordered_set>

#include "libcore/alert/ingest.hpp"
#include "libcore/base/claim.hpp"
#include "libcore/base/digest.hpp"
#include "libcore/base/format.hpp"
#include "libcore/base/ids.hpp"
#include "libcore/base/input.hpp"
#include "libcore/base/jsonl.hpp"
#include "libcore/base/progress.hpp"
#include "libcore/base/state.hpp"
#include "libcore/base/text.hpp"
#include "libcore/mail/mailbox.hpp"

namespace swd::ingest {

namespace {

/// Messages per state transaction: big enough to make the commit cost vanish, small enough
/// that records come out steadily.
constexpr std::size_t batch_size = 1000;

/// A source this large (bytes, or Maildir messages) shows a progress line on a terminal.
constexpr std::uint64_t progress_bytes = 64u << 20;
constexpr std::uint64_t progress_messages = 10000;

/// What a message becomes on the output: an `alert` record on stdout, or a reject (a warning
/// on stderr, and its `reject` record in the --rejects file).
struct Line {
    bool alert = false;
    std::string record;
    std::string source;
    std::string detail;  ///< a reject's reason, for the warning
};

/// One message on its way: read and parsed, waiting for its batch to be recorded.
struct Pending {
    std::string key;  // Message-ID, else "sha256:HEX" of the raw message
    std::optional<Alert> alert;
    std::string reason;  // a reject: "malformed", "too-large", "unreadable"
    std::string detail;
    std::string source;
    std::filesystem::path move_from, move_to;  // Maildir, unless kept
    bool duplicate = false;
    std::string id;
};

void flush_file(std::FILE* f, const std::string& what) {
    if (std::fflush(f) == 0) return;
    if (errno == EPIPE) throw OutputClosed();
    throw Error(Exit::partial, "writing " + what + ": " + errno_text(errno));
}

class Run {
  public:
    Run(Tool& tool, const Options& opt)
        : tool_(tool),
          opt_(opt),
          dry_run_(tool.common().dry_run),
          keep_(opt.keep || opt.no_state || tool.common().dry_run),
          out_(tool.format(), {"id", "date", "from", "failure", "device", "subject"}),
          progress_(tool.name(), stderr_is_terminal() && !tool.common().quiet) {}

    Exit go() {
        // Records go out a batch at a time (flush()): a pipe or file gets them in 64 KiB
        // writes, not in stdio's default 4 KiB ones. A terminal keeps its line buffering.
        static char out_buffer[1 << 16];
        if (!isatty(STDOUT_FILENO)) std::setvbuf(stdout, out_buffer, _IOFBF, sizeof out_buffer);
        const Config& config = tool_.config();
        rules_ = Rules::from_config(config);
        const auto max_size = config.integer("ingest.max_size");
        if (max_size <= 0) throw Error(Exit::config, "ingest.max_size: must be positive");
        batch_.reserve(batch_size);
        read_options_.all = opt_.all;
        read_options_.max_size = static_cast<std::uint64_t>(max_size);
        const auto inputs = resolve_inputs(opt_.sources);

        if (!opt_.rejects.empty()) {
            rejects_.reset(std::fopen(opt_.rejects.c_str(), "ae"));
            if (!rejects_)
                throw Error(Exit::config, "--rejects " + opt_.rejects + ": " + errno_text(errno));
        }
        if (!opt_.no_state) {
            const auto path = state_path(tool_.common().state, config);
            if (!dry_run_ || std::filesystem::exists(path))
                state_.emplace(path, std::vector<const Schema*>{&ids::schema(), &schema()});
        }
        if (state_ && !dry_run_) recover();

        for (const auto& input : inputs) {
            if (interrupted()) break;
            read_source(input);
        }
        flush();
        if (written_ > 0) state_->write([&](SQLite::Database& db) { forget_written(db); });
        progress_.clear();
        out_.finish();
        spdlog::info("{} messages, {} alerts, {} rejects, {} duplicates", messages_, alerts_,
                     rejects_count_, duplicates_);
        if (recovered_ > 0)
            spdlog::info("{} records of an interrupted run written again", recovered_);
        if (taken_ > 0) spdlog::info("{} messages moved by another run meanwhile", taken_);
        if (interrupted()) return Exit::interrupted;
        return rejects_count_ || failures_ ? Exit::partial : Exit::ok;
    }

  private:
    void read_source(const InputSpec& input) {
        try {
            mailbox::Reader reader(input, read_options_);
            const mailbox::Kind kind = reader.kind();
            const bool maildir = kind == mailbox::Kind::maildir;
            // This thread parses and writes; a Maildir's files are read ahead on the reader's
            // own thread. Parsing on a third thread costs more than it gains: the parsed
            // messages' many small allocations would be freed on another thread than the one
            // that made them, and glibc's malloc pays dearly for that.
            mailbox::Item item;
            std::uint64_t count = 0;
            while (!interrupted() && reader.next(item)) {
                Pending p = prepare(kind, item);
                ++messages_;
                ++count;
                batch_.push_back(std::move(p));
                if (batch_.size() >= batch_size) flush();
                show_progress(input.display(), maildir, maildir ? count : reader.done(),
                              reader.total(), count);
            }
        } catch (const Error& e) {
            if (e.code() == Exit::interrupted) return;
            progress_.clear();
            spdlog::error("{}", escape_controls(e.what()));
            ++failures_;
        }
    }

    /// A message read, parsed and made an alert or a reject. Touches nothing but its
    /// arguments and constant settings, so it may run on another thread.
    /// Takes item.source (the reader makes a new one for each message).
    Pending prepare(mailbox::Kind kind, mailbox::Item& item) const {
        Pending p;
        p.source = std::move(item.source);
        if (!item.error.empty()) {
            p.reason = "unreadable";
            p.detail = item.error;
        } else if (item.too_large) {
            p.reason = "too-large";
            p.detail = "message of " + std::to_string(item.size) + " bytes, larger than " +
                       "ingest.max_size (" + std::to_string(read_options_.max_size) + ")";
        } else {
            try {
                p.alert = make_alert(message::parse(item.raw), rules_);
                if (p.alert->msg.message_id) p.key = *p.alert->msg.message_id;
            } catch (const Error& e) {
                p.reason = "malformed";
                p.detail = e.what();
            }
        }
        if (p.key.empty()) p.key = "sha256:" + digest::sha256_hex(item.raw);
        if (kind == mailbox::Kind::maildir) {
            // An unreadable message stays where it is, to be read again once fixed.
            if (!keep_ && item.error.empty()) {
                p.move_from = item.path;
                p.move_to = mailbox::seen_path(item.path, !p.alert);
                p.source = "maildir:" + p.move_to.string();
            }
        }
        return p;
    }

    /// Records of a run that died between a commit and the write of what it committed: they
    /// are taken over (under this process's claim) and written first.
    void recover() {
        std::vector<std::string> gone;
        {
            SQLite::Statement owners(state_->db(), "SELECT DISTINCT owner FROM ingest_out");
            while (owners.executeStep()) {
                std::string owner = owners.getColumn(0).getString();
                if (!claim::alive(owner)) gone.push_back(std::move(owner));
            }
        }
        if (gone.empty()) return;
        state_->write([&](SQLite::Database& db) {
            lines_.clear();
            SQLite::Statement take(db, "UPDATE ingest_out SET owner = ?1 WHERE owner = ?2");
            for (const auto& owner : gone) {
                take.reset();
                take.bind(1, claim::self());
                take.bind(2, owner);
                take.exec();
            }
            SQLite::Statement q(db,
                                "SELECT seq, alert, record, source, detail FROM ingest_out "
                                "WHERE owner = ? ORDER BY seq");
            q.bind(1, claim::self());
            while (q.executeStep()) {
                written_ = q.getColumn(0).getInt64();
                lines_.push_back({q.getColumn(1).getInt() != 0, q.getColumn(2).getString(),
                                  q.getColumn(3).getString(), q.getColumn(4).getString()});
            }
        });
        recovered_ = lines_.size();
        // A reject written again is this run's to report, in its exit status too.
        for (const auto& l : lines_)
            if (!l.alert) ++rejects_count_;
        emit();
    }

    /// Inside a transaction: the records this run has written need no keeping any more.
    void forget_written(SQLite::Database& db) {
        SQLite::Statement forget(db, "DELETE FROM ingest_out WHERE owner = ? AND seq <= ?");
        forget.bind(1, claim::self());
        forget.bind(2, written_);
        forget.exec();
    }

    /// The output of a message that is not a duplicate.
    Line line_of(const Pending& p) const {
        if (p.alert) return {true, alert_record(*p.alert, p.id, p.source), p.source, {}};
        jsonl::Record r("reject");
        r.field("stage", "ingest");
        r.field("reason", p.reason);
        r.field("detail", p.detail);
        r.field("source", p.source);
        return {false, r.finish(), p.source, p.detail};
    }

    /// Records the batch in the state file (skipping duplicates and giving ids) and commits,
    /// then writes its records, then moves its Maildir messages. No lock is held while the
    /// output blocks: the committed records wait in ingest_out until the next transaction, so
    /// a run killed in between has them written by the next run (a record may then come
    /// twice, with the same id, never not at all), and a Maildir message is moved only once
    /// its record is out.
    void flush() {
        if (batch_.empty()) return;
        if (state_ && !dry_run_) {
            std::int64_t last = written_;
            state_->write([&](SQLite::Database& db) {
                lines_.clear();
                last = written_;
                if (written_ > 0) forget_written(db);
                SQLite::Statement seen(db, "SELECT 1 FROM ingest_seen WHERE key = ?");
                SQLite::Statement add(
                    db, "INSERT INTO ingest_seen(key, alert, source, seen) VALUES(?, ?, ?, ?)");
                SQLite::Statement keep(db,
                                       "INSERT INTO ingest_out(owner, alert, record, source, "
                                       "detail) VALUES(?, ?, ?, ?, ?)");
                const std::string now = timeutil::format_rfc3339(timeutil::now());
                for (auto& p : batch_) {
                    seen.reset();
                    seen.bind(1, p.key);
                    p.duplicate = seen.executeStep();
                    if (p.duplicate) continue;
                    p.id.clear();
                    if (p.alert) {
                        p.id = ids::next(db, 'A', p.alert->msg.date.value_or(timeutil::now()));
                    }
                    add.reset();
                    add.bind(1, p.key);
                    if (p.alert)
                        add.bind(2, p.id);
                    else
                        add.bind(2);
                    add.bind(3, p.source);
                    add.bind(4, now);
                    add.exec();
                    lines_.push_back(line_of(p));
                    const Line& l = lines_.back();
                    keep.reset();
                    keep.bindNoCopy(1, claim::self());
                    keep.bind(2, l.alert ? 1 : 0);
                    keep.bindNoCopy(3, l.record);
                    keep.bindNoCopy(4, l.source);
                    keep.bindNoCopy(5, l.detail);
                    keep.exec();
                    last = db.getLastInsertRowid();
                }
            });
            emit();
            written_ = last;
        } else {
            lines_.clear();
            std::optional<SQLite::Statement> seen;
            if (state_) seen.emplace(state_->db(), "SELECT 1 FROM ingest_seen WHERE key = ?");
            for (auto& p : batch_) {
                if (seen) {
                    seen->reset();
                    seen->bind(1, p.key);
                    p.duplicate = seen->executeStep() || !dry_seen_.insert(p.key).second;
                }
                if (p.duplicate) continue;
                if (p.alert)
                    p.id = stateless_id(p.key, p.alert->msg.date.value_or(timeutil::TimePoint{}));
                lines_.push_back(line_of(p));
            }
            emit();
        }
        for (auto& p : batch_) {
            if (p.duplicate) {
                spdlog::debug("{}: duplicate of {}", escape_controls(p.source),
                              escape_controls(p.key));
                ++duplicates_;
            } else if (p.alert) {
                ++alerts_;
            } else {
                ++rejects_count_;
            }
            if (p.move_from.empty()) continue;
            try {
                if (!mailbox::move(p.move_from, p.move_to)) {
                    spdlog::debug("{}: taken by another run",
                                  escape_controls(p.move_from.string()));
                    ++taken_;
                }
            } catch (const Error& e) {
                progress_.clear();
                spdlog::error("{}", escape_controls(e.what()));
                ++failures_;
            }
        }
        batch_.clear();
    }

    /// Writes lines_ and flushes them. A signal that breaks a blocked write is an interruption,
    /// not a write error: what was not written yet is dropped, not written at exit into a pipe
    /// that may never drain; it waits in ingest_out (or, without a state file, in the source)
    /// for the next run.
    void emit() {
        try {
            write_lines();
        } catch (const Error&) {
            if (!interrupted()) throw;
            __fpurge(stdout);
            batch_.clear();
            throw Error(Exit::interrupted, "interrupted");
        }
    }

    void write_lines() {
        progress_.clear();
        for (const auto& l : lines_) {
            if (l.alert) {
                out_.write(l.record);
                continue;
            }
            spdlog::warn("{}: {}", escape_controls(l.source), escape_controls(l.detail));
            if (rejects_) write_all(rejects_.get(), l.record + "\n");
        }
        flush_file(stdout, "output");
        if (rejects_) flush_file(rejects_.get(), opt_.rejects);
    }

    struct FileClose {
        void operator()(std::FILE* f) const { std::fclose(f); }
    };

    Tool& tool_;
    const Options& opt_;
    bool dry_run_;
    bool keep_;
    RecordOutput out_;
    Progress progress_;

    /// `done` of `total` (bytes of an mbox, messages of a Maildir), for a large source only.
    void show_progress(const std::string& name, bool maildir, std::uint64_t done,
                       std::optional<std::uint64_t> total, std::uint64_t messages) {
        if (!progress_.due() || !total || *total < (maildir ? progress_messages : progress_bytes))
            return;
        const double pct =
            *total ? 100.0 * static_cast<double>(done) / static_cast<double>(*total) : 100.0;
        char figures[64];
        std::snprintf(figures, sizeof figures, "%llu messages, %.0f%%",
                      static_cast<unsigned long long>(messages), pct);
        progress_.update(name + ": " + figures);
    }
    Rules rules_;
    mailbox::ReadOptions read_options_;
    std::optional<State> state_;
    std::unique_ptr<std::FILE, FileClose> rejects_;
    std::vector<Pending> batch_;
    std::vector<Line> lines_;   ///< what the batch (or a recovery) writes
    std::int64_t written_ = 0;  ///< ingest_out rows up to this one are written
    std::unordered_set<std::string> dry_seen_;
    std::uint64_t messages_ = 0, alerts_ = 0, rejects_count_ = 0, duplicates_ = 0, failures_ = 0;
    std::uint64_t recovered_ = 0, taken_ = 0;
};

}  // namespace

void add_options(CLI::App& app, Options& opt) {
    app.add_option("source", opt.sources,
                   "mbox file, Maildir, message file, or - for stdin (default: stdin)")
        ->type_name("SOURCE");
    app.add_option("--rejects", opt.rejects, "append a reject record per rejected message here")
        ->type_name("FILE");
    app.add_flag("--all", opt.all, "Maildir: also read unseen messages in cur/");
    app.add_flag("--keep", opt.keep, "Maildir: leave every message where it is");
    app.add_flag("--no-state", opt.no_state,
                 "no state file: no dedupe, nothing moved, ids from the message hash");
}

Exit run(Tool& tool, const Options& opt) {
    return Run(tool, opt).go();
}

}  // namespace swd::ingest
