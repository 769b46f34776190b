// What the service center maintains for swd-ticket (seed 002: threshold limits 75, outage
// notice files 88, device location files 90, maintenance centers 48, paging settings): the
// threshold rules, the outage list, the centers, the buildings and who serves them, paging
// switches, and the routing of a ticket to a center. The device inventory itself is
// libcore/devices.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "libcore/alert/devices.hpp"
#include "libcore/base/time.hpp"
#include "libcore/ticket/config.hpp"

namespace swd::ticket {

/// A threshold that applies to an alert, and where it came from.
struct Limit {
    int limit = 0;
    timeutil::Duration window{0};
    std::string source;  ///< "device", "region", "failure", "config", "default"
};

/// The threshold rules, loaded once per transaction. Precedence: device override (for the
/// failure type, then for "*") > region override (likewise) > failure-type rule in the state >
/// [ticket.thresholds] and the built-in defaults > [ticket] threshold.
class Thresholds {
  public:
    static Thresholds load(SQLite::Database& db, const Settings& settings);
    Limit lookup(const std::string& device, const std::string& region,
                 const std::string& failure) const;
    /// Whether any region rule exists (else the device's region need not be looked up).
    bool has_region_rules() const { return has_region_; }

  private:
    struct Rule {
        int limit;
        std::optional<timeutil::Duration> window;
    };
    std::map<std::tuple<std::string, std::string, std::string>, Rule> rules_;
    const Settings* settings_ = nullptr;
    bool has_region_ = false;
};

/// Names a command may refer to, and the refusal of one that names nothing known (Exit::usage,
/// with the nearest known name: base/text unknown_name).
/// Failure types: those with a default or configured threshold, and those of stored alerts.
std::vector<std::string> known_failures(SQLite::Database& db, const Settings& settings);
/// Devices: the inventory's, and those of stored alerts.
std::vector<std::string> known_devices(SQLite::Database& db);
/// Buildings: those with a routing rule, and the inventory's.
std::vector<std::string> known_buildings(SQLite::Database& db);
/// Throws Error(Exit::usage, unknown_name(what, name, known)) when `name` is not in `known`
/// (compared in lower case).
void require_known(std::string_view what, const std::string& name,
                   const std::vector<std::string>& known);

/// `thresholds set`: scope "failure" (name empty), "device" or "region"; failure "*" for every
/// type (device and region scope only). Throws Error(Exit::usage) on a bad rule.
void set_threshold(SQLite::Database& db, const std::string& scope, const std::string& name,
                   const std::string& failure, int limit, std::optional<timeutil::Duration> window);
/// `threshold` records: the state's rules, then the configured per-type values and the global
/// default (scope "config").
std::vector<std::string> threshold_records(SQLite::Database& db, const Settings& settings);

struct Outage {
    std::string device;
    timeutil::TimePoint from{}, until{};
    std::string reason;
};
/// Adds an outage; returns its id. Throws Error(Exit::usage) when until <= from.
std::int64_t add_outage(SQLite::Database& db, const Outage& outage, timeutil::TimePoint now);
/// Reads outages from a CSV with the header `device,from,until,reason` (reason optional; RFC
/// 4180 quoting). Throws Error(Exit::usage, "FILE:LINE: why"), or Error(Exit::config) when the
/// file cannot be read.
std::vector<Outage> read_outages_csv(const std::string& path);
bool remove_outage(SQLite::Database& db, std::int64_t id);
/// `outage` records, by start: of one device (all when empty), or the one with `id` (> 0).
std::vector<std::string> outage_records(SQLite::Database& db, const std::string& device,
                                        std::int64_t id = 0);

/// `centers add`: inserts or replaces. Throws Error(Exit::usage) on an empty name or e-mail.
void set_center(SQLite::Database& db, const std::string& name, const std::string& email,
                const std::string& pager);
std::vector<std::string> center_records(SQLite::Database& db);

/// `buildings set`: the center of a building with staff, or the building that serves it.
void set_building(SQLite::Database& db, const std::string& building, const std::string& center,
                  const std::string& served_by);
std::vector<std::string> building_records(SQLite::Database& db);

/// `paging on|off`: switches the device's paging (it must be in the inventory); with a failure
/// type, pages only for the listed types (on adds one, off removes one).
void set_paging(SQLite::Database& db, const std::string& device, bool on,
                const std::string& failure);
/// Whether a ticket for this device and failure pages the center.
bool pages(SQLite::Database& db, const devices::Device& device, const std::string& failure);

/// Where a ticket goes.
struct Route {
    std::string center;  ///< empty: no center known (unrouted)
    std::vector<std::string> to;
    std::string pager;
    std::string via;      ///< "building B", "building B served by B2", "default"
    std::string problem;  ///< with no center: why, and what to do about it
};
/// Building -> center; a building without staff names the building that serves it (followed
/// up to 8 steps); else the default center.
Route route(SQLite::Database& db, const Settings& settings, const std::string& building);

/// `device` records (the inventory), by name.
std::vector<std::string> device_records(SQLite::Database& db);

}  // namespace swd::ticket
