#include "libcore/alert/ingest.hpp"

#include <glib.h>

#include <algorithm>
#include <chrono>
#include <unordered_map>

#include "libcore/base/digest.hpp"
#include "libcore/base/jsonl.hpp"
#include "libcore/base/text.hpp"

namespace swd::ingest {

namespace {

struct FieldInfo {
    Field field;
    std::string_view name;  // record key
    std::string_view key;   // DESIGN §5 body key
};

constexpr FieldInfo field_info[field_count] = {
    {Field::failure, "failure", "Failure-Type"}, {Field::device, "device", "Device"},
    {Field::server, "server", "Server"},         {Field::dist, "dist", "Distribution-ID"},
    {Field::package, "package", "Package"},      {Field::location, "location", "Location"},
    {Field::region, "region", "Region"},         {Field::time, "time", "Time"},
    {Field::detail, "detail", "Detail"},
};

/// Substrings of announced failure texts, lower case, tried in this order: the specific
/// causes before the generic words ("connect timed out" is a connection failure, "post-install
/// script timed out" an install failure).
constexpr std::pair<std::string_view, std::string_view> builtin_synonyms[] = {
    {"no space", "disk"},
    {"disk full", "disk"},
    {"disk quota", "disk"},
    {"quota exceeded", "disk"},
    {"file system full", "disk"},
    {"filesystem full", "disk"},
    {"enospc", "disk"},
    {"disk", "disk"},
    {"permission denied", "access"},
    {"access denied", "access"},
    {"not authorized", "access"},
    {"unauthorized", "access"},
    {"forbidden", "access"},
    {"publickey", "access"},
    {"password", "access"},
    {"credential", "access"},
    {"login", "access"},
    {"auth", "access"},
    {"install", "install"},
    {"setup", "install"},
    {"script", "install"},
    {"exit status", "install"},
    {"exit code", "install"},
    {"dpkg", "install"},
    {"rpm", "install"},
    {"checksum", "package"},
    {"hash mismatch", "package"},
    {"signature", "package"},
    {"corrupt", "package"},
    {"manifest", "package"},
    {"download", "package"},
    {"package", "package"},
    {"connect", "connection"},
    {"unreachable", "connection"},
    {"no route", "connection"},
    {"refused", "connection"},
    {"network", "connection"},
    {"link down", "connection"},
    {"host down", "connection"},
    {"reset by peer", "connection"},
    {"name resolution", "connection"},
    {"dns", "connection"},
    {"offline", "connection"},
    {"timeout", "timeout"},
    {"timed out", "timeout"},
    {"time out", "timeout"},
    {"time-out", "timeout"},
    {"no response", "timeout"},
    {"no answer", "timeout"},
    {"not respond", "timeout"},
    {"deadline", "timeout"},
};

std::optional<Field> field_named(std::string_view name) {
    const std::string l = ascii_lower(name);
    for (const auto& f : field_info) {
        if (l == f.name || l == ascii_lower(f.key)) return f.field;
    }
    return std::nullopt;
}

bool is_failure_type(std::string_view s) {
    return std::find(failure_types.begin(), failure_types.end(), s) != failure_types.end();
}

struct RegexUnref {
    void operator()(GRegex* re) const { g_regex_unref(re); }
};

/// A compiled rule and the fields its named groups fill.
struct Rule {
    std::unique_ptr<GRegex, RegexUnref> re;
    std::vector<std::pair<std::string, Field>> groups;
};

/// The group names of an expression: (?<name>, (?P<name>, (?'name'.
std::vector<std::string> group_names(std::string_view re) {
    std::vector<std::string> names;
    for (std::size_t i = 0; i + 3 < re.size(); ++i) {
        if (re[i] == '\\') {
            ++i;
            continue;
        }
        if (re[i] != '(' || re[i + 1] != '?') continue;
        std::size_t j = i + 2;
        if (re[j] == 'P' && j + 1 < re.size() && re[j + 1] == '<') ++j;
        if (re[j] != '<' && re[j] != '\'') continue;
        const char close = re[j] == '<' ? '>' : '\'';
        const std::size_t end = re.find(close, j + 1);
        if (end == std::string_view::npos) break;
        std::string name(re.substr(j + 1, end - j - 1));
        if (name.empty() || name[0] == '=' || name[0] == '!') continue;  // lookbehind
        names.push_back(std::move(name));
    }
    return names;
}

/// Whether `s` is already what timeutil::format_rfc3339() writes: "2026-11-21T10:15:03Z" with
/// fields in range, so that it can be kept as it is.
bool canonical_time(std::string_view s) {
    static constexpr std::string_view shape = "dddd-dd-ddTdd:dd:ddZ";
    if (s.size() != shape.size()) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (shape[i] == 'd' ? !g_ascii_isdigit(s[i]) : s[i] != shape[i]) return false;
    }
    return timeutil::parse_rfc3339(s).has_value();
}

}  // namespace

struct Rules::Impl {
    std::unordered_map<std::string, Field> keys;  // lower-case body key -> field
    std::vector<Rule> rules;
    std::vector<std::pair<std::string, std::string>> synonyms;  // config ones, lower case
};

Rules::Rules() : impl_(std::make_unique<Impl>()) {
    for (const auto& f : field_info)
        impl_->keys.emplace(ascii_lower(f.key), f.field);
}
Rules::~Rules() = default;
Rules::Rules(Rules&&) noexcept = default;
Rules& Rules::operator=(Rules&&) noexcept = default;

void Rules::add_alias(std::string_view key, std::string_view field) {
    auto f = field_named(field);
    if (!f) {
        throw Error(Exit::config, "alias '" + std::string(key) + "': unknown field '" +
                                      std::string(field) +
                                      "' (failure, device, server, dist, package, location, "
                                      "region, time, detail)");
    }
    impl_->keys[ascii_lower(trim(key, " \t\r"))] = *f;
}

void Rules::add_rule(std::string_view expression) {
    const std::string text(expression);
    GError* err = nullptr;
    GRegex* re = g_regex_new(text.c_str(), static_cast<GRegexCompileFlags>(G_REGEX_MULTILINE),
                             static_cast<GRegexMatchFlags>(0), &err);
    if (!re) {
        std::string why = err ? err->message : "invalid";
        if (err) g_error_free(err);
        throw Error(Exit::config, "rule '" + text + "': " + why);
    }
    Rule rule{std::unique_ptr<GRegex, RegexUnref>(re), {}};
    for (auto& name : group_names(text)) {
        auto f = field_named(name);
        if (!f) {
            throw Error(Exit::config, "rule '" + text + "': group '" + name + "' names no field");
        }
        rule.groups.emplace_back(std::move(name), *f);
    }
    if (rule.groups.empty())
        throw Error(Exit::config, "rule '" + text + "': no named group (?<field>...)");
    impl_->rules.push_back(std::move(rule));
}

void Rules::add_failure_synonym(std::string_view text, std::string_view type) {
    if (!is_failure_type(type)) {
        throw Error(Exit::config, "failure type '" + std::string(type) + "' for '" +
                                      std::string(text) +
                                      "': expected connection, access, package, install, "
                                      "disk, timeout or other");
    }
    impl_->synonyms.emplace_back(ascii_lower(trim(text, " \t\r")), std::string(type));
}

Rules Rules::from_config(const Config& config) {
    Rules rules;
    with_context(
        "ingest.aliases",
        [&] {
            for (const auto& [key, field] : config.get_table("ingest.aliases"))
                rules.add_alias(key, field);
        },
        Exit::config);
    with_context(
        "ingest.rules",
        [&] {
            for (const auto& re : config.strings("ingest.rules"))
                rules.add_rule(re);
        },
        Exit::config);
    with_context(
        "ingest.failure_types",
        [&] {
            for (const auto& [text, type] : config.get_table("ingest.failure_types"))
                rules.add_failure_synonym(text, type);
        },
        Exit::config);
    return rules;
}

Fields Rules::extract(std::string_view subject, std::string_view body) const {
    Fields fields;
    std::string key;
    std::size_t pos = 0;
    while (pos < body.size()) {
        std::size_t nl = body.find('\n', pos);
        if (nl == std::string_view::npos) nl = body.size();
        std::string_view line = body.substr(pos, nl - pos);
        pos = nl + 1;
        if (line == "-- " || line == "-- \r") break;  // the signature
        line = trim(line, " \t\r");
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0 || colon > 64) continue;
        std::string_view name = trim(line.substr(0, colon), " \t\r");
        const bool plausible = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
            return g_ascii_isalnum(c) || c == '-' || c == '_' || c == ' ' || c == '.';
        });
        if (!plausible) continue;
        key = ascii_lower(name);
        auto it = impl_->keys.find(key);
        if (it == impl_->keys.end()) continue;
        auto& slot = fields[static_cast<std::size_t>(it->second)];
        std::string_view value = trim(line.substr(colon + 1), " \t\r");
        if (!slot && !value.empty()) slot = std::string(value);
    }

    if (impl_->rules.empty()) return fields;
    std::string text;
    text.reserve(subject.size() + 1 + body.size());
    text.append(subject).append("\n").append(body);
    for (const auto& rule : impl_->rules) {
        GMatchInfo* info = nullptr;
        if (g_regex_match_full(rule.re.get(), text.c_str(), static_cast<gssize>(text.size()), 0,
                               static_cast<GRegexMatchFlags>(0), &info, nullptr)) {
            for (const auto& [name, field] : rule.groups) {
                auto& slot = fields[static_cast<std::size_t>(field)];
                if (slot) continue;
                gchar* value = g_match_info_fetch_named(info, name.c_str());
                if (value) {
                    std::string_view v = trim(value, " \t\r");
                    if (!v.empty()) slot = std::string(v);
                    g_free(value);
                }
            }
        }
        g_match_info_free(info);
    }
    return fields;
}

std::string Rules::failure_type(std::string_view text) const {
    const std::string l = ascii_lower(trim(text, " \t\r"));
    if (is_failure_type(l)) return l;
    for (const auto& [needle, type] : impl_->synonyms) {
        if (l.find(needle) != std::string::npos) return type;
    }
    for (const auto& [needle, type] : builtin_synonyms) {
        if (l.find(needle) != std::string::npos) return std::string(type);
    }
    return "other";
}

Alert make_alert(message::Message msg, const Rules& rules) {
    Alert a;
    a.fields = rules.extract(msg.subject.value_or(""), msg.body);
    msg.body = std::string();
    a.msg = std::move(msg);
    auto& failure = a.fields[static_cast<std::size_t>(Field::failure)];
    if (failure) {
        std::string type = rules.failure_type(*failure);
        if (ascii_lower(trim(*failure, " \t\r")) != type) a.failure_text = std::move(*failure);
        failure = std::move(type);
    }
    auto& time = a.fields[static_cast<std::size_t>(Field::time)];
    if (time && !canonical_time(*time)) {
        if (auto t = message::parse_date(*time))
            time = timeutil::format_rfc3339(*t);
        else
            time.reset();
    }
    return a;
}

std::string alert_record(const Alert& a, const std::string& id, const std::string& source) {
    jsonl::Record r("alert");
    r.field("id", id);
    r.field("message_id", a.msg.message_id);
    if (a.msg.date) r.field("date", timeutil::format_rfc3339(*a.msg.date));
    r.field("from", a.msg.from);
    r.field("node", a.msg.node);
    r.field("domain", a.msg.domain);
    r.field("subject", a.msg.subject);
    r.field("auto_submitted", a.msg.auto_submitted);
    for (const auto& f : field_info) {
        r.field(f.name, a.fields[static_cast<std::size_t>(f.field)]);
        if (f.field == Field::failure) r.field("failure_text", a.failure_text);
    }
    if (a.msg.forwarded) r.field("forwarded", true);
    r.field("source", source);
    return r.finish();
}

std::string stateless_id(const std::string& key, timeutil::TimePoint when) {
    const auto md = digest::sha256(key);
    std::uint64_t n = 0;
    for (std::size_t i = 0; i < 8; ++i)
        n = n << 8 | md[i];
    n %= 1000000000000ULL;
    std::string digits = std::to_string(n);
    digits.insert(0, 12 - digits.size(), '0');
    return "A-" + timeutil::format_day(when) + "-" + digits;
}

const ConfigKeys& config_keys() {
    static const ConfigKeys keys{
        {"ingest.aliases", KeyKind::table, "",
         "body keys that mean a field: \"Workstation\" = \"device\""},
        {"ingest.rules", KeyKind::strings, "",
         "regular expressions whose named groups (?<device>...) fill missing fields"},
        {"ingest.failure_types", KeyKind::table, "",
         "failure text that means a type: \"link lost\" = \"connection\""},
        {"ingest.max_size", KeyKind::integer, "33554432",
         "largest message read, in bytes; a larger one is rejected"},
    };
    return keys;
}

const Schema& schema() {
    static const Schema s{
        "ingest",
        {"CREATE TABLE ingest_seen(key TEXT PRIMARY KEY, alert TEXT, source TEXT NOT NULL, "
         "seen TEXT NOT NULL) WITHOUT ROWID",
         // Version 2: the records of a batch between its commit and their write. A run commits
         // a batch before it writes (it never holds the write lock while a pipe is full) and
         // deletes them in its next transaction; a run that died in between left them here,
         // owned by a claim (libcore/base/claim.hpp) of a process that is gone, and the next run
         // writes them.
         "CREATE TABLE ingest_out(seq INTEGER PRIMARY KEY, owner TEXT NOT NULL, "
         "alert INTEGER NOT NULL, record TEXT NOT NULL, source TEXT NOT NULL, "
         "detail TEXT NOT NULL);"
         "CREATE INDEX ingest_out_owner ON ingest_out(owner, seq);"},
    };
    return s;
}

}  // namespace swd::ingest
