#include "libcore/ticket/delivery.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <ctime>
#include <map>

#include "libcore/alert/devices.hpp"
#include "libcore/base/claim.hpp"
#include "libcore/base/signals.hpp"
#include "libcore/base/text.hpp"
#include "libcore/mail/compose.hpp"
#include "libcore/ticket/admin.hpp"
#include "libcore/ticket/diagnostics.hpp"
#include "libcore/ticket/template.hpp"

namespace swd::ticket {

namespace {

using timeutil::format_rfc3339;

/// The kinds of outbox entries swd-ticket writes (and so delivers).
constexpr const char* mail_kinds[] = {"page", "ticket", "digest", "update"};

/// Locations compare without case and white space: "Building 12 / Room 3" is
/// "building 12/room 3".
std::string location_key(std::string_view s) {
    std::string out;
    for (char c : s)
        if (c != ' ' && c != '\t') out += c;
    return ascii_lower(out);
}

std::string sender_domain(const std::string& from) {
    const std::string addr = mail::address_of(from);
    const auto at = addr.rfind('@');
    return at == std::string::npos ? mail::host_name() : addr.substr(at + 1);
}

std::vector<std::pair<std::string, std::string>> ticket_headers(const Ticket& t) {
    return {{"Auto-Submitted", "auto-generated"}, {"X-SWD-Ticket", t.id}};
}

std::string compose_ticket(const Settings& s, const Ticket& t, Occasion occasion,
                           timeutil::TimePoint now, const std::string& message_id,
                           const std::string& in_reply_to) {
    mail::Outgoing m;
    m.from = s.from;
    m.to = t.to;
    m.subject = render(s.subject, t, occasion, now);
    m.body = render(s.template_text, t, occasion, now);
    m.message_id = message_id;
    m.date = now;
    m.headers = ticket_headers(t);
    if (!in_reply_to.empty()) {
        m.headers.emplace_back("In-Reply-To", in_reply_to);
        m.headers.emplace_back("References", in_reply_to);
    }
    return mail::compose(m);
}

/// Steps 228-234 for claimed tickets, with the statements prepared once.
class Finisher {
  public:
    Finisher(SQLite::Database& db, const Settings& s, timeutil::TimePoint now)
        : db_(db),
          s_(s),
          now_(now),
          latest_(db,
                  std::string("SELECT coalesce(package, ''), coalesce(server, ''), "
                              "coalesce(dist, ''), coalesce(detail, ''), coalesce(location, ''), "
                              "coalesce(region, '') FROM ticket_alerts WHERE key = ") +
                      key_sql + " AND ticket = ? ORDER BY at DESC, id DESC LIMIT 1"),
          store_(db,
                 "UPDATE tickets SET stage = ?, held_until = ?, center = ?, rcpts = ?, "
                 "location = ?, location_corrected_from = ?, location_unverified = ?, "
                 "region = ?, building = ?, address = ?, package = ?, server = ?, dist = ?, "
                 "detail = ?, diagnostics = ?, message_id = ?, paged = ?, dirty = 0, "
                 "claimed = NULL, claimer = NULL WHERE id = ?"),
          devices_(db) {}

    /// The inventory check, routing, hold and page of one claimed ticket. The ticket's mail is
    /// written by `send`, so that processing stays fast.
    void finish(Ticket& t) {
        std::string alert_location;
        take_latest_alert(t, alert_location);
        t.location_corrected_from.clear();
        t.location_unverified = false;
        const auto device = devices_.find(t.device);
        if (device) {
            const std::string known = device->location();
            t.location = known.empty() ? alert_location : known;
            if (!known.empty() && !alert_location.empty() &&
                location_key(known) != location_key(alert_location)) {
                t.location_corrected_from = alert_location;
            }
            if (!device->region.empty()) t.region = device->region;
            t.building = device->building;
            t.address = device->address;
        } else {
            t.location = alert_location;
            t.location_unverified = true;
        }
        auto known_route = routes_.find(t.building);
        if (known_route == routes_.end())
            known_route = routes_.emplace(t.building, route(db_, s_, t.building)).first;
        const Route& r = known_route->second;
        t.center = r.center;
        t.to = r.to;
        if (r.center.empty()) {
            spdlog::info("ticket {}: unrouted ({}): {}", t.id,
                         t.building.empty() ? "device " + t.device : "building " + t.building,
                         r.problem);
            t.unrouted = r.problem;
            t.status = "unrouted";
            store(t, "unrouted");
            return;
        }
        t.message_id = mail::make_message_id(sender_domain(s_.from));
        if (s_.hold_shift) {
            t.held_until = shift_end(now_, s_.shifts);
            t.status = "held";
        } else {
            t.status = "queued";
        }
        if (device && pages(db_, *device, t.failure)) {
            if (r.pager.empty()) {
                spdlog::warn("ticket {}: paging is on for {} but center {} has no pager address",
                             t.id, t.device, r.center);
            } else {
                mail::Outgoing page;
                page.from = s_.from;
                page.to = {r.pager};
                page.subject = "[" + t.id + "] PAGE " + t.failure + " " + t.device;
                page.body = page_text(t);
                page.message_id = mail::make_message_id(sender_domain(s_.from));
                page.date = now_;
                page.headers = ticket_headers(t);
                outbox::enqueue(db_, "page", t.id, s_.from, page.to, mail::compose(page), now_);
                t.paged = true;
            }
        }
        store(t, t.status);
    }

  private:
    /// What the ticket's most recent alert says: package, server, distribution, detail, and
    /// its location and region (checked against the inventory afterwards).
    void take_latest_alert(Ticket& t, std::string& alert_location) {
        latest_.reset();
        latest_.bind(1, t.device);
        latest_.bind(2, t.failure);
        latest_.bind(3, t.id);
        if (!latest_.executeStep()) return;
        t.package = latest_.getColumn(0).getString();
        t.server = latest_.getColumn(1).getString();
        t.dist = latest_.getColumn(2).getString();
        t.detail = latest_.getColumn(3).getString();
        alert_location = latest_.getColumn(4).getString();
        t.region = latest_.getColumn(5).getString();
        latest_.reset();
    }

    void store(const Ticket& t, const std::string& stage) {
        store_.reset();
        int i = 0;
        store_.bind(++i, stage);
        bind_or_null(store_, ++i, t.held_until ? format_rfc3339(*t.held_until) : "");
        store_.bind(++i, t.center);
        std::string rcpts;
        for (const auto& to : t.to)
            rcpts += (rcpts.empty() ? "" : "\n") + to;
        store_.bind(++i, rcpts);
        store_.bind(++i, t.location);
        bind_or_null(store_, ++i, t.location_corrected_from);
        store_.bind(++i, t.location_unverified ? 1 : 0);
        for (const std::string* v :
             {&t.region, &t.building, &t.address, &t.package, &t.server, &t.dist, &t.detail})
            store_.bind(++i, *v);
        store_.bind(++i, diagnostics_json(t.diagnostics));
        store_.bind(++i, t.message_id);
        store_.bind(++i, t.paged ? 1 : 0);
        store_.bind(++i, t.id);
        store_.exec();
    }

    SQLite::Database& db_;
    const Settings& s_;
    timeutil::TimePoint now_;
    SQLite::Statement latest_, store_;
    devices::Finder devices_;
    std::map<std::string, Route> routes_;
};

/// Writes the mails of tickets that are ready (stage queued, no mail yet), a chunk per
/// transaction.
int compose_ready(State& state, const Settings& s, timeutil::TimePoint now) {
    std::vector<std::string> ready;
    {
        SQLite::Statement q(state.db(),
                            "SELECT id FROM tickets WHERE stage = 'queued' AND mail IS NULL "
                            "ORDER BY created, id");
        while (q.executeStep())
            ready.push_back(q.getColumn(0).getString());
    }
    constexpr std::size_t chunk = 200;
    int written = 0;
    for (std::size_t from = 0; from < ready.size() && !interrupted(); from += chunk) {
        int n = 0;
        state.write([&](SQLite::Database& db) {
            n = 0;
            TicketReader reader(db);
            SQLite::Statement done(db, "UPDATE tickets SET mail = ?, dirty = 0 WHERE id = ?");
            for (std::size_t i = from; i < std::min(ready.size(), from + chunk); ++i) {
                auto t = reader.find(ready[i]);
                if (!t || t->status != "queued" || t->mail != 0) continue;  // another sender
                const auto mail_id = outbox::enqueue(
                    db, "ticket", t->id, s.from, t->to,
                    compose_ticket(s, *t, Occasion::created, now, t->message_id, ""),
                    now + s.retry.front());
                done.reset();
                done.bind(1, mail_id);
                done.bind(2, t->id);
                done.exec();
                ++n;
            }
        });
        written += n;
    }
    return written;
}

}  // namespace

timeutil::TimePoint shift_end(timeutil::TimePoint t, const std::vector<int>& shifts) {
    const std::time_t at = t.time_since_epoch().count();
    std::tm local{};
    localtime_r(&at, &local);
    for (int day = 0; day < 3; ++day) {
        for (int minute : shifts) {
            std::tm end = local;
            end.tm_mday += day;
            end.tm_hour = minute / 60;
            end.tm_min = minute % 60;
            end.tm_sec = 0;
            end.tm_isdst = -1;
            const std::time_t e = std::mktime(&end);
            if (e > at) return timeutil::TimePoint(timeutil::Duration(e));
        }
    }
    return t;
}

namespace {

/// Finishes the tickets this process holds the claim of.
std::vector<Ticket> finish_claimed(State& state, const Settings& settings, timeutil::TimePoint now,
                                   const std::vector<std::string>& claimed) {
    std::vector<Ticket> tickets;
    tickets.reserve(claimed.size());
    std::vector<DiagnosticTarget> targets;
    std::vector<std::size_t> needs;  // tickets without diagnostics yet
    {
        TicketReader reader(state.db());
        devices::Finder devices(state.db());
        for (const auto& id : claimed) {
            auto t = reader.find(id);
            if (!t || t->status != "new") continue;  // finished meanwhile
            if (settings.diagnostics && t->diagnostics.empty()) {
                const auto device = devices.find(t->device);
                targets.push_back(
                    {t->device, device && !device->address.empty() ? device->address : t->device});
                needs.push_back(tickets.size());
            }
            tickets.push_back(std::move(*t));
        }
    }
    const auto results = run_diagnostics(settings, targets);
    for (std::size_t i = 0; i < needs.size(); ++i)
        tickets[needs[i]].diagnostics = results[i];

    // The claim keeps other processes from finishing these tickets, so what is finished here is
    // what the state file holds afterwards.
    state.write([&](SQLite::Database& db) {
        Finisher finisher(db, settings, now);
        for (Ticket& t : tickets)
            finisher.finish(t);
    });
    return tickets;
}

}  // namespace

std::vector<Ticket> finish_tickets(State& state, const Settings& settings, timeutil::TimePoint now,
                                   const std::vector<std::string>& ids) {
    if (ids.empty()) return {};
    return finish_claimed(state, settings, now, ids);
}

std::vector<Ticket> recover_tickets(State& state, const Settings& settings, timeutil::TimePoint now,
                                    bool unrouted) {
    const std::string claimed_at = format_rfc3339(timeutil::now());
    const std::string stale = format_rfc3339(timeutil::now() - outbox::stale_claim);
    std::vector<std::string> claimed;
    state.write([&](SQLite::Database& db) {
        claimed.clear();
        SQLite::Statement q(db,
                            "SELECT id, claimed, claimer, stage FROM tickets "
                            "WHERE stage IN ('new', 'diagnosing', 'unrouted') ORDER BY id");
        std::map<std::string, bool> alive;  // by claimer
        while (q.executeStep()) {
            const std::string stage = q.getColumn(3).getString();
            bool take = false;
            if (stage == "unrouted") {
                take = unrouted;
            } else if (q.getColumn(1).isNull() || q.getColumn(1).getString() <= stale) {
                take = true;
            } else if (!q.getColumn(2).isNull()) {
                const std::string claimer = q.getColumn(2).getString();
                auto [it, fresh] = alive.try_emplace(claimer, true);
                if (fresh) it->second = claim::alive(claimer);
                take = !it->second;
            }
            if (take) claimed.push_back(q.getColumn(0).getString());
        }
        SQLite::Statement mark(db,
                               "UPDATE tickets SET stage = 'diagnosing', claimed = ?1, "
                               "claimer = ?2 WHERE id = ?3");
        for (const auto& id : claimed) {
            mark.reset();
            mark.bind(1, claimed_at);
            mark.bind(2, claim::self());
            mark.bind(3, id);
            mark.exec();
        }
    });
    if (claimed.empty()) return {};
    return finish_claimed(state, settings, now, claimed);
}

outbox::Report deliver_pages(State& state, const Settings& settings, timeutil::TimePoint now) {
    return outbox::deliver(state, settings.smtp, settings.retry, now, "page");
}

void count_unrouted(const std::vector<Ticket>& tickets, Unrouted& counts) {
    for (const auto& t : tickets)
        if (!t.unrouted.empty()) ++counts[t.unrouted];
}

void warn_unrouted(const Unrouted& counts) {
    for (const auto& [why, n] : counts)
        spdlog::warn("{} ticket{} unrouted: {}", n, n == 1 ? "" : "s", why);
}

SendReport send(State& state, const Settings& settings, timeutil::TimePoint now, bool flush) {
    SendReport report;
    const auto recovered = recover_tickets(state, settings, now, true);
    report.finished = static_cast<int>(recovered.size());
    count_unrouted(recovered, report.unrouted);

    // Held tickets whose shift has ended: one message per center.
    std::map<std::string, std::vector<std::string>> held;
    {
        SQLite::Statement q(state.db(),
                            "SELECT id, center FROM tickets WHERE stage = 'held' AND "
                            "(?1 OR held_until <= ?2) ORDER BY created, id");
        q.bind(1, flush ? 1 : 0);
        q.bind(2, format_rfc3339(now));
        while (q.executeStep())
            held[q.getColumn(1).getString()].push_back(q.getColumn(0).getString());
    }
    for (const auto& [center, ids] : held) {
        state.write([&](SQLite::Database& db) {
            std::vector<Ticket> tickets;
            for (const auto& id : ids) {
                auto t = find_ticket(db, id);
                if (t && t->status == "held") tickets.push_back(std::move(*t));
            }
            if (tickets.empty()) return;
            const std::string message_id = mail::make_message_id(sender_domain(settings.from));
            std::string body = std::to_string(tickets.size()) + " job ticket" +
                               (tickets.size() == 1 ? "" : "s") + " for " + center +
                               ", held until the end of the shift.\n";
            for (Ticket& t : tickets) {
                t.status = "queued";
                body += "\n" + std::string(72, '=') + "\n\n" +
                        render(settings.template_text, t, Occasion::created, now);
            }
            mail::Outgoing m;
            m.from = settings.from;
            m.to = tickets.front().to;
            m.subject = digest_subject(center, tickets);
            m.body = body;
            m.message_id = message_id;
            m.date = now;
            m.headers = {{"Auto-Submitted", "auto-generated"}};
            for (const auto& t : tickets)
                m.headers.emplace_back("X-SWD-Ticket", t.id);
            const auto mail_id = outbox::enqueue(db, "digest", center, settings.from, m.to,
                                                 mail::compose(m), now + settings.retry.front());
            SQLite::Statement done(db,
                                   "UPDATE tickets SET stage = 'queued', mail = ?, "
                                   "message_id = ?, dirty = 0 WHERE id = ?");
            for (const auto& t : tickets) {
                done.reset();
                done.bind(1, mail_id);
                done.bind(2, message_id);
                done.bind(3, t.id);
                done.exec();
            }
            ++report.digests;
        });
    }

    report.mails = compose_ready(state, settings, now);

    // Update mails for tickets that received alerts after their mail was accepted.
    state.write([&](SQLite::Database& db) {
        report.updates = 0;
        std::vector<std::string> dirty;
        SQLite::Statement q(db,
                            "SELECT t.id FROM tickets t JOIN outbox o ON o.id = t.mail "
                            "WHERE t.dirty = 1 AND t.stage = 'queued' AND o.status = 'sent' "
                            "ORDER BY t.id");
        while (q.executeStep())
            dirty.push_back(q.getColumn(0).getString());
        SQLite::Statement clean(db, "UPDATE tickets SET dirty = 0 WHERE id = ?");
        for (const auto& id : dirty) {
            auto t = find_ticket(db, id);
            if (!t) continue;
            const std::string message_id = mail::make_message_id(sender_domain(settings.from));
            outbox::enqueue(
                db, "update", t->id, settings.from, t->to,
                compose_ticket(settings, *t, Occasion::update, now, message_id, t->message_id),
                now + settings.retry.front());
            clean.reset();
            clean.bind(1, id);
            clean.exec();
            ++report.updates;
        }
    });

    for (const char* kind : mail_kinds) {
        report.mail += outbox::deliver(state, settings.smtp, settings.retry, now, kind);
    }
    return report;
}

}  // namespace swd::ticket
