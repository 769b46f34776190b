#include "libcore/alert/devices.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <iterator>

#include "libcore/base/error.hpp"
#include "libcore/base/text.hpp"

namespace swd::devices {

std::string Device::location() const {
    if (building.empty()) return room;
    if (room.empty()) return building;
    return building + "/" + room;
}

const Schema& schema() {
    // Node names are host names: case-insensitive, so a re-import in another case updates.
    static const Schema devices{
        "devices",
        {"CREATE TABLE devices(name TEXT PRIMARY KEY COLLATE NOCASE, "
         "address TEXT NOT NULL DEFAULT '', domain TEXT NOT NULL DEFAULT '' COLLATE NOCASE, "
         "region TEXT NOT NULL DEFAULT '', building TEXT NOT NULL DEFAULT '', "
         "room TEXT NOT NULL DEFAULT '', paging INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID"},
    };
    return devices;
}

void upsert(SQLite::Database& db, const Device& d) {
    SQLite::Statement st(db,
                         "INSERT INTO devices(name, address, domain, region, building, room, "
                         "paging) VALUES(?, ?, ?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET "
                         "name = excluded.name, address = excluded.address, "
                         "domain = excluded.domain, region = excluded.region, "
                         "building = excluded.building, room = excluded.room, "
                         "paging = excluded.paging");
    st.bind(1, d.name);
    st.bind(2, d.address);
    st.bind(3, d.domain);
    st.bind(4, d.region);
    st.bind(5, d.building);
    st.bind(6, d.room);
    st.bind(7, d.paging ? 1 : 0);
    st.exec();
}

namespace {

constexpr const char* columns = "name, address, domain, region, building, room, paging";

Device row(SQLite::Statement& st) {
    Device d;
    d.name = st.getColumn(0).getString();
    d.address = st.getColumn(1).getString();
    d.domain = st.getColumn(2).getString();
    d.region = st.getColumn(3).getString();
    d.building = st.getColumn(4).getString();
    d.room = st.getColumn(5).getString();
    d.paging = st.getColumn(6).getInt() != 0;
    return d;
}

}  // namespace

std::optional<Device> find(SQLite::Database& db, const std::string& name) {
    return Finder(db).find(name);
}

Finder::Finder(SQLite::Database& db)
    : st_(db, std::string("SELECT ") + columns + " FROM devices WHERE name = ?") {}

std::optional<Device> Finder::find(const std::string& name) {
    st_.reset();
    st_.bind(1, name);
    if (!st_.executeStep()) return std::nullopt;
    Device d = row(st_);
    st_.reset();  // a statement left stepping would keep its read snapshot
    return d;
}

std::vector<Device> list(SQLite::Database& db) {
    SQLite::Statement st(db, std::string("SELECT ") + columns + " FROM devices ORDER BY name");
    std::vector<Device> out;
    while (st.executeStep())
        out.push_back(row(st));
    return out;
}

std::vector<std::string> domains(SQLite::Database& db) {
    SQLite::Statement st(db,
                         "SELECT DISTINCT lower(domain) AS d FROM devices WHERE domain <> '' "
                         "ORDER BY d");
    std::vector<std::string> out;
    while (st.executeStep())
        out.push_back(st.getColumn(0).getString());
    return out;
}

namespace {

/// RFC 4180 records over a whole file: fields split at commas, double-quoted fields may hold
/// commas, quotes ("") and line breaks; CRLF and LF both end a record. Unquoted fields are
/// trimmed of spaces and tabs, which spreadsheets and hand-edited files add.
class CsvReader {
  public:
    CsvReader(std::string path, std::string text) : path_(std::move(path)), text_(std::move(text)) {
        // A UTF-8 byte-order mark, as spreadsheet exports write.
        if (text_.starts_with("\xEF\xBB\xBF")) pos_ = 3;
    }

    /// The next non-blank record; false at the end. `line` is where the record starts.
    bool next(std::vector<std::string>& fields, std::size_t& line) {
        for (;;) {
            if (pos_ >= text_.size()) return false;
            line = line_;
            fields.clear();
            if (read_record(fields)) return true;
        }
    }

  private:
    [[noreturn]] void fail(std::size_t line, const std::string& why) const {
        throw Error(Exit::usage, path_ + ":" + std::to_string(line) + ": " + why);
    }

    bool at_line_end() const {
        return pos_ >= text_.size() || text_[pos_] == '\n' ||
               (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n');
    }

    void skip_line_end() {
        if (pos_ < text_.size() && text_[pos_] == '\r') ++pos_;
        if (pos_ < text_.size() && text_[pos_] == '\n') ++pos_;
        ++line_;
    }

    /// Reads one record into `fields`; false (nothing added) for a blank line.
    bool read_record(std::vector<std::string>& fields) {
        const std::size_t start_line = line_;
        const std::size_t start = pos_;
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t'))
            ++pos_;
        if (at_line_end()) {
            skip_line_end();
            return false;
        }
        pos_ = start;
        for (;;) {
            std::size_t lead = pos_;
            while (lead < text_.size() && (text_[lead] == ' ' || text_[lead] == '\t'))
                ++lead;
            if (lead < text_.size() && text_[lead] == '"') {
                pos_ = lead + 1;
                fields.push_back(quoted(start_line));
            } else {
                const std::size_t begin = pos_;
                while (pos_ < text_.size() && text_[pos_] != ',' && !at_line_end()) {
                    if (text_[pos_] == '"') {
                        fail(line_, "field " + std::to_string(fields.size() + 1) +
                                        ": a quote inside an unquoted field (quote the whole "
                                        "field and double the quote)");
                    }
                    ++pos_;
                }
                fields.emplace_back(
                    trim(std::string_view(text_).substr(begin, pos_ - begin), " \t"));
            }
            if (at_line_end()) {
                skip_line_end();
                return true;
            }
            ++pos_;  // the comma
        }
    }

    /// A quoted field; pos_ is just after the opening quote.
    std::string quoted(std::size_t start_line) {
        std::string out;
        for (;;) {
            const std::size_t q = text_.find('"', pos_);
            if (q == std::string::npos) fail(start_line, "unterminated quoted field");
            out.append(text_, pos_, q - pos_);
            line_ += static_cast<std::size_t>(
                std::count(text_.begin() + static_cast<std::ptrdiff_t>(pos_),
                           text_.begin() + static_cast<std::ptrdiff_t>(q), '\n'));
            pos_ = q + 1;
            if (pos_ < text_.size() && text_[pos_] == '"') {
                out += '"';
                ++pos_;
                continue;
            }
            while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t'))
                ++pos_;
            if (pos_ < text_.size() && text_[pos_] != ',' && !at_line_end())
                fail(line_, "text after a closing quote");
            return out;
        }
    }

    std::string path_;
    std::string text_;
    std::size_t pos_ = 0;
    std::size_t line_ = 1;
};

std::optional<bool> parse_flag(std::string_view text) {
    const std::string v = ascii_lower(text);
    if (v.empty() || v == "no" || v == "false" || v == "0" || v == "off") return false;
    if (v == "yes" || v == "true" || v == "1" || v == "on") return true;
    return std::nullopt;
}

}  // namespace

std::vector<Device> read_csv(const std::string& path) {
    std::string text;
    {
        std::FILE* f = std::fopen(path.c_str(), "rbe");
        if (!f) throw errno_error(Exit::partial, path, errno);
        char buf[65536];
        std::size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
            text.append(buf, n);
        const bool bad = std::ferror(f);
        const int err = errno;
        std::fclose(f);
        if (bad) throw errno_error(Exit::partial, path, err);
    }

    CsvReader csv(path, std::move(text));
    std::vector<std::string> fields;
    std::size_t line = 1;
    if (!csv.next(fields, line)) throw Error(Exit::usage, path + ":1: empty file: no header");

    // Index of each known column in the header; -1 when absent.
    static constexpr std::string_view known[] = {"name",     "address", "domain", "region",
                                                 "building", "room",    "paging"};
    constexpr std::size_t n_known = std::size(known);
    std::ptrdiff_t at[n_known];
    std::fill(std::begin(at), std::end(at), -1);
    for (std::size_t i = 0; i < fields.size(); ++i) {
        const std::string name = ascii_lower(trim(fields[i], " \t"));
        const auto* k = std::find(std::begin(known), std::end(known), name);
        if (k == std::end(known)) continue;
        auto& slot = at[k - std::begin(known)];
        if (slot >= 0)
            throw Error(Exit::usage, path + ":" + std::to_string(line) + ": column '" + name +
                                         "' appears twice");
        slot = static_cast<std::ptrdiff_t>(i);
    }
    if (at[0] < 0) {
        throw Error(Exit::usage, path + ":" + std::to_string(line) +
                                     ": no 'name' column in the header (expected " +
                                     "name,address,domain,region,building,room,paging)");
    }
    const std::size_t width = fields.size();

    std::vector<Device> out;
    while (csv.next(fields, line)) {
        const auto where = [&] { return path + ":" + std::to_string(line) + ": "; };
        if (fields.size() != width) {
            throw Error(Exit::usage, where() + "expected " + std::to_string(width) +
                                         " fields as in the header, got " +
                                         std::to_string(fields.size()));
        }
        const auto get = [&](std::size_t k) -> std::string {
            return at[k] < 0 ? std::string() : std::move(fields[static_cast<std::size_t>(at[k])]);
        };
        Device d;
        d.name = get(0);
        if (d.name.empty()) throw Error(Exit::usage, where() + "empty name");
        d.address = get(1);
        d.domain = ascii_lower(get(2));
        d.region = get(3);
        d.building = get(4);
        d.room = get(5);
        const std::string paging = get(6);
        const auto flag = parse_flag(trim(paging, " \t"));
        if (!flag) {
            throw Error(Exit::usage, where() +
                                         "paging: expected yes, no, true, false, 1, 0, on "
                                         "or off, got '" +
                                         paging + "'");
        }
        d.paging = *flag;
        out.push_back(std::move(d));
    }
    return out;
}

}  // namespace swd::devices
