#include "libcore/ticket/template.hpp"

#include <functional>
#include <mstch/mstch.hpp>

namespace swd::ticket {

namespace {

// examples/ticket.mustache holds the same text (a unit test keeps them equal).
constexpr std::string_view builtin_template =
    R"(Job ticket {{id}}{{#update}} (update){{/update}}

Device:        {{device}}
Failure:       {{failure}}
Alerts:        {{count}} (threshold {{threshold}} within {{window}})
First alert:   {{first}}
Last alert:    {{last}}
Location:      {{location}}{{#location_corrected_from}} (corrected from the inventory; the alert said "{{location_corrected_from}}"){{/location_corrected_from}}{{#location_unverified}} (unverified: the device is not in the inventory){{/location_unverified}}
Region:        {{region}}
Address:       {{address}}
Package:       {{package}}
Distribution:  {{dist}}
Server:        {{server}}
Center:        {{center}}
Detail:        {{detail}}
{{#reopened}}

Reopened: an alert came within the reopen window after the ticket was closed.
{{/reopened}}

Diagnostics:
{{#diagnostics}}
--- {{name}}
{{output}}
{{/diagnostics}}
{{^diagnostics}}
none run
{{/diagnostics}}

Alerts:
{{#alerts}}
  {{id}}  {{time}}
{{/alerts}}

-- 
swd-ticket, {{now}}. Keep [{{id}}] in the subject when you reply.
)";

std::string joined(const std::vector<std::string>& items, std::string_view sep) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) out += sep;
        out += item;
    }
    return out;
}

/// Tickets are plain text: Mustache's HTML escaping is switched off while rendering.
class NoEscape {
  public:
    NoEscape() : saved_(mstch::config::escape) {
        mstch::config::escape = [](const std::string& s) { return s; };
    }
    ~NoEscape() { mstch::config::escape = saved_; }
    NoEscape(const NoEscape&) = delete;
    NoEscape& operator=(const NoEscape&) = delete;

  private:
    std::function<std::string(const std::string&)> saved_;
};

}  // namespace

std::string_view default_template() {
    return builtin_template;
}

std::string render(std::string_view tmpl, const Ticket& t, Occasion occasion,
                   timeutil::TimePoint now) {
    using timeutil::format_rfc3339;
    mstch::array diagnostics;
    for (const auto& [name, output] : t.diagnostics)
        diagnostics.push_back(mstch::map{{"name", name}, {"output", output}});
    mstch::array alerts;
    for (std::size_t i = 0; i < t.alerts.size(); ++i) {
        alerts.push_back(
            mstch::map{{"id", t.alerts[i]},
                       {"time", i < t.alert_times.size() ? format_rfc3339(t.alert_times[i]) : ""}});
    }
    mstch::map context{
        {"id", t.id},
        {"status", t.status},
        {"device", t.device},
        {"failure", t.failure},
        {"count", t.count},
        {"threshold", t.threshold},
        {"window", timeutil::format_duration(t.window)},
        {"first", format_rfc3339(t.first)},
        {"last", format_rfc3339(t.last)},
        {"created", format_rfc3339(t.created)},
        {"now", format_rfc3339(now)},
        {"location", t.location},
        {"location_corrected_from", t.location_corrected_from},
        {"location_unverified", t.location_unverified},
        {"region", t.region},
        {"building", t.building},
        {"address", t.address},
        {"center", t.center},
        {"to", joined(t.to, ", ")},
        {"package", t.package},
        {"server", t.server},
        {"dist", t.dist},
        {"detail", t.detail},
        {"diagnostics", diagnostics},
        {"alerts", alerts},
        {"alert_ids", joined(t.alerts, " ")},
        {"update", occasion == Occasion::update},
        {"reopened", t.reopened > 0},
        {"updates", t.updates},
    };
    for (const auto& [name, output] : t.diagnostics)
        context.emplace(name, output);
    for (const char* name : {"ping", "traceroute"})
        context.emplace(name, std::string());
    NoEscape raw;
    return mstch::render(std::string(tmpl), context);
}

std::string page_text(const Ticket& t) {
    std::string text = t.device + " " + t.failure + " x" + std::to_string(t.count);
    if (!t.location.empty()) text += " at " + t.location;
    text += " since " + timeutil::format_rfc3339(t.first) + " (" + t.id + ")";
    return text;
}

std::string digest_subject(const std::string& center, const std::vector<Ticket>& tickets) {
    std::string subject = "[swd] " + std::to_string(tickets.size()) + " job ticket" +
                          (tickets.size() == 1 ? "" : "s") + " for " + center + ":";
    for (const Ticket& t : tickets)
        subject += " [" + t.id + "]";
    return subject;
}

}  // namespace swd::ticket
