#include "libcore/base/config.hpp"

#include <spdlog/spdlog.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <iomanip>
#include <sstream>
#include <stdexcept>

#include "libcore/base/error.hpp"
#include "libcore/base/paths.hpp"
#include "libcore/base/time.hpp"

namespace swd {

namespace {

// Every section some swd tool reads; a section outside this list is a typo worth a warning.
constexpr std::array known_sections{"state",    "smtp",        "alerts", "ingest",
                                    "validate", "ticket",      "queue",  "redist",
                                    "scan",     "fingerprint", "rollout"};

std::string env_value(std::string_view name) {
    if (name.empty()) return {};
    const char* v = std::getenv(std::string(name).c_str());
    return v ? std::string(v) : std::string();
}

std::string_view section_of(std::string_view key) {
    return key.substr(0, key.find('.'));
}

const char* kind_name(KeyKind kind) {
    switch (kind) {
        case KeyKind::string:
            return "a string";
        case KeyKind::integer:
            return "an integer";
        case KeyKind::boolean:
            return "a boolean";
        case KeyKind::duration:
            return "a duration string such as \"5m\"";
        case KeyKind::strings:
            return "an array of strings";
        case KeyKind::durations:
            return "an array of duration strings";
        case KeyKind::table:
            return "a table";
    }
    return "a value";
}

bool fits(const toml::node& node, KeyKind kind) {
    switch (kind) {
        case KeyKind::string:
            return node.is_string();
        case KeyKind::integer:
            return node.is_integer();
        case KeyKind::boolean:
            return node.is_boolean();
        case KeyKind::duration:
            return node.is_string() && timeutil::parse_duration(*node.value<std::string>());
        case KeyKind::strings:
            return node.is_array() && (node.as_array()->empty() ||
                                       node.as_array()->is_homogeneous(toml::node_type::string));
        case KeyKind::durations: {
            if (!node.is_array()) return false;
            for (const auto& e : *node.as_array())
                if (!e.is_string() || !timeutil::parse_duration(*e.value<std::string>()))
                    return false;
            return true;
        }
        case KeyKind::table:
            return node.is_table();
    }
    return false;
}

std::string render(const toml::node& node) {
    std::ostringstream os;
    if (const auto* t = node.as_table()) {
        os << "{ ";
        bool first = true;
        for (const auto& [k, v] : *t) {
            os << (first ? "" : ", ") << k.str() << " = " << render(v);
            first = false;
        }
        os << (first ? "}" : " }");
    } else if (const auto* a = node.as_array()) {
        os << "[";
        bool first = true;
        for (const auto& e : *a) {
            os << (first ? "" : ", ") << render(e);
            first = false;
        }
        os << "]";
    } else if (auto str = node.value_exact<std::string>()) {
        os << '"';
        for (unsigned char c : *str) {
            if (c == '"' || c == '\\')
                os << '\\' << c;
            else if (c < 0x20 || c == 0x7f)
                os << "\\u" << std::hex << std::setw(4) << std::setfill('0') << int(c) << std::dec;
            else
                os << c;
        }
        os << '"';
    } else {
        node.visit([&os](const auto& v) { os << v; });
    }
    return os.str();
}

std::string location(const std::filesystem::path& file, const toml::source_region& src) {
    return "config " + file.string() + ":" + std::to_string(src.begin.line) + ":" +
           std::to_string(src.begin.column);
}

}  // namespace

const ConfigKeys& common_config_keys() {
    static const ConfigKeys keys{
        {"state.path", KeyKind::string, "",
         "state file (default /var/lib/swd/state.db for root, else $XDG_STATE_HOME/swd/state.db)",
         "SWD_STATE"},
        {"smtp.url", KeyKind::string, "\"smtp://localhost:25\"",
         "mail server: smtp://HOST:PORT, smtps://HOST:PORT, or sendmail:/usr/sbin/sendmail",
         "SWD_SMTP_URL"},
        {"smtp.user", KeyKind::string, "", "user name for SMTP AUTH (else ~/.netrc)"},
        {"smtp.password", KeyKind::string, "", "password for SMTP AUTH", "SWD_SMTP_PASSWORD", true},
        {"smtp.starttls", KeyKind::boolean, "false", "require STARTTLS on smtp:// URLs"},
        {"smtp.timeout", KeyKind::duration, "\"30s\"", "connect and transfer timeout"},
        {"smtp.from", KeyKind::string, "", "envelope and header sender (default swd@HOSTNAME)"},
        {"smtp.ca_file", KeyKind::string, "",
         "CA certificates (PEM) that sign the mail server's certificate (default: the "
         "system's)"},
        {"alerts.to", KeyKind::strings, "[]", "where error alert e-mails go"},
    };
    return keys;
}

std::filesystem::path config_path(const std::string& flag) {
    if (!flag.empty()) return flag;
    if (auto env = env_value("SWD_CONFIG"); !env.empty()) return env;
    const std::filesystem::path system = "/etc/swd/swd.toml";
    if (::geteuid() != 0) {
        std::filesystem::path user;
        try {
            user = paths::user_config() / "swd.toml";
        } catch (const Error&) {
            // No home: there is no user configuration to read.
        }
        std::error_code ec;
        if (!user.empty() && std::filesystem::exists(user, ec)) return user;
    }
    std::error_code ec;
    return std::filesystem::exists(system, ec) ? system : std::filesystem::path();
}

struct Config::Impl {
    std::filesystem::path path;
    toml::table table;
    ConfigKeys keys;

    const ConfigKey* find(std::string_view key) const {
        auto it = std::find_if(keys.begin(), keys.end(),
                               [&](const ConfigKey& k) { return k.key == key; });
        return it == keys.end() ? nullptr : &*it;
    }

    [[noreturn]] void fail(std::string_view key, const std::string& why) const {
        std::string where = path.empty() ? "config" : "config " + path.string();
        throw Error(Exit::config, where + ": " + std::string(key) + ": " + why);
    }

    // The node holding the effective value, and where it came from. Environment and default
    // values are parsed as TOML text of the key's kind into `scratch`.
    const toml::node* lookup(std::string_view key, toml::table& scratch,
                             std::string* origin = nullptr) const {
        const ConfigKey* spec = find(key);
        if (spec && !spec->env.empty()) {
            auto text = env_value(spec->env);
            if (!text.empty()) {
                if (origin) *origin = "$" + std::string(spec->env);
                return from_env(*spec, text, scratch);
            }
        }
        if (auto node = toml::at_path(table, key); node) {
            if (origin) *origin = "file";
            return node.node();
        }
        if (spec && !spec->default_value.empty()) {
            if (origin) *origin = "default";
            try {
                scratch = toml::parse("v = " + std::string(spec->default_value));
            } catch (const toml::parse_error& e) {
                fail(key, "built-in default does not parse: " + std::string(e.description()));
            }
            return scratch.get("v");
        }
        return nullptr;
    }

    const toml::node* from_env(const ConfigKey& spec, const std::string& text,
                               toml::table& scratch) const {
        switch (spec.kind) {
            case KeyKind::string:
            case KeyKind::duration:
                scratch.insert_or_assign("v", text);
                break;
            case KeyKind::integer: {
                char* end = nullptr;
                errno = 0;
                long long n = std::strtoll(text.c_str(), &end, 10);
                if (errno || *end || end == text.c_str())
                    fail(spec.key, "$" + std::string(spec.env) + " is not an integer");
                scratch.insert_or_assign("v", static_cast<std::int64_t>(n));
                break;
            }
            case KeyKind::boolean: {
                static const std::array truthy{"1", "true", "yes", "on"};
                static const std::array falsy{"0", "false", "no", "off"};
                if (std::find(truthy.begin(), truthy.end(), text) != truthy.end())
                    scratch.insert_or_assign("v", true);
                else if (std::find(falsy.begin(), falsy.end(), text) != falsy.end())
                    scratch.insert_or_assign("v", false);
                else
                    fail(spec.key, "$" + std::string(spec.env) + " is not a boolean");
                break;
            }
            case KeyKind::strings:
            case KeyKind::durations: {
                toml::array a;
                std::stringstream ss(text);
                for (std::string item; std::getline(ss, item, ',');)
                    if (!item.empty()) a.push_back(item);
                scratch.insert_or_assign("v", std::move(a));
                break;
            }
            case KeyKind::table:
                fail(spec.key, "cannot be set from the environment");
        }
        const toml::node* node = scratch.get("v");
        if (!fits(*node, spec.kind))
            fail(spec.key, "$" + std::string(spec.env) + " is not " + kind_name(spec.kind));
        return node;
    }

    void check_keys() const {
        for (const auto& [section, node] : table) {
            auto name = section.str();
            bool known = std::find(known_sections.begin(), known_sections.end(), name) !=
                         known_sections.end();
            if (!known) {
                spdlog::warn("{}: unknown section [{}]", location(path, section.source()), name);
                continue;
            }
            bool ours = std::any_of(keys.begin(), keys.end(),
                                    [&](const ConfigKey& k) { return section_of(k.key) == name; });
            if (!ours || !node.is_table()) continue;
            for (const auto& [k, v] : *node.as_table()) {
                std::string dotted = std::string(name) + "." + std::string(k.str());
                const ConfigKey* spec = find(dotted);
                if (!spec) {
                    spdlog::warn("{}: unknown key {}", location(path, k.source()), dotted);
                } else if (!fits(v, spec->kind)) {
                    throw Error(Exit::config, location(path, v.source()) + ": " + dotted +
                                                  " must be " + kind_name(spec->kind));
                }
            }
        }
    }
};

namespace {

/// toml++'s description of a syntax error, said plainly where it is not: a string whose closing
/// quote is missing is reported as a control character (the line's end) inside the string.
std::string syntax_error(std::string_view text, const toml::parse_error& e) {
    const std::string_view what = e.description();
    const auto& at = e.source().begin;
    if (what.starts_with("Error while parsing string") && at.line > 0) {
        std::size_t start = 0;
        for (toml::source_index line = 1; line < at.line && start != std::string_view::npos;
             ++line) {
            start = text.find('\n', start);
            if (start != std::string_view::npos) ++start;
        }
        if (start != std::string_view::npos) {
            const auto end = text.find('\n', start);
            const auto length = (end == std::string_view::npos ? text.size() : end) - start;
            if (at.column > length)
                return "unterminated string: the closing quote is missing on this line";
        }
    }
    return std::string(what);
}

}  // namespace

Config::Config() : impl_(std::make_unique<Impl>()) {
    impl_->keys = common_config_keys();
}
Config::~Config() = default;
Config::Config(Config&&) noexcept = default;
Config& Config::operator=(Config&&) noexcept = default;

Config Config::parse(std::string_view text, const std::string& origin, const ConfigKeys& keys) {
    Config c;
    c.impl_->path = origin;
    for (const auto& k : keys)
        if (!c.impl_->find(k.key)) c.impl_->keys.push_back(k);
    try {
        c.impl_->table = toml::parse(text, origin);
    } catch (const toml::parse_error& e) {
        throw Error(Exit::config, location(origin, e.source()) + ": " + syntax_error(text, e));
    }
    c.impl_->check_keys();
    return c;
}

Config Config::load(const std::string& flag, const ConfigKeys& keys) {
    auto path = config_path(flag);
    if (path.empty()) {
        Config c;
        for (const auto& k : keys)
            if (!c.impl_->find(k.key)) c.impl_->keys.push_back(k);
        return c;
    }
    std::string text;
    {
        std::FILE* f = std::fopen(path.c_str(), "rb");
        if (!f) throw Error(Exit::config, "config " + path.string() + ": " + errno_text(errno));
        char buf[65536];
        std::size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
            text.append(buf, n);
        bool bad = std::ferror(f);
        int err = errno;
        std::fclose(f);
        if (bad) throw Error(Exit::config, "config " + path.string() + ": " + errno_text(err));
    }
    return parse(text, path.string(), keys);
}

const std::filesystem::path& Config::path() const {
    return impl_->path;
}

std::optional<std::string> Config::get_string(std::string_view key) const {
    toml::table scratch;
    const toml::node* n = impl_->lookup(key, scratch);
    if (!n) return std::nullopt;
    if (!n->is_string()) impl_->fail(key, "must be a string");
    return *n->value<std::string>();
}

std::optional<std::int64_t> Config::get_int(std::string_view key) const {
    toml::table scratch;
    const toml::node* n = impl_->lookup(key, scratch);
    if (!n) return std::nullopt;
    if (!n->is_integer()) impl_->fail(key, "must be an integer");
    return *n->value<std::int64_t>();
}

std::optional<bool> Config::get_bool(std::string_view key) const {
    toml::table scratch;
    const toml::node* n = impl_->lookup(key, scratch);
    if (!n) return std::nullopt;
    if (!n->is_boolean()) impl_->fail(key, "must be a boolean");
    return *n->value<bool>();
}

std::optional<std::int64_t> Config::get_seconds(std::string_view key) const {
    auto text = get_string(key);
    if (!text) return std::nullopt;
    auto d = timeutil::parse_duration(*text);
    if (!d) impl_->fail(key, "'" + *text + "' is not a duration (30s, 5m, 1h, 7d)");
    return d->count();
}

std::optional<std::vector<std::string>> Config::get_strings(std::string_view key) const {
    toml::table scratch;
    const toml::node* n = impl_->lookup(key, scratch);
    if (!n) return std::nullopt;
    const auto* a = n->as_array();
    if (!a || (!a->empty() && !a->is_homogeneous(toml::node_type::string)))
        impl_->fail(key, "must be an array of strings");
    std::vector<std::string> out;
    for (const auto& e : *a)
        out.push_back(*e.value<std::string>());
    return out;
}

namespace {

template <class T>
T required(std::optional<T> value, std::string_view key) {
    if (!value)
        throw std::logic_error("configuration key " + std::string(key) + " declares no default");
    return *std::move(value);
}

}  // namespace

std::string Config::text(std::string_view key) const {
    return get_string(key).value_or(std::string());
}

std::int64_t Config::integer(std::string_view key) const {
    return required(get_int(key), key);
}

bool Config::boolean(std::string_view key) const {
    return required(get_bool(key), key);
}

std::int64_t Config::seconds(std::string_view key) const {
    return required(get_seconds(key), key);
}

std::vector<std::string> Config::strings(std::string_view key) const {
    return get_strings(key).value_or(std::vector<std::string>());
}

std::vector<std::pair<std::string, std::string>> Config::get_table(std::string_view key) const {
    toml::table scratch;
    const toml::node* n = impl_->lookup(key, scratch);
    std::vector<std::pair<std::string, std::string>> out;
    if (!n) return out;
    const auto* t = n->as_table();
    if (!t) impl_->fail(key, "must be a table");
    for (const auto& [k, v] : *t) {
        auto s = v.value<std::string>();
        out.emplace_back(std::string(k.str()), s ? *s : render(v));
    }
    return out;
}

void Config::print(std::FILE* out) const {
    std::string text = "# effective configuration; file: " +
                       (impl_->path.empty() ? std::string("none") : impl_->path.string()) + "\n";
    const auto key_text = [&](const ConfigKey& spec, std::string_view section) {
        toml::table scratch;
        std::string origin;
        const toml::node* n = impl_->lookup(spec.key, scratch, &origin);
        text += "# " + std::string(spec.help) + "\n";
        std::string name(spec.key.substr(section.size() + 1));
        if (!n) {
            text += "# " + name + " is not set\n";
        } else if (spec.secret) {
            text += name + " = \"********\"  # " + origin + "\n";
        } else {
            text += name + " = " + render(*n) + "  # " + origin + "\n";
        }
    };
    // Sections in the order they first appear, each once, even when a tool adds keys to a
    // section declared before its own (swd-redist's [queue] keys).
    std::vector<std::string_view> sections;
    for (const auto& spec : impl_->keys)
        if (std::find(sections.begin(), sections.end(), section_of(spec.key)) == sections.end())
            sections.push_back(section_of(spec.key));
    for (const auto section : sections) {
        text += "\n[" + std::string(section) + "]\n";
        for (const auto& spec : impl_->keys)
            if (section_of(spec.key) == section) key_text(spec, section);
    }
    std::fputs(text.c_str(), out);
}

}  // namespace swd
