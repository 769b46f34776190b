#include "libcore/ticket/processor.hpp"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <unordered_map>

#include "libcore/alert/devices.hpp"
#include "libcore/base/claim.hpp"
#include "libcore/base/error.hpp"
#include "libcore/base/format.hpp"
#include "libcore/base/ids.hpp"
#include "libcore/base/input.hpp"
#include "libcore/base/jsonl.hpp"
#include "libcore/base/text.hpp"
#include "libcore/mail/outbox.hpp"
#include "libcore/ticket/admin.hpp"
#include "libcore/ticket/delivery.hpp"

namespace swd::ticket {

namespace {

using timeutil::format_rfc3339;
using timeutil::TimePoint;

/// The ticket the next alert of a device and failure would join. Times are Unix seconds.
struct OpenTicket {
    std::string id;
    std::optional<std::int64_t> closed;
    std::int64_t window_start = 0;
    std::int64_t trigger = 0;
    std::string updated, reopened;  ///< the actions of alerts it takes: "updated <id>", ...
    /// The alerts it took in this batch, summed up: written to its row once per batch.
    std::int64_t taken = 0, first = 0, last = 0;
    bool reopen = false;
    OpenTicket() = default;
    OpenTicket(std::string i, std::optional<std::int64_t> c, std::int64_t ws, std::int64_t tr)
        : id(std::move(i)),
          closed(c),
          window_start(ws),
          trigger(tr),
          updated("updated " + id),
          reopened("reopened " + id) {}
};

std::int64_t secs(TimePoint t) {
    return t.time_since_epoch().count();
}

}  // namespace

struct Processor::Impl {
    State& state;
    const Settings& s;
    TimePoint now;
    std::string now_text;
    SQLite::Database& db;
    SQLite::Statement insert, any_outage, outage, find_key, add_key, count, window, candidates,
        attach, attach_range, recount, move_window, set_action, new_ticket;
    /// Ticket ids (ids::next's, of `now`), read once per batch and saved before it commits.
    std::optional<ids::Sequence> ticket_ids;
    devices::Finder devices;
    Thresholds thresholds;
    bool has_outages = false;
    std::unordered_map<std::string, std::string> regions;
    /// A device and failure type: its number in ticket_keys, its latest ticket and its
    /// threshold (which stays the same while the rules and the device's region do).
    struct Key {
        std::int64_t key = 0;
        std::optional<OpenTicket> latest;
        std::optional<Limit> limit;
    };
    /// Within a batch this process holds the write lock, so what it knows of each device and
    /// failure can be kept here instead of looked up for every alert (and from one batch to
    /// the next while no other process wrote to the state file)...
    std::unordered_map<std::string, Key> keys;
    /// The same entries by the alerts' pair numbers (nullptr: not looked up yet).
    std::vector<Key*> by_pair;
    /// PRAGMA data_version inside the last committed batch: when the next batch reads the same,
    /// no other connection has committed since, and what is kept above is still true.
    std::optional<std::int64_t> known_version;
    std::int64_t batch_version = 0;
    std::string name;  ///< reused for looking `keys` up
    /// ...and the open tickets that took alerts in this batch (their sums not written yet).
    std::vector<OpenTicket*> attached;

    Impl(State& st, const Settings& settings, TimePoint t)
        : state(st),
          s(settings),
          now(t),
          now_text(format_rfc3339(t)),
          db(st.db()),
          insert(db,
                 "INSERT INTO ticket_alerts(id, key, device, failure, at, counted, outage, "
                 "action, ticket, message_id, date, sender, node, domain, subject, failure_text, "
                 "dist, server, package, location, region, detail, source, processed) VALUES(?, "
                 "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                 "ON CONFLICT(id) DO NOTHING"),
          any_outage(db, "SELECT EXISTS(SELECT 1 FROM ticket_outages)"),
          outage(db,
                 "SELECT 1 FROM ticket_outages WHERE device = ?1 AND starts <= ?2 AND "
                 "ends > ?2 LIMIT 1"),
          find_key(db,
                   "SELECT k.key, t.id, t.closed, t.window_start, t.trigger_at FROM ticket_keys k "
                   "LEFT JOIN tickets t ON t.id = (SELECT id FROM tickets WHERE device = ?1 AND "
                   "failure = ?2 ORDER BY created DESC, id DESC LIMIT 1) WHERE k.device = ?1 AND "
                   "k.failure = ?2"),
          add_key(db, "INSERT INTO ticket_keys(device, failure) VALUES(?1, ?2)"),
          count(db,
                "SELECT count(*) FROM ticket_alerts WHERE key = ?1 AND at > ?2 AND at <= ?3 "
                "AND counted = 1"),
          window(db,
                 "SELECT count(*) FILTER (WHERE at <= ?3), count(*) FILTER (WHERE at > ?3) "
                 "FROM ticket_alerts WHERE key = ?1 AND at > ?2 AND counted = 1"),
          candidates(db,
                     "SELECT DISTINCT at FROM ticket_alerts WHERE key = ?1 AND at >= ?2 AND "
                     "at < ?3 AND counted = 1 AND outage = 0 AND (ticket IS NULL OR ticket = ?4) "
                     "ORDER BY at"),
          attach(db,
                 "UPDATE tickets SET count = count + ?1, first_at = min(first_at, ?2), "
                 "last_at = max(last_at, ?3), dirty = 1, updates = updates + ?1, "
                 "closed = CASE WHEN ?4 THEN NULL ELSE closed END, "
                 "reopened = reopened + ?4 WHERE id = ?5"),
          attach_range(db,
                       "UPDATE ticket_alerts SET ticket = ?1 WHERE key = ?2 AND at > ?3 AND "
                       "counted = 1 AND outage = 0 AND ticket IS NULL"),
          recount(db,
                  "UPDATE tickets SET (count, first_at, last_at) = (SELECT count(*), min(at), "
                  "max(at) FROM ticket_alerts WHERE key = ?2 AND at > ?3 AND ticket = ?1) "
                  "WHERE id = ?1"),
          move_window(db,
                      "UPDATE tickets SET trigger_at = ?2, window_start = ?3, dirty = 1, "
                      "updates = updates + 1 WHERE id = ?1"),
          set_action(db, "UPDATE ticket_alerts SET action = ?2, ticket = ?3 WHERE id = ?1"),
          new_ticket(db,
                     "INSERT INTO tickets(id, device, failure, stage, count, threshold, "
                     "window_s, first_at, last_at, trigger_at, window_start, created, claimed, "
                     "claimer, location, region, package, server, dist, detail) VALUES(?, ?, ?, "
                     "'new', 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
          devices(db) {
        // Batches touch index pages all over the file (the window index is keyed by device, so
        // a large batch dirties most of its pages): keep them in memory, and checkpoint the WAL
        // only every 256 MiB of it, so that a page rewritten by several batches is copied into
        // the database (and synced) once, not after every batch. Commits are as durable as
        // before: the checkpoint only moves committed pages from the WAL into the file.
        db.exec("PRAGMA cache_size = -131072");
        db.exec("PRAGMA wal_autocheckpoint = 65536");
    }

    /// Binds without copying: every value outlives the statement's execution. Empty is NULL.
    static void bind_text(SQLite::Statement& st, int i, const std::string& v) {
        if (v.empty())
            st.bind(i);
        else
            st.bindNoCopy(i, v);
    }

    /// Stores the alert; false when its id was processed before (a duplicate).
    bool store(const Alert& a, const Key& k, bool counted, bool on_outage,
               const std::string& action, const std::string& ticket) {
        insert.reset();
        int i = 0;
        insert.bindNoCopy(++i, a.id);
        insert.bind(++i, k.key);
        insert.bindNoCopy(++i, a.device);
        insert.bindNoCopy(++i, a.failure);
        insert.bind(++i, secs(a.at));
        insert.bind(++i, counted ? 1 : 0);
        insert.bind(++i, on_outage ? 1 : 0);
        insert.bindNoCopy(++i, action);
        bind_text(insert, ++i, ticket);
        for (const std::string* v :
             {&a.message_id, &a.date, &a.from, &a.node, &a.domain, &a.subject, &a.failure_text,
              &a.dist, &a.server, &a.package, &a.location, &a.region, &a.detail, &a.source}) {
            bind_text(insert, ++i, *v);
        }
        insert.bindNoCopy(++i, now_text);
        return insert.exec() > 0;
    }

    bool on_outage(const Alert& a) {
        if (!has_outages) return false;
        outage.reset();
        outage.bindNoCopy(1, a.device);
        outage.bind(2, format_rfc3339(a.at));
        const bool found = outage.executeStep();
        outage.reset();  // a statement left stepping would keep its snapshot past the commit
        return found;
    }

    const std::string& region_of(const Alert& a) {
        if (!thresholds.has_region_rules()) return a.region;
        auto it = regions.find(a.device);
        if (it == regions.end()) {
            const auto d = devices.find(a.device);
            it = regions.emplace(a.device, d && !d->region.empty() ? d->region : a.region).first;
        }
        return it->second;
    }

    /// The alert's device and failure type: its number (made when it is new) and latest ticket.
    Key& key_of(const Alert& a) {
        if (a.pair < by_pair.size() && by_pair[a.pair] != nullptr) return *by_pair[a.pair];
        Key& k = look_up_key(a);
        if (a.pair != 0) {
            if (a.pair >= by_pair.size()) by_pair.resize(a.pair + 1);
            by_pair[a.pair] = &k;
        }
        return k;
    }

    Key& look_up_key(const Alert& a) {
        pair_name(a, name);
        auto it = keys.find(name);
        if (it == keys.end()) {
            Key k;
            find_key.reset();
            find_key.bindNoCopy(1, a.device);
            find_key.bindNoCopy(2, a.failure);
            if (find_key.executeStep()) {
                k.key = find_key.getColumn(0).getInt64();
                if (!find_key.getColumn(1).isNull()) {
                    std::optional<std::int64_t> closed;
                    if (!find_key.getColumn(2).isNull()) closed = find_key.getColumn(2).getInt64();
                    k.latest.emplace(find_key.getColumn(1).getString(), closed,
                                     find_key.getColumn(3).getInt64(),
                                     find_key.getColumn(4).getInt64());
                }
            } else {
                // A device and failure type seen for the first time: no ticket has it yet.
                add_key.reset();
                add_key.bindNoCopy(1, a.device);
                add_key.bindNoCopy(2, a.failure);
                add_key.exec();
                k.key = db.getLastInsertRowid();
            }
            find_key.reset();
            it = keys.emplace(name, std::move(k)).first;
        }
        return it->second;
    }

    bool is_open(const OpenTicket& t, std::int64_t at) const {
        return !t.closed || *t.closed > at - s.reopen.count();
    }

    /// Writes the summed-up attachments: before anything reads ticket rows, and at the end of
    /// the batch.
    void flush_attached() {
        for (OpenTicket* t : attached) {
            attach.reset();
            attach.bind(1, t->taken);
            attach.bind(2, t->first);
            attach.bind(3, t->last);
            attach.bind(4, t->reopen ? 1 : 0);
            attach.bindNoCopy(5, t->id);
            attach.exec();
            t->taken = 0;
            t->reopen = false;
        }
        attached.clear();
    }

    std::int64_t count_in(const Key& k, std::int64_t end, timeutil::Duration w) {
        count.reset();
        count.bind(1, k.key);
        count.bind(2, end - w.count());
        count.bind(3, end);
        count.executeStep();
        const std::int64_t n = count.getColumn(0).getInt64();
        count.reset();
        return n;
    }

    /// The earliest time in [from, to) of a counted alert (not on outage, free or already in
    /// `ticket`) whose window meets the limit.
    std::optional<std::int64_t> earliest_trigger(const Key& k, std::int64_t from, std::int64_t to,
                                                 const Limit& lim, const std::string& ticket) {
        std::vector<std::int64_t> times;
        candidates.reset();
        candidates.bind(1, k.key);
        candidates.bind(2, from);
        candidates.bind(3, to);
        candidates.bindNoCopy(4, ticket);
        while (candidates.executeStep())
            times.push_back(candidates.getColumn(0).getInt64());
        for (std::int64_t t : times)
            if (count_in(k, t, lim.window) >= lim.limit) return t;
        return std::nullopt;
    }

    /// Attaches every free counted alert after `window_start` to the ticket and recounts it.
    void gather(const Key& k, const std::string& ticket, std::int64_t window_start) {
        attach_range.reset();
        attach_range.bindNoCopy(1, ticket);
        attach_range.bind(2, k.key);
        attach_range.bind(3, window_start);
        attach_range.exec();
        recount.reset();
        recount.bindNoCopy(1, ticket);
        recount.bind(2, k.key);
        recount.bind(3, window_start);
        recount.exec();
    }

    void relabel(const Alert& a, const std::string& action, const std::string& ticket) {
        set_action.reset();
        set_action.bindNoCopy(1, a.id);
        set_action.bindNoCopy(2, action);
        set_action.bindNoCopy(3, ticket);
        set_action.exec();
    }

    std::string create(const Alert& a, const Key& k, std::int64_t trigger, const Limit& lim) {
        const std::string id = ticket_ids->next();
        const std::int64_t window_start = trigger - lim.window.count();
        const std::string claimed = format_rfc3339(timeutil::now());
        new_ticket.reset();
        int i = 0;
        new_ticket.bindNoCopy(++i, id);
        new_ticket.bindNoCopy(++i, a.device);
        new_ticket.bindNoCopy(++i, a.failure);
        new_ticket.bind(++i, lim.limit);
        new_ticket.bind(++i, static_cast<std::int64_t>(lim.window.count()));
        new_ticket.bind(++i, secs(a.at));
        new_ticket.bind(++i, secs(a.at));
        new_ticket.bind(++i, trigger);
        new_ticket.bind(++i, window_start);
        new_ticket.bindNoCopy(++i, now_text);
        new_ticket.bindNoCopy(++i, claimed);
        new_ticket.bindNoCopy(++i, claim::self());
        for (const std::string* v :
             {&a.location, &a.region, &a.package, &a.server, &a.dist, &a.detail})
            new_ticket.bindNoCopy(++i, *v);
        new_ticket.exec();
        gather(k, id, window_start);
        return id;
    }

    void handle(const Alert& a, BatchResult& r) {
        const std::int64_t at = secs(a.at);
        const bool out = on_outage(a);
        Key& k = key_of(a);
        if (out && s.drop_outage_alerts) {
            if (!store(a, k, false, true, "suppressed-outage", "")) {
                ++r.duplicates;
                return;
            }
            ++r.suppressed;
            return;
        }
        if (!k.limit) k.limit = thresholds.lookup(a.device, region_of(a), a.failure);
        const Limit& lim = *k.limit;
        std::optional<OpenTicket>& latest_ticket = k.latest;
        OpenTicket* ticket =
            latest_ticket && is_open(*latest_ticket, at) ? &*latest_ticket : nullptr;
        const bool reopen = ticket && ticket->closed && at >= *ticket->closed;
        if (!out && ticket && at > ticket->window_start && (at >= ticket->trigger || reopen)) {
            if (!store(a, k, true, false, reopen ? ticket->reopened : ticket->updated,
                       ticket->id)) {
                ++r.duplicates;
                return;
            }
            if (ticket->taken++ == 0) {
                attached.push_back(ticket);
                ticket->first = ticket->last = at;
            } else {
                ticket->first = std::min(ticket->first, at);
                ticket->last = std::max(ticket->last, at);
            }
            if (reopen) {
                ticket->reopen = true;
                ticket->closed.reset();
            }
            ++r.updated;
            return;
        }
        // A device under maintenance gets no ticket and no update, but its alert is counted.
        const bool suppressed = out && (ticket || count_in(k, at, lim.window) + 1 >= lim.limit);
        if (!store(a, k, true, out, suppressed ? "suppressed-outage" : "counted", "")) {
            ++r.duplicates;
            return;
        }
        ++(suppressed ? r.suppressed : r.counted);
        if (ticket) {
            // Earlier than the open ticket's trigger (it arrived late): counted, it may make
            // the threshold met earlier, which moves the ticket's window back over it.
            flush_attached();  // the recount below sets the ticket's count from its alerts
            const auto trigger = earliest_trigger(
                k, at, std::min(at + lim.window.count(), ticket->trigger), lim, ticket->id);
            if (trigger) {
                ticket->trigger = *trigger;
                ticket->window_start = *trigger - lim.window.count();
                move_window.reset();
                move_window.bindNoCopy(1, ticket->id);
                move_window.bind(2, ticket->trigger);
                move_window.bind(3, ticket->window_start);
                move_window.exec();
            }
            if (!trigger && (out || at <= ticket->window_start)) return;
            gather(k, ticket->id, ticket->window_start);
            if (!out) {
                relabel(a, ticket->updated, ticket->id);
                --r.counted;
                ++r.updated;
            }
            return;
        }
        window.reset();
        window.bind(1, k.key);
        window.bind(2, at - lim.window.count());
        window.bind(3, at);
        window.executeStep();
        const auto in_window = window.getColumn(0).getInt64();
        const auto later = window.getColumn(1).getInt64();
        window.reset();
        // Its own window (unless it is on an outage), or a later alert's that now holds it.
        std::optional<std::int64_t> trigger;
        if (!out && in_window >= lim.limit)
            trigger = at;
        else if (later > 0)
            trigger = earliest_trigger(k, at + 1, at + lim.window.count(), lim, "");
        if (!trigger) return;
        const std::string id = create(a, k, *trigger, lim);
        if (latest_ticket && latest_ticket->taken > 0) flush_attached();  // before it is replaced
        latest_ticket = OpenTicket{id, std::nullopt, *trigger - lim.window.count(), *trigger};
        if (!out) {
            relabel(a, "ticket " + id, id);
            --r.counted;
        }
        r.created.push_back(id);
    }

    /// Inside the batch's transaction. `known_version` is cleared until the batch commits, so
    /// a batch that is rolled back (or retried) leaves nothing it kept behind.
    void begin_batch() {
        attached.clear();
        ticket_ids.emplace(db, 'T', now, 4);
        const std::int64_t version = db.execAndGet("PRAGMA data_version").getInt64();
        const bool keep = known_version == version;
        known_version.reset();
        batch_version = version;
        if (keep) return;
        keys.clear();
        by_pair.clear();
        regions.clear();
        thresholds = Thresholds::load(db, s);
        any_outage.reset();
        any_outage.executeStep();
        has_outages = any_outage.getColumn(0).getInt() != 0;
        any_outage.reset();
    }

    void committed() { known_version = batch_version; }

    void end_batch() {
        flush_attached();
        ticket_ids->save();
    }
};

Processor::Processor(State& state, const Settings& settings, TimePoint now)
    : impl_(std::make_unique<Impl>(state, settings, now)) {}
Processor::~Processor() = default;

BatchResult Processor::process(std::span<const Alert> alerts) {
    BatchResult result;
    impl_->state.write([&](SQLite::Database&) {
        result = BatchResult{};
        impl_->begin_batch();
        for (const Alert& a : alerts)
            impl_->handle(a, result);
        impl_->end_batch();
    });
    impl_->committed();
    return result;
}

std::vector<Ticket> Processor::dry_run(std::span<const Alert> alerts, BatchResult& result) {
    SQLite::Database& db = impl_->db;
    std::vector<Ticket> tickets;
    db.exec("BEGIN IMMEDIATE");
    try {
        result = BatchResult{};
        impl_->begin_batch();
        for (const Alert& a : alerts)
            impl_->handle(a, result);
        impl_->end_batch();
        for (const auto& id : result.created)
            if (auto t = find_ticket(db, id)) tickets.push_back(std::move(*t));
    } catch (...) {
        db.exec("ROLLBACK");
        throw;
    }
    db.exec("ROLLBACK");
    return tickets;
}

void pair_name(const Alert& a, std::string& out) {
    out.assign(a.device);
    out += '\0';
    out += a.failure;
}

bool parse_alert(simdjson::dom::element record, TimePoint now, Alert& a, std::string& why) {
    const auto type = jsonl::get_string(record, "type");
    if (type != "alert") {
        why =
            type ? "a '" + std::string(*type) + "' record, not an alert" : "a record without type";
        return false;
    }
    // The fields an alert keeps, read in one pass over the record. As with a look-up by name,
    // the first field of a name counts, and only when it is a string.
    static constexpr std::pair<std::string_view, std::string Alert::*> fields[] = {
        {"id", &Alert::id},           {"device", &Alert::device},
        {"failure", &Alert::failure}, {"message_id", &Alert::message_id},
        {"date", &Alert::date},       {"from", &Alert::from},
        {"node", &Alert::node},       {"domain", &Alert::domain},
        {"subject", &Alert::subject}, {"failure_text", &Alert::failure_text},
        {"server", &Alert::server},   {"dist", &Alert::dist},
        {"package", &Alert::package}, {"location", &Alert::location},
        {"region", &Alert::region},   {"detail", &Alert::detail},
        {"source", &Alert::source},
    };
    for (const auto& field : fields)
        (a.*field.second).clear();
    a.pair = 0;
    std::string_view time;
    bool seen_time = false;
    std::uint32_t seen = 0;
    simdjson::dom::object object;
    if (record.get(object) == simdjson::SUCCESS) {
        for (const auto field : object) {
            std::string_view value;
            if (field.key == "time") {
                if (!seen_time && field.value.get(value) == simdjson::SUCCESS) time = value;
                seen_time = true;
                continue;
            }
            for (std::uint32_t i = 0; i < std::size(fields); ++i) {
                if (field.key != fields[i].first) continue;
                if ((seen & (1U << i)) == 0 && field.value.get(value) == simdjson::SUCCESS)
                    a.*fields[i].second = value;
                seen |= 1U << i;
                break;
            }
        }
    }
    lower_in_place(a.device);
    lower_in_place(a.failure);
    if (a.id.empty()) {
        why = "alert without an id";
        return false;
    }
    if (a.device.empty()) {
        why = "alert " + a.id + " names no device";
        return false;
    }
    if (a.failure.empty()) a.failure = "other";
    if (auto t = timeutil::parse_rfc3339(time))
        a.at = *t;
    else if (auto d = timeutil::parse_rfc3339(a.date))
        a.at = *d;
    else
        a.at = now;
    return true;
}

}  // namespace swd::ticket
