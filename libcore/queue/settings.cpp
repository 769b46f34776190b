#include "libcore/queue/settings.hpp"

#include <unistd.h>

#include "libcore/base/error.hpp"
#include "libcore/base/ids.hpp"
#include "libcore/base/paths.hpp"
#include "libcore/mail/compose.hpp"
#include "libcore/mail/outbox.hpp"
#include "libcore/queue/db.hpp"
#include "libcore/queue/distlog.hpp"
#include "libcore/queue/transport.hpp"

namespace swd::queue {

namespace {

std::chrono::seconds seconds_of(const Config& c, std::string_view key) {
    return std::chrono::seconds(c.seconds(key));
}

}  // namespace

const ConfigKeys& config_keys() {
    static const ConfigKeys keys{
        {"queue.packages", KeyKind::string, "",
         "package store (default /var/lib/swd/packages for root, else "
         "$XDG_STATE_HOME/swd/packages)"},
        {"queue.spool", KeyKind::string, "",
         "spool with tmp/ incoming/ corrupt/ (default /var/spool/swd/queue for root, else "
         "$XDG_STATE_HOME/swd/spool)"},
        {"queue.log", KeyKind::string, "",
         "distribution log (default /var/log/swd/distribution.log for root, else "
         "$XDG_STATE_HOME/swd/distribution.log)",
         "SWD_QUEUE_LOG"},
        {"queue.max_active", KeyKind::integer, "8", "requests active at once (run --max-active)"},
        {"queue.retry_interval", KeyKind::duration, "\"15m\"", "wait before a push retry"},
        {"queue.push_retries", KeyKind::integer, "3", "push retries before authoritative pull"},
        {"queue.pull_retries", KeyKind::integer, "1", "authoritative pull attempts before abort"},
        {"queue.probe_timeout", KeyKind::duration, "\"10s\"",
         "limit for a probe or wake-on-LAN command"},
        {"queue.install_timeout", KeyKind::duration, "\"1h\"", "limit for an exec install command"},
        {"queue.script_timeout", KeyKind::duration, "\"10m\"",
         "limit for a package script when its manifest gives none"},
        {"queue.wake_cmd", KeyKind::string, "",
         "wake-on-LAN argv template for unreachable targets with a MAC, e.g. \"wakeonlan {mac}\""},
        {"queue.boot_delay", KeyKind::duration, "\"2m\"",
         "wait after wake-on-LAN before probing again"},
        {"queue.poll_interval", KeyKind::duration, "\"5s\"",
         "run --daemon: how often to look for work"},
        {"queue.server", KeyKind::string, "",
         "this server's name in alerts (default: first label of [smtp] from's domain)"},
        {"queue.alert_retry", KeyKind::durations,
         "[\"0s\", \"1m\", \"5m\", \"15m\", \"1h\", \"4h\", \"12h\", \"1d\", \"2d\", \"3d\", "
         "\"4d\", \"5d\", \"6d\", \"7d\"]",
         "when to retry an alert the service center did not take (from the first attempt)"},
    };
    return keys;
}

Settings settings_from(const Config& c) {
    Settings s;
    const auto path_or = [&](std::string_view key, const std::filesystem::path& fallback) {
        const auto v = c.text(key);
        return v.empty() ? fallback : std::filesystem::path(v);
    };
    s.packages = path_or("queue.packages", paths::state_dir() / "packages");
    s.spool =
        path_or("queue.spool", ::geteuid() == 0 ? std::filesystem::path("/var/spool/swd/queue")
                                                : paths::state_dir() / "spool");
    s.log = path_or("queue.log", distlog::default_path());
    s.max_active = static_cast<int>(c.integer("queue.max_active"));
    if (s.max_active < 1 || s.max_active > 1024)
        throw Error(Exit::config, "queue.max_active must be between 1 and 1024");
    s.retry_interval = c.seconds("queue.retry_interval");
    s.push_retries = static_cast<int>(c.integer("queue.push_retries"));
    s.pull_retries = static_cast<int>(c.integer("queue.pull_retries"));
    if (s.push_retries < 0 || s.pull_retries < 0)
        throw Error(Exit::config, "queue.push_retries and queue.pull_retries must not be negative");
    s.probe_timeout = seconds_of(c, "queue.probe_timeout");
    s.install_timeout = seconds_of(c, "queue.install_timeout");
    s.script_timeout = seconds_of(c, "queue.script_timeout");
    s.wake_cmd = c.text("queue.wake_cmd");
    if (!s.wake_cmd.empty())
        with_context(
            "queue.wake_cmd", [&] { check_template("template", s.wake_cmd); }, Exit::config);
    s.boot_delay = seconds_of(c, "queue.boot_delay");
    s.poll_interval = seconds_of(c, "queue.poll_interval");
    if (s.poll_interval.count() < 1) s.poll_interval = std::chrono::seconds(1);
    s.alert_to = c.strings("alerts.to");
    for (const auto& d : c.strings("queue.alert_retry")) {
        if (auto v = timeutil::parse_duration(d)) s.alert_retry.push_back(*v);
    }
    if (s.alert_retry.empty()) s.alert_retry.push_back(timeutil::Duration(0));
    s.smtp = smtp::settings_from(c);
    s.server = c.text("queue.server");
    if (s.server.empty()) {
        auto addr = mail::address_of(s.smtp.from);
        auto host = addr.substr(addr.find('@') == std::string::npos ? 0 : addr.find('@') + 1);
        if (host.empty()) host = mail::host_name();
        s.server = host.substr(0, host.find('.'));
    }
    return s;
}

std::vector<const Schema*> schemas() {
    return {&ids::schema(), &outbox::schema(), &schema()};
}

}  // namespace swd::queue
