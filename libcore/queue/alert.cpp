#include "libcore/queue/alert.hpp"

#include <map>

#include "libcore/base/jsonl.hpp"
#include "libcore/base/text.hpp"

namespace swd::queue {

namespace {

/// The Subject header of composed message bytes, unfolded; empty when there is none.
std::string subject_of(std::string_view message) {
    std::string subject;
    bool in_subject = false;
    std::size_t pos = 0;
    while (pos < message.size()) {
        auto end = message.find('\n', pos);
        if (end == std::string_view::npos) end = message.size();
        auto line = message.substr(pos, end - pos);
        pos = end + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) break;  // the end of the header
        if (line.front() == ' ' || line.front() == '\t') {
            if (in_subject) subject += line;
            continue;
        }
        in_subject =
            line.size() > 8 && (line.substr(0, 8) == "Subject:" || line.substr(0, 8) == "subject:");
        if (in_subject) subject = line.substr(8);
    }
    const auto first = subject.find_first_not_of(" \t");
    return first == std::string::npos ? std::string() : subject.substr(first);
}

}  // namespace

std::string alert_subject(const AlertInfo& a) {
    return one_line("[SWD] " + a.failure + " failure: " + a.device + " (" + a.package + ") dist " +
                    a.dist);
}

std::string alert_body(const AlertInfo& a) {
    std::string body;
    const auto line = [&](std::string_view key, const std::string& value) {
        body += std::string(key) + ": " + one_line(value) + "\n";
    };
    line("Failure-Type", a.failure);
    line("Device", a.device);
    line("Server", a.server);
    line("Distribution-ID", a.dist);
    line("Package", a.package);
    line("Location", a.location);
    line("Region", a.region);
    line("Time", timeutil::format_rfc3339(a.time));
    line("Detail", a.detail);
    return body;
}

mail::Outgoing alert_message(const AlertInfo& a, const std::string& from,
                             const std::vector<std::string>& to) {
    mail::Outgoing m;
    m.from = "swd-queue <" + mail::address_of(from) + ">";
    m.to = to;
    m.subject = alert_subject(a);
    m.body = alert_body(a);
    m.date = a.time;
    const auto addr = mail::address_of(from);
    const auto at = addr.find('@');
    m.message_id =
        mail::make_message_id(at == std::string::npos ? mail::host_name() : addr.substr(at + 1));
    m.headers = {{"Auto-Submitted", "auto-generated"}, {"X-SWD-Alert", "1"}};
    return m;
}

AlertReport send_alerts(State& state, const Settings& settings, timeutil::TimePoint now) {
    AlertReport report;
    std::map<std::int64_t, Event> raised;  // by alert: a repeated transaction raises it again
    outbox::Policy policy;
    policy.retry_forever = true;
    policy.on_failed = [&](SQLite::Database& db, const outbox::Entry& e) {
        Event ev;
        ev.cls = "SWD_Alert_Failed";
        ev.severity = minor;
        ev.open = true;
        ev.request = e.ref;
        if (auto r = find_request(db, e.ref)) {
            ev.dist = r->dist;
            ev.target = r->target;
            ev.package = r->last_package;
        }
        const auto id = std::to_string(e.id);
        ev.message = "alert " + id + " (" + subject_of(e.message) + ") refused by " +
                     smtp::masked_url(settings.smtp.url) + ": " + e.last_error +
                     "; resend it with: swd-queue alerts retry " + id;
        ev.time = timeutil::format_rfc3339(timeutil::now());
        raised[e.id] = add_event(db, ev);
    };
    report.mail =
        outbox::deliver(state, settings.smtp, settings.alert_retry, now, alert_kind, policy);
    for (auto& [id, ev] : raised)
        report.events.push_back(std::move(ev));
    return report;
}

std::string alert_record(const outbox::Entry& e) {
    jsonl::Record r("outbox");
    r.field("id", e.id).field("kind", e.kind).field("request", e.ref);
    r.field("to", e.rcpts).field("subject", subject_of(e.message));
    r.field("status", e.status).field("attempts", e.attempts);
    if (e.status == "pending") r.field("next_at", e.next_at);
    if (!e.last_error.empty()) r.field("last_error", e.last_error);
    r.field("created", e.created);
    if (!e.sent_at.empty()) r.field("sent_at", e.sent_at);
    return r.finish();
}

}  // namespace swd::queue
