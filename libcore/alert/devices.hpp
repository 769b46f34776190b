// The device inventory: every endpoint and server the service center knows, with its address,
// domain, region and location. swd-ticket imports and uses it; swd-validate falls back on it
// for its node and domain lists.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <optional>
#include <string>
#include <vector>

#include "libcore/base/state.hpp"

namespace swd::devices {

struct Device {
    std::string name;      ///< node name, e.g. "pos-0042" or "relay-a"
    std::string address;   ///< IP address or host name for diagnostics
    std::string domain;    ///< "east.example.com"
    std::string region;    ///< "east"
    std::string building;  ///< "Building 12"
    std::string room;      ///< "Room 3"
    bool paging = false;   ///< page the center at once on a ticket for this device
    /// "Building 12/Room 3" (or just the building, or the room, when one is empty).
    std::string location() const;
};

/// The schema (module "devices"): table devices(name PRIMARY KEY, address, domain, region,
/// building, room, paging).
const Schema& schema();

/// Inserts or replaces by name (re-import updates). Call inside State::write().
void upsert(SQLite::Database& db, const Device& d);
std::optional<Device> find(SQLite::Database& db, const std::string& name);

/// find() for many names: the statement is prepared once.
class Finder {
  public:
    explicit Finder(SQLite::Database& db);
    std::optional<Device> find(const std::string& name);

  private:
    SQLite::Statement st_;
};
/// All devices, ordered by name.
std::vector<Device> list(SQLite::Database& db);
/// Distinct non-empty domains of known devices, sorted.
std::vector<std::string> domains(SQLite::Database& db);

/// Reads a CSV with the header `name,address,domain,region,building,room,paging` (columns in
/// any order, unknown columns ignored, RFC 4180 quoting, paging as yes/no/true/false/1/0/on/off
/// or empty). Throws Error(Exit::usage, "FILE:LINE: why") on a malformed line or a missing
/// `name` column.
std::vector<Device> read_csv(const std::string& path);

}  // namespace swd::devices
