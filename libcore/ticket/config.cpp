#include "libcore/ticket/config.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "libcore/base/error.hpp"
#include "libcore/base/process.hpp"
#include "libcore/base/text.hpp"
#include "libcore/ticket/template.hpp"

namespace swd::ticket {

namespace {

[[noreturn]] void bad(std::string_view key, const std::string& why) {
    throw Error(Exit::config, std::string(key) + ": " + why);
}

/// "06:00" -> 360.
int parse_shift(std::string_view key, const std::string& text) {
    const auto colon = text.find(':');
    int h = -1, m = -1;
    if (colon != std::string::npos && colon > 0 && colon <= 2 && text.size() - colon == 3) {
        try {
            std::size_t used_h = 0, used_m = 0;
            h = std::stoi(text.substr(0, colon), &used_h);
            m = std::stoi(text.substr(colon + 1), &used_m);
            if (used_h != colon || used_m != 2) h = -1;
        } catch (const std::exception&) {
            h = -1;
        }
    }
    if (h < 0 || h > 23 || m < 0 || m > 59) bad(key, "'" + text + "' is not a time HH:MM");
    return h * 60 + m;
}

/// Thresholds per failure type from a [ticket.thresholds] table, over those already in `out`.
/// With `builtin`, a type that is none of them but close to one is refused as a typo (a type
/// far from every built-in one is a type of the site's own).
void add_thresholds(std::map<std::string, int>& out,
                    const std::vector<std::pair<std::string, std::string>>& table,
                    const std::map<std::string, int>* builtin = nullptr) {
    std::vector<std::string> types;
    if (builtin)
        for (const auto& [type, limit] : *builtin)
            types.push_back(type);
    for (const auto& [type, value] : table) {
        if (builtin && !builtin->count(ascii_lower(type)) &&
            !nearest(ascii_lower(type), types).empty())
            bad("ticket.thresholds." + type, unknown_name("failure type", type, types));
        int n = 0;
        try {
            std::size_t used = 0;
            n = std::stoi(value, &used);
            if (used != value.size()) n = 0;
        } catch (const std::exception&) {
            n = 0;
        }
        if (n < 1) bad("ticket.thresholds." + type, "must be an integer of at least 1");
        out[ascii_lower(type)] = n;
    }
}

std::string read_template(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) bad("ticket.template", path + ": " + errno_text(errno));
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

const ConfigKeys& config_keys() {
    static const ConfigKeys keys{
        {"ticket.window", KeyKind::duration, "\"24h\"",
         "alerts of one device and failure type are counted within this window"},
        {"ticket.reopen", KeyKind::duration, "\"4h\"",
         "an alert this soon after a ticket was closed reopens and updates it"},
        {"ticket.threshold", KeyKind::integer, "3",
         "threshold for failure types without one of their own"},
        {"ticket.thresholds", KeyKind::table,
         "{ connection = 4, timeout = 3, access = 2, package = 1, install = 1, disk = 1, "
         "other = 3 }",
         "threshold per failure type (a ticket when the count meets it)"},
        {"ticket.drop_outage_alerts", KeyKind::boolean, "false",
         "alerts of a device on the outage list leave the counts"},
        {"ticket.diagnostics", KeyKind::boolean, "true",
         "run ping and traceroute to the device before a ticket goes out"},
        {"ticket.ping", KeyKind::string, "\"ping -c 3 -W 2 {address}\"",
         "ping command (argv template: {address}, {device}); empty: none"},
        {"ticket.traceroute", KeyKind::string, "\"traceroute -n -w 2 -q 1 -m 15 {address}\"",
         "traceroute command (argv template: {address}, {device}); empty: none"},
        {"ticket.diagnostics_timeout", KeyKind::duration, "\"30s\"",
         "each diagnostic command is stopped after this long"},
        {"ticket.diagnostics_limit", KeyKind::integer, "4000",
         "bytes of each diagnostic's output kept in the ticket"},
        {"ticket.template", KeyKind::string, "",
         "Mustache template of the ticket body (default: built in)"},
        {"ticket.subject", KeyKind::string,
         "\"[{{id}}] {{failure}} failure: {{device}}{{#location}} at {{location}}{{/location}}"
         "{{#update}} (update: {{count}} alerts){{/update}}\"",
         "Mustache template of the ticket subject; keep [{{id}}] so replies match"},
        {"ticket.retry", KeyKind::durations, "[\"0s\", \"30s\", \"5m\", \"1h\"]",
         "delivery attempts: delays after the first attempt; then the ticket is failed"},
        {"ticket.hold", KeyKind::string, "\"none\"",
         "none: send at once; shift: hold until the end of the shift, one message per center"},
        {"ticket.shifts", KeyKind::strings, "[\"06:00\", \"14:00\", \"22:00\"]",
         "shift ends (local time, HH:MM) for hold = \"shift\""},
        {"ticket.default_center", KeyKind::string, "",
         "center for devices whose building has none, and for unknown devices"},
        {"ticket.from", KeyKind::string, "", "sender of tickets and pages (default [smtp] from)"},
        {"ticket.batch", KeyKind::integer, "50000", "alerts processed per transaction"},
    };
    return keys;
}

const std::map<std::string, int>& default_thresholds() {
    static const auto defaults = [] {
        std::map<std::string, int> out;
        add_thresholds(
            out,
            Config::parse("", "built-in defaults", config_keys()).get_table("ticket.thresholds"));
        return out;
    }();
    return defaults;
}

Settings settings_from(const Config& config) {
    Settings s;
    s.window = timeutil::Duration(config.seconds("ticket.window"));
    s.reopen = timeutil::Duration(config.seconds("ticket.reopen"));
    if (s.window.count() <= 0) bad("ticket.window", "must be longer than 0s");
    s.threshold = static_cast<int>(config.integer("ticket.threshold"));
    if (s.threshold < 1) bad("ticket.threshold", "must be at least 1");
    s.thresholds = default_thresholds();
    add_thresholds(s.thresholds, config.get_table("ticket.thresholds"), &default_thresholds());
    s.drop_outage_alerts = config.boolean("ticket.drop_outage_alerts");
    s.diagnostics = config.boolean("ticket.diagnostics");
    s.ping = config.text("ticket.ping");
    s.traceroute = config.text("ticket.traceroute");
    for (const auto& [key, command] :
         {std::pair<const char*, const std::string&>{"ticket.ping", s.ping},
          std::pair<const char*, const std::string&>{"ticket.traceroute", s.traceroute}}) {
        try {
            process::split_words(command);
        } catch (const Error& e) {
            bad(key, e.what());
        }
    }
    s.diagnostics_timeout = timeutil::Duration(config.seconds("ticket.diagnostics_timeout"));
    const auto limit = config.integer("ticket.diagnostics_limit");
    if (limit < 0) bad("ticket.diagnostics_limit", "must not be negative");
    s.diagnostics_limit = static_cast<std::size_t>(limit);
    const std::string path = config.text("ticket.template");
    s.template_text = path.empty() ? std::string(default_template()) : read_template(path);
    s.subject = config.text("ticket.subject");
    s.retry.clear();
    for (const auto& text : config.strings("ticket.retry")) {
        s.retry.push_back(timeutil::parse_duration(text).value_or(timeutil::Duration{0}));
    }
    if (s.retry.empty()) bad("ticket.retry", "needs at least one attempt");
    const std::string hold = config.text("ticket.hold");
    if (hold != "none" && hold != "shift") bad("ticket.hold", "expected \"none\" or \"shift\"");
    s.hold_shift = hold == "shift";
    for (const auto& text : config.strings("ticket.shifts"))
        s.shifts.push_back(parse_shift("ticket.shifts", text));
    std::sort(s.shifts.begin(), s.shifts.end());
    if (s.hold_shift && s.shifts.empty()) bad("ticket.shifts", "hold = \"shift\" needs shifts");
    s.default_center = config.text("ticket.default_center");
    s.smtp = smtp::settings_from(config);
    s.from = config.text("ticket.from");
    if (s.from.empty()) s.from = s.smtp.from;
    s.batch = static_cast<int>(config.integer("ticket.batch"));
    if (s.batch < 1) bad("ticket.batch", "must be at least 1");
    return s;
}

}  // namespace swd::ticket
