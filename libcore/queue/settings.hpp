// What the queue manager takes from the configuration: the [queue] keys and their settings,
// and the schemas its state file is opened with.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "libcore/base/config.hpp"
#include "libcore/base/state.hpp"
#include "libcore/base/time.hpp"
#include "libcore/mail/smtp.hpp"

namespace swd::queue {

/// The [queue] keys.
const ConfigKeys& config_keys();

/// Everything the queue manager takes from the configuration, defaults resolved.
struct Settings {
    std::filesystem::path packages;  ///< the package store
    std::filesystem::path spool;     ///< SPOOL/{tmp,incoming,corrupt}
    std::filesystem::path log;       ///< the distribution log
    int max_active = 8;
    std::int64_t retry_interval = 900;  ///< seconds
    int push_retries = 3;
    int pull_retries = 1;
    std::chrono::seconds probe_timeout{10};
    std::chrono::seconds install_timeout{3600};
    std::chrono::seconds script_timeout{600};
    std::string wake_cmd;  ///< argv template; empty: no wake-on-LAN
    std::chrono::seconds boot_delay{120};
    std::chrono::seconds poll_interval{5};
    std::string server;                           ///< this server's name in alerts
    std::vector<std::string> alert_to;            ///< [alerts] to
    std::vector<timeutil::Duration> alert_retry;  ///< outbox ladder for alerts
    smtp::Settings smtp;
};

/// Reads the settings; throws Error(Exit::config) for bad values.
Settings settings_from(const Config& config);

/// Schemas `run` and every subcommand open the state file with.
std::vector<const Schema*> schemas();

}  // namespace swd::queue
