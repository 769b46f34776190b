#include "libcore/ticket/admin.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "libcore/base/error.hpp"
#include "libcore/base/jsonl.hpp"
#include "libcore/base/text.hpp"
#include "libcore/ticket/store.hpp"

namespace swd::ticket {

namespace {

using timeutil::format_rfc3339;

std::vector<std::string> split_addresses(const std::string& list) {
    std::vector<std::string> out;
    std::stringstream in(list);
    for (std::string item; std::getline(in, item, ',');) {
        item = std::string(trim(item));
        if (!item.empty()) out.push_back(item);
    }
    return out;
}

/// One CSV record (RFC 4180): fields, and the line it started on.
struct CsvRecord {
    std::vector<std::string> fields;
    std::size_t line = 0;
};

std::vector<CsvRecord> parse_csv(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw errno_error(Exit::partial, path, errno);
    std::ostringstream all;
    all << in.rdbuf();
    const std::string text = all.str();
    std::vector<CsvRecord> out;
    CsvRecord rec;
    std::string field;
    std::size_t line = 1;
    bool quoted = false, any = false;
    rec.line = line;
    auto end_record = [&] {
        rec.fields.push_back(std::move(field));
        field.clear();
        if (any) out.push_back(std::move(rec));
        rec = CsvRecord{};
        any = false;
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"') {
                if (i + 1 < text.size() && text[i + 1] == '"') {
                    field += '"';
                    ++i;
                } else {
                    quoted = false;
                }
            } else {
                if (c == '\n') ++line;
                field += c;
            }
            continue;
        }
        if (c == '"') {
            quoted = true;
            any = true;
        } else if (c == ',') {
            rec.fields.push_back(std::move(field));
            field.clear();
            any = true;
        } else if (c == '\n') {
            end_record();
            rec.line = ++line;
        } else if (c != '\r') {
            field += c;
            any = true;
        }
    }
    if (quoted)
        throw Error(Exit::usage, path + ":" + std::to_string(rec.line) + ": unterminated quote");
    if (any || !field.empty()) end_record();
    return out;
}

}  // namespace

Thresholds Thresholds::load(SQLite::Database& db, const Settings& settings) {
    Thresholds t;
    t.settings_ = &settings;
    SQLite::Statement q(db, "SELECT scope, name, failure, lim, window_s FROM ticket_thresholds");
    while (q.executeStep()) {
        Rule r{q.getColumn(3).getInt(), std::nullopt};
        if (!q.getColumn(4).isNull()) r.window = timeutil::Duration(q.getColumn(4).getInt64());
        const std::string scope = q.getColumn(0).getString();
        if (scope == "region") t.has_region_ = true;
        t.rules_.emplace(
            std::make_tuple(scope, q.getColumn(1).getString(), q.getColumn(2).getString()), r);
    }
    return t;
}

Limit Thresholds::lookup(const std::string& device, const std::string& region,
                         const std::string& failure) const {
    const auto window = [&](const Rule& r) { return r.window.value_or(settings_->window); };
    const std::string region_key = ascii_lower(region);
    for (const auto& [scope, name] :
         {std::pair<std::string, const std::string&>{"device", device},
          std::pair<std::string, const std::string&>{"region", region_key}}) {
        if (name.empty()) continue;
        for (const std::string& f : {failure, std::string("*")}) {
            auto it = rules_.find(std::make_tuple(scope, name, f));
            if (it != rules_.end()) return {it->second.limit, window(it->second), scope};
        }
    }
    if (auto it = rules_.find(std::make_tuple(std::string("failure"), std::string(), failure));
        it != rules_.end()) {
        return {it->second.limit, window(it->second), "failure"};
    }
    if (auto it = settings_->thresholds.find(failure); it != settings_->thresholds.end())
        return {it->second, settings_->window, "config"};
    return {settings_->threshold, settings_->window, "default"};
}

namespace {

/// The first column of `sql`'s rows after `out`'s, as spelled, sorted, without empty ones or
/// repeats in any case.
std::vector<std::string> names_of(SQLite::Database& db, const char* sql,
                                  std::vector<std::string> out = {}) {
    SQLite::Statement q(db, sql);
    while (q.executeStep())
        out.push_back(q.getColumn(0).getString());
    const auto by_key = [](const std::string& a, const std::string& b) {
        return ascii_lower(a) < ascii_lower(b);
    };
    std::stable_sort(out.begin(), out.end(), by_key);
    out.erase(std::unique(out.begin(), out.end(),
                          [](const std::string& a, const std::string& b) {
                              return ascii_lower(a) == ascii_lower(b);
                          }),
              out.end());
    out.erase(std::remove(out.begin(), out.end(), std::string()), out.end());
    return out;
}

}  // namespace

std::vector<std::string> known_failures(SQLite::Database& db, const Settings& settings) {
    std::vector<std::string> configured;
    for (const auto& [type, limit] : settings.thresholds)
        configured.push_back(type);
    return names_of(db, "SELECT failure FROM ticket_keys", std::move(configured));
}

std::vector<std::string> known_devices(SQLite::Database& db) {
    return names_of(db, "SELECT name FROM devices UNION SELECT device FROM ticket_keys");
}

std::vector<std::string> known_buildings(SQLite::Database& db) {
    return names_of(db, "SELECT name FROM ticket_buildings UNION SELECT building FROM devices");
}

void require_known(std::string_view what, const std::string& name,
                   const std::vector<std::string>& known) {
    const std::string key = ascii_lower(name);
    if (std::none_of(known.begin(), known.end(),
                     [&](const std::string& k) { return ascii_lower(k) == key; }))
        throw Error(Exit::usage, unknown_name(what, name, known));
}

void set_threshold(SQLite::Database& db, const std::string& scope, const std::string& name,
                   const std::string& failure, int limit,
                   std::optional<timeutil::Duration> window) {
    if (limit < 1) throw Error(Exit::usage, "a threshold must be at least 1");
    if (failure.empty()) throw Error(Exit::usage, "a threshold needs a failure type");
    if (failure == "*" && scope == "failure")
        throw Error(Exit::usage, "'*' needs --device or --region (use [ticket] threshold)");
    if (window && window->count() <= 0) throw Error(Exit::usage, "--window must be longer than 0s");
    SQLite::Statement q(db,
                        "INSERT INTO ticket_thresholds(scope, name, failure, lim, window_s) "
                        "VALUES(?, ?, ?, ?, ?) ON CONFLICT(scope, name, failure) DO UPDATE SET "
                        "lim = excluded.lim, window_s = excluded.window_s");
    q.bind(1, scope);
    q.bind(2, ascii_lower(name));
    q.bind(3, ascii_lower(failure));
    q.bind(4, limit);
    if (window)
        q.bind(5, static_cast<std::int64_t>(window->count()));
    else
        q.bind(5);
    q.exec();
}

std::vector<std::string> threshold_records(SQLite::Database& db, const Settings& settings) {
    std::vector<std::string> out;
    SQLite::Statement q(db,
                        "SELECT scope, name, failure, lim, window_s FROM ticket_thresholds "
                        "ORDER BY CASE scope WHEN 'device' THEN 0 WHEN 'region' THEN 1 ELSE 2 "
                        "END, name, failure");
    while (q.executeStep()) {
        jsonl::Record r("threshold");
        r.field("scope", q.getColumn(0).getString());
        if (!q.getColumn(1).getString().empty()) r.field("name", q.getColumn(1).getString());
        r.field("failure", q.getColumn(2).getString());
        r.field("limit", q.getColumn(3).getInt64());
        const auto w = q.getColumn(4).isNull() ? settings.window
                                               : timeutil::Duration(q.getColumn(4).getInt64());
        r.field("window", timeutil::format_duration(w));
        out.push_back(r.finish());
    }
    for (const auto& [failure, limit] : settings.thresholds) {
        jsonl::Record r("threshold");
        r.field("scope", "config");
        r.field("failure", failure);
        r.field("limit", limit);
        r.field("window", timeutil::format_duration(settings.window));
        out.push_back(r.finish());
    }
    jsonl::Record r("threshold");
    r.field("scope", "config");
    r.field("failure", "*");
    r.field("limit", settings.threshold);
    r.field("window", timeutil::format_duration(settings.window));
    out.push_back(r.finish());
    return out;
}

std::int64_t add_outage(SQLite::Database& db, const Outage& outage, timeutil::TimePoint now) {
    if (outage.device.empty()) throw Error(Exit::usage, "an outage needs a device");
    if (outage.until <= outage.from)
        throw Error(Exit::usage, "outage of " + outage.device + ": --until must be after --from");
    SQLite::Statement q(db,
                        "INSERT INTO ticket_outages(device, starts, ends, reason, created) "
                        "VALUES(?, ?, ?, ?, ?)");
    q.bind(1, ascii_lower(outage.device));
    q.bind(2, format_rfc3339(outage.from));
    q.bind(3, format_rfc3339(outage.until));
    q.bind(4, outage.reason);
    q.bind(5, format_rfc3339(now));
    q.exec();
    return db.getLastInsertRowid();
}

std::vector<Outage> read_outages_csv(const std::string& path) {
    const auto records = parse_csv(path);
    if (records.empty()) throw Error(Exit::usage, path + ": empty (expected a header line)");
    std::map<std::string, std::size_t> col;
    for (std::size_t i = 0; i < records[0].fields.size(); ++i)
        col[ascii_lower(trim(records[0].fields[i]))] = i;
    for (const char* need : {"device", "from", "until"}) {
        if (!col.count(need))
            throw Error(Exit::usage, path + ":1: no '" + std::string(need) + "' column");
    }
    std::vector<Outage> out;
    for (std::size_t r = 1; r < records.size(); ++r) {
        const auto& rec = records[r];
        const auto get = [&](const char* name) -> std::string {
            auto it = col.find(name);
            if (it == col.end() || it->second >= rec.fields.size()) return {};
            return std::string(trim(rec.fields[it->second]));
        };
        const std::string where = path + ":" + std::to_string(rec.line) + ": ";
        Outage o;
        o.device = get("device");
        if (o.device.empty()) throw Error(Exit::usage, where + "no device");
        const auto from = timeutil::parse_rfc3339(get("from"));
        const auto until = timeutil::parse_rfc3339(get("until"));
        if (!from) throw Error(Exit::usage, where + "from '" + get("from") + "' is not a time");
        if (!until) throw Error(Exit::usage, where + "until '" + get("until") + "' is not a time");
        o.from = *from;
        o.until = *until;
        if (o.until <= o.from) throw Error(Exit::usage, where + "until is not after from");
        o.reason = get("reason");
        out.push_back(std::move(o));
    }
    return out;
}

bool remove_outage(SQLite::Database& db, std::int64_t id) {
    SQLite::Statement q(db, "DELETE FROM ticket_outages WHERE id = ?");
    q.bind(1, id);
    return q.exec() > 0;
}

std::vector<std::string> outage_records(SQLite::Database& db, const std::string& device,
                                        std::int64_t id) {
    SQLite::Statement q(db,
                        "SELECT id, device, starts, ends, reason, created FROM ticket_outages "
                        "WHERE (?1 = '' OR device = ?1) AND (?2 = 0 OR id = ?2) "
                        "ORDER BY starts, id");
    q.bind(1, ascii_lower(device));
    q.bind(2, id);
    std::vector<std::string> out;
    while (q.executeStep()) {
        jsonl::Record r("outage");
        r.field("id", q.getColumn(0).getInt64());
        r.field("device", q.getColumn(1).getString());
        r.field("from", q.getColumn(2).getString());
        r.field("until", q.getColumn(3).getString());
        if (!q.getColumn(4).getString().empty()) r.field("reason", q.getColumn(4).getString());
        r.field("created", q.getColumn(5).getString());
        out.push_back(r.finish());
    }
    return out;
}

void set_center(SQLite::Database& db, const std::string& name, const std::string& email,
                const std::string& pager) {
    if (name.empty()) throw Error(Exit::usage, "a center needs a name");
    if (split_addresses(email).empty())
        throw Error(Exit::usage, "center " + name + ": --email needs an address");
    SQLite::Statement q(db,
                        "INSERT INTO ticket_centers(name, email, pager) VALUES(?, ?, ?) "
                        "ON CONFLICT(name) DO UPDATE SET email = excluded.email, "
                        "pager = excluded.pager");
    q.bind(1, name);
    q.bind(2, email);
    q.bind(3, pager);
    q.exec();
}

std::vector<std::string> center_records(SQLite::Database& db) {
    SQLite::Statement q(db, "SELECT name, email, pager FROM ticket_centers ORDER BY name");
    std::vector<std::string> out;
    while (q.executeStep()) {
        jsonl::Record r("center");
        r.field("name", q.getColumn(0).getString());
        r.field("email", split_addresses(q.getColumn(1).getString()));
        if (!q.getColumn(2).getString().empty()) r.field("pager", q.getColumn(2).getString());
        out.push_back(r.finish());
    }
    return out;
}

void set_building(SQLite::Database& db, const std::string& building, const std::string& center,
                  const std::string& served_by) {
    if (building.empty()) throw Error(Exit::usage, "a building needs a name");
    if (center.empty() == served_by.empty())
        throw Error(Exit::usage, "building " + building + ": give --center or --served-by");
    if (!center.empty()) {
        SQLite::Statement known(db, "SELECT 1 FROM ticket_centers WHERE name = ?");
        known.bind(1, center);
        if (!known.executeStep())
            throw Error(Exit::usage, "building " + building + ": no center '" + center +
                                         "' (add it with: swd-ticket centers add)");
    }
    if (ascii_lower(served_by) == ascii_lower(building))
        throw Error(Exit::usage, "building " + building + " cannot serve itself");
    SQLite::Statement q(db,
                        "INSERT INTO ticket_buildings(name, center, served_by) VALUES(?, ?, ?) "
                        "ON CONFLICT(name) DO UPDATE SET center = excluded.center, "
                        "served_by = excluded.served_by");
    q.bind(1, building);
    q.bind(2, center);
    q.bind(3, served_by);
    q.exec();
}

std::vector<std::string> building_records(SQLite::Database& db) {
    SQLite::Statement q(db, "SELECT name, center, served_by FROM ticket_buildings ORDER BY name");
    std::vector<std::string> out;
    while (q.executeStep()) {
        jsonl::Record r("building");
        r.field("name", q.getColumn(0).getString());
        if (!q.getColumn(1).getString().empty()) r.field("center", q.getColumn(1).getString());
        if (!q.getColumn(2).getString().empty()) r.field("served_by", q.getColumn(2).getString());
        out.push_back(r.finish());
    }
    return out;
}

void set_paging(SQLite::Database& db, const std::string& device, bool on,
                const std::string& failure) {
    auto d = devices::find(db, device);
    if (!d) {
        throw Error(Exit::usage, "paging: no device '" + device +
                                     "' in the inventory (import it with: swd-ticket devices "
                                     "import)");
    }
    const std::string key = ascii_lower(d->name);
    if (on) {
        d->paging = true;
        devices::upsert(db, *d);
        if (!failure.empty()) {
            SQLite::Statement q(db,
                                "INSERT OR IGNORE INTO ticket_paging(device, failure) "
                                "VALUES(?, ?)");
            q.bind(1, key);
            q.bind(2, ascii_lower(failure));
            q.exec();
        }
        return;
    }
    if (failure.empty()) {
        d->paging = false;
        devices::upsert(db, *d);
        SQLite::Statement q(db, "DELETE FROM ticket_paging WHERE device = ?");
        q.bind(1, key);
        q.exec();
        return;
    }
    SQLite::Statement q(db, "DELETE FROM ticket_paging WHERE device = ? AND failure = ?");
    q.bind(1, key);
    q.bind(2, ascii_lower(failure));
    q.exec();
    // Switching off the last listed type switches the device off, not on for every type.
    SQLite::Statement left(db, "SELECT 1 FROM ticket_paging WHERE device = ?");
    left.bind(1, key);
    if (!left.executeStep()) {
        d->paging = false;
        devices::upsert(db, *d);
    }
}

bool pages(SQLite::Database& db, const devices::Device& device, const std::string& failure) {
    if (!device.paging) return false;
    SQLite::Statement q(db,
                        "SELECT count(*), coalesce(sum(failure = ?2), 0) FROM ticket_paging "
                        "WHERE device = ?1");
    q.bind(1, ascii_lower(device.name));
    q.bind(2, failure);
    q.executeStep();
    return q.getColumn(0).getInt() == 0 || q.getColumn(1).getInt() > 0;
}

Route route(SQLite::Database& db, const Settings& settings, const std::string& building) {
    Route r;
    std::string center;
    std::string name = building;
    std::string via;
    SQLite::Statement b(db, "SELECT name, center, served_by FROM ticket_buildings WHERE name = ?");
    for (int step = 0; step < 8 && !name.empty() && center.empty(); ++step) {
        b.reset();
        b.bind(1, name);
        if (!b.executeStep()) break;
        via += (via.empty() ? "building " : " served by ") + b.getColumn(0).getString();
        center = b.getColumn(1).getString();
        name = b.getColumn(2).getString();
    }
    if (center.empty()) {
        center = settings.default_center;
        via = "default";
    }
    if (center.empty()) {
        r.problem =
            "[ticket] default_center is not set and no building rule routes them (set it, and "
            "add the center: swd-ticket centers add NAME --email ADDRESS)";
        return r;
    }
    SQLite::Statement c(db, "SELECT email, pager FROM ticket_centers WHERE name = ?");
    c.bind(1, center);
    if (!c.executeStep()) {
        r.problem = (via == "default" ? "[ticket] default_center '" + center + "'"
                                      : "center '" + center + "' of " + via) +
                    " is not a known center (swd-ticket centers add " + center +
                    " --email ADDRESS)";
        return r;
    }
    r.center = center;
    r.to = split_addresses(c.getColumn(0).getString());
    r.pager = c.getColumn(1).getString();
    r.via = via;
    return r;
}

std::vector<std::string> device_records(SQLite::Database& db) {
    std::vector<std::string> out;
    for (const auto& d : devices::list(db)) {
        jsonl::Record r("device");
        r.field("name", d.name);
        if (!d.address.empty()) r.field("address", d.address);
        if (!d.domain.empty()) r.field("domain", d.domain);
        if (!d.region.empty()) r.field("region", d.region);
        if (!d.building.empty()) r.field("building", d.building);
        if (!d.room.empty()) r.field("room", d.room);
        if (!d.location().empty()) r.field("location", d.location());
        r.field("paging", d.paging);
        out.push_back(r.finish());
    }
    return out;
}

}  // namespace swd::ticket
