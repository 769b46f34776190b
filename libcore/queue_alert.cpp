#include "libcore/queue_alert.hpp"

namespace swd::queue {

namespace {

std::string one_line(std::string_view v) {
    std::string out(v);
    for (char& c : out)
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    return out;
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

}  // namespace swd::queue
