#include "libcore/alert/ingest.hpp"

#include <glib.h>
#include <openssl/evp.h>
#include <spdlog/spdlog.h>
#include <stdio_ext.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <unordered_map>
#include <unordered_set>

#include "libcore/base/claim.hpp"
#include "libcore/base/format.hpp"
#include "libcore/base/ids.hpp"
#include "libcore/base/jsonl.hpp"
#include "libcore/base/text.hpp"
#include "libcore/mail/mailbox.hpp"

namespace swd::ingest {

namespace {

/// Messages per state transaction: big enough to make the commit cost vanish, small enough
/// that records come out steadily.
constexpr std::size_t batch_size = 1000;

/// A source this large (bytes, or Maildir messages) shows a progress line on a terminal.
constexpr std::uint64_t progress_bytes = 64u << 20;
constexpr std::uint64_t progress_messages = 10000;

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

/// SHA-256 of `data`. The algorithm is fetched once and the context reused per thread: for
/// short inputs that setup is most of the cost.
std::array<unsigned char, 32> sha256(std::string_view data) {
    static EVP_MD* const algorithm = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    thread_local const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(
        EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    std::array<unsigned char, 32> md{};
    unsigned int len = 0;
    if (!algorithm || !ctx || !EVP_DigestInit_ex(ctx.get(), algorithm, nullptr) ||
        !EVP_DigestUpdate(ctx.get(), data.data(), data.size()) ||
        !EVP_DigestFinal_ex(ctx.get(), md.data(), &len))
        throw Error(Exit::partial, "sha256: OpenSSL failed");
    return md;
}

std::string sha256_hex(std::string_view data) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(64);
    for (unsigned char b : sha256(data)) {
        out += hex[b >> 4];
        out += hex[b & 15];
    }
    return out;
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

std::string_view field_name(Field f) {
    return field_info[static_cast<std::size_t>(f)].name;
}

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
            for (const auto& re :
                 config.get_strings("ingest.rules").value_or(std::vector<std::string>{}))
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
    const auto md = sha256(key);
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

void add_options(CLI::App& app, Options& opt) {
    app.add_option("source", opt.sources,
                   "mbox file, Maildir, message file, or - for stdin (default: stdin)")
        ->type_name("SOURCE");
    app.add_option("--rejects", opt.rejects, "append a reject record per rejected message here")
        ->type_name("FILE");
    app.add_flag("--all", opt.all, "Maildir: also read unseen messages in cur/");
    app.add_flag("--keep", opt.keep, "Maildir: leave every message where it is");
    app.add_flag("--no-state", opt.no_state,
                 "no state file: no dedupe, nothing moved, ids from the message hash");
}

namespace {

/// What a message becomes on the output: an `alert` record on stdout, or a reject (a warning
/// on stderr, and its `reject` record in the --rejects file).
struct Line {
    bool alert = false;
    std::string record;
    std::string source;
    std::string detail;  ///< a reject's reason, for the warning
};

/// One message on its way: read and parsed, waiting for its batch to be recorded.
struct Pending {
    std::string key;  // Message-ID, else "sha256:HEX" of the raw message
    std::optional<Alert> alert;
    std::string reason;  // a reject: "malformed", "too-large", "unreadable"
    std::string detail;
    std::string source;
    std::filesystem::path move_from, move_to;  // Maildir, unless kept
    bool duplicate = false;
    std::string id;
};

class Progress {
  public:
    Progress(std::string tool, bool enabled) : tool_(std::move(tool)), enabled_(enabled) {}

    /// `done` of `total`: bytes of an mbox, messages of a Maildir.
    void update(const std::string& name, bool maildir, std::uint64_t done,
                std::optional<std::uint64_t> total, std::uint64_t messages) {
        if (!enabled_) return;
        if (!total || *total < (maildir ? progress_messages : progress_bytes)) return;
        const auto now = std::chrono::steady_clock::now();
        if (now - last_ < std::chrono::milliseconds(250)) return;
        last_ = now;
        const double pct =
            *total ? 100.0 * static_cast<double>(done) / static_cast<double>(*total) : 100.0;
        std::fprintf(stderr, "\r%s: %s: %llu messages, %.0f%%\033[K", tool_.c_str(), name.c_str(),
                     static_cast<unsigned long long>(messages), pct);
        shown_ = true;
    }
    void clear() {
        if (!shown_) return;
        std::fputs("\r\033[K", stderr);
        shown_ = false;
    }

  private:
    std::string tool_;
    bool enabled_;
    bool shown_ = false;
    std::chrono::steady_clock::time_point last_{};
};

/// `s` fit for one stderr line: control characters (a newline in a Maildir file name, say)
/// written as C escapes (\n, \t, \x1b), so one reject is always one line.
std::string one_line(std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(s.size());
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x20 && u != 0x7F) {
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else {
            out += "\\x";
            out += hex[u >> 4];
            out += hex[u & 15];
        }
    }
    return out;
}

void flush_file(std::FILE* f, const std::string& what) {
    if (std::fflush(f) == 0) return;
    if (errno == EPIPE) throw OutputClosed();
    throw Error(Exit::partial, "writing " + what + ": " + errno_text(errno));
}

class Run {
  public:
    Run(Tool& tool, const Options& opt)
        : tool_(tool),
          opt_(opt),
          dry_run_(tool.common().dry_run),
          keep_(opt.keep || opt.no_state || tool.common().dry_run),
          out_(tool.format(), {"id", "date", "from", "failure", "device", "subject"}),
          progress_(tool.name(), isatty(STDERR_FILENO) && !tool.common().quiet) {}

    Exit go() {
        // Records go out a batch at a time (flush()): a pipe or file gets them in 64 KiB
        // writes, not in stdio's default 4 KiB ones. A terminal keeps its line buffering.
        static char out_buffer[1 << 16];
        if (!isatty(STDOUT_FILENO)) std::setvbuf(stdout, out_buffer, _IOFBF, sizeof out_buffer);
        const Config& config = tool_.config();
        rules_ = Rules::from_config(config);
        const auto max_size = config.get_int("ingest.max_size").value_or(33554432);
        if (max_size <= 0) throw Error(Exit::config, "ingest.max_size: must be positive");
        batch_.reserve(batch_size);
        read_options_.all = opt_.all;
        read_options_.max_size = static_cast<std::uint64_t>(max_size);
        const auto inputs = resolve_inputs(opt_.sources);

        if (!opt_.rejects.empty()) {
            rejects_.reset(std::fopen(opt_.rejects.c_str(), "ae"));
            if (!rejects_)
                throw Error(Exit::config, "--rejects " + opt_.rejects + ": " + errno_text(errno));
        }
        if (!opt_.no_state) {
            const auto path = state_path(tool_.common().state, config);
            if (!dry_run_ || std::filesystem::exists(path))
                state_.emplace(path, std::vector<const Schema*>{&ids::schema(), &schema()});
        }
        if (state_ && !dry_run_) recover();

        for (const auto& input : inputs) {
            if (interrupted()) break;
            read_source(input);
        }
        flush();
        if (written_ > 0) state_->write([&](SQLite::Database& db) { forget_written(db); });
        progress_.clear();
        out_.finish();
        spdlog::info("{} messages, {} alerts, {} rejects, {} duplicates", messages_, alerts_,
                     rejects_count_, duplicates_);
        if (recovered_ > 0)
            spdlog::info("{} records of an interrupted run written again", recovered_);
        if (taken_ > 0) spdlog::info("{} messages moved by another run meanwhile", taken_);
        if (interrupted()) return Exit::interrupted;
        return rejects_count_ || failures_ ? Exit::partial : Exit::ok;
    }

  private:
    void read_source(const InputSpec& input) {
        try {
            mailbox::Reader reader(input, read_options_);
            const mailbox::Kind kind = reader.kind();
            const bool maildir = kind == mailbox::Kind::maildir;
            // This thread parses and writes; a Maildir's files are read ahead on the reader's
            // own thread. Parsing on a third thread costs more than it gains: the parsed
            // messages' many small allocations would be freed on another thread than the one
            // that made them, and glibc's malloc pays dearly for that.
            mailbox::Item item;
            std::uint64_t count = 0;
            while (!interrupted() && reader.next(item)) {
                Pending p = prepare(kind, item);
                ++messages_;
                ++count;
                batch_.push_back(std::move(p));
                if (batch_.size() >= batch_size) flush();
                progress_.update(input.display(), maildir, maildir ? count : reader.done(),
                                 reader.total(), count);
            }
        } catch (const Error& e) {
            if (e.code() == Exit::interrupted) return;
            progress_.clear();
            spdlog::error("{}", one_line(e.what()));
            ++failures_;
        }
    }

    /// A message read, parsed and made an alert or a reject. Touches nothing but its
    /// arguments and constant settings, so it may run on another thread.
    /// Takes item.source (the reader makes a new one for each message).
    Pending prepare(mailbox::Kind kind, mailbox::Item& item) const {
        Pending p;
        p.source = std::move(item.source);
        if (!item.error.empty()) {
            p.reason = "unreadable";
            p.detail = item.error;
        } else if (item.too_large) {
            p.reason = "too-large";
            p.detail = "message of " + std::to_string(item.size) + " bytes, larger than " +
                       "ingest.max_size (" + std::to_string(read_options_.max_size) + ")";
        } else {
            try {
                p.alert = make_alert(message::parse(item.raw), rules_);
                if (p.alert->msg.message_id) p.key = *p.alert->msg.message_id;
            } catch (const Error& e) {
                p.reason = "malformed";
                p.detail = e.what();
            }
        }
        if (p.key.empty()) p.key = "sha256:" + sha256_hex(item.raw);
        if (kind == mailbox::Kind::maildir) {
            // An unreadable message stays where it is, to be read again once fixed.
            if (!keep_ && item.error.empty()) {
                p.move_from = item.path;
                p.move_to = mailbox::seen_path(item.path, !p.alert);
                p.source = "maildir:" + p.move_to.string();
            }
        }
        return p;
    }

    /// Records of a run that died between a commit and the write of what it committed: they
    /// are taken over (under this process's claim) and written first.
    void recover() {
        std::vector<std::string> gone;
        {
            SQLite::Statement owners(state_->db(), "SELECT DISTINCT owner FROM ingest_out");
            while (owners.executeStep()) {
                std::string owner = owners.getColumn(0).getString();
                if (!claim::alive(owner)) gone.push_back(std::move(owner));
            }
        }
        if (gone.empty()) return;
        state_->write([&](SQLite::Database& db) {
            lines_.clear();
            SQLite::Statement take(db, "UPDATE ingest_out SET owner = ?1 WHERE owner = ?2");
            for (const auto& owner : gone) {
                take.reset();
                take.bind(1, claim::self());
                take.bind(2, owner);
                take.exec();
            }
            SQLite::Statement q(db,
                                "SELECT seq, alert, record, source, detail FROM ingest_out "
                                "WHERE owner = ? ORDER BY seq");
            q.bind(1, claim::self());
            while (q.executeStep()) {
                written_ = q.getColumn(0).getInt64();
                lines_.push_back({q.getColumn(1).getInt() != 0, q.getColumn(2).getString(),
                                  q.getColumn(3).getString(), q.getColumn(4).getString()});
            }
        });
        recovered_ = lines_.size();
        emit();
    }

    /// Inside a transaction: the records this run has written need no keeping any more.
    void forget_written(SQLite::Database& db) {
        SQLite::Statement forget(db, "DELETE FROM ingest_out WHERE owner = ? AND seq <= ?");
        forget.bind(1, claim::self());
        forget.bind(2, written_);
        forget.exec();
    }

    /// The output of a message that is not a duplicate.
    Line line_of(const Pending& p) const {
        if (p.alert) return {true, alert_record(*p.alert, p.id, p.source), p.source, {}};
        jsonl::Record r("reject");
        r.field("stage", "ingest");
        r.field("reason", p.reason);
        r.field("detail", p.detail);
        r.field("source", p.source);
        return {false, r.finish(), p.source, p.detail};
    }

    /// Records the batch in the state file (skipping duplicates and giving ids) and commits,
    /// then writes its records, then moves its Maildir messages. No lock is held while the
    /// output blocks: the committed records wait in ingest_out until the next transaction, so
    /// a run killed in between has them written by the next run (a record may then come
    /// twice, with the same id, never not at all), and a Maildir message is moved only once
    /// its record is out.
    void flush() {
        if (batch_.empty()) return;
        if (state_ && !dry_run_) {
            std::int64_t last = written_;
            state_->write([&](SQLite::Database& db) {
                lines_.clear();
                last = written_;
                if (written_ > 0) forget_written(db);
                SQLite::Statement seen(db, "SELECT 1 FROM ingest_seen WHERE key = ?");
                SQLite::Statement add(
                    db, "INSERT INTO ingest_seen(key, alert, source, seen) VALUES(?, ?, ?, ?)");
                SQLite::Statement keep(db,
                                       "INSERT INTO ingest_out(owner, alert, record, source, "
                                       "detail) VALUES(?, ?, ?, ?, ?)");
                const std::string now = timeutil::format_rfc3339(timeutil::now());
                for (auto& p : batch_) {
                    seen.reset();
                    seen.bind(1, p.key);
                    p.duplicate = seen.executeStep();
                    if (p.duplicate) continue;
                    p.id.clear();
                    if (p.alert) {
                        p.id = ids::next(db, 'A', p.alert->msg.date.value_or(timeutil::now()));
                    }
                    add.reset();
                    add.bind(1, p.key);
                    if (p.alert)
                        add.bind(2, p.id);
                    else
                        add.bind(2);
                    add.bind(3, p.source);
                    add.bind(4, now);
                    add.exec();
                    lines_.push_back(line_of(p));
                    const Line& l = lines_.back();
                    keep.reset();
                    keep.bind(1, claim::self());
                    keep.bind(2, l.alert ? 1 : 0);
                    keep.bind(3, l.record);
                    keep.bind(4, l.source);
                    keep.bind(5, l.detail);
                    keep.exec();
                    last = db.getLastInsertRowid();
                }
            });
            emit();
            written_ = last;
        } else {
            lines_.clear();
            std::optional<SQLite::Statement> seen;
            if (state_) seen.emplace(state_->db(), "SELECT 1 FROM ingest_seen WHERE key = ?");
            for (auto& p : batch_) {
                if (seen) {
                    seen->reset();
                    seen->bind(1, p.key);
                    p.duplicate = seen->executeStep() || !dry_seen_.insert(p.key).second;
                }
                if (p.duplicate) continue;
                if (p.alert)
                    p.id = stateless_id(p.key, p.alert->msg.date.value_or(timeutil::TimePoint{}));
                lines_.push_back(line_of(p));
            }
            emit();
        }
        for (auto& p : batch_) {
            if (p.duplicate) {
                spdlog::debug("{}: duplicate of {}", one_line(p.source), one_line(p.key));
                ++duplicates_;
            } else if (p.alert) {
                ++alerts_;
            } else {
                ++rejects_count_;
            }
            if (p.move_from.empty()) continue;
            try {
                if (!mailbox::move(p.move_from, p.move_to)) {
                    spdlog::debug("{}: taken by another run", one_line(p.move_from.string()));
                    ++taken_;
                }
            } catch (const Error& e) {
                progress_.clear();
                spdlog::error("{}", one_line(e.what()));
                ++failures_;
            }
        }
        batch_.clear();
    }

    /// Writes lines_ and flushes them. A signal that breaks a blocked write is an interruption,
    /// not a write error: what was not written yet is dropped, not written at exit into a pipe
    /// that may never drain; it waits in ingest_out (or, without a state file, in the source)
    /// for the next run.
    void emit() {
        try {
            write_lines();
        } catch (const Error&) {
            if (!interrupted()) throw;
            __fpurge(stdout);
            batch_.clear();
            throw Error(Exit::interrupted, "interrupted");
        }
    }

    void write_lines() {
        progress_.clear();
        for (const auto& l : lines_) {
            if (l.alert) {
                out_.write(l.record);
                continue;
            }
            spdlog::warn("{}: {}", one_line(l.source), one_line(l.detail));
            if (rejects_) write_all(rejects_.get(), l.record + "\n");
        }
        flush_file(stdout, "output");
        if (rejects_) flush_file(rejects_.get(), opt_.rejects);
    }

    struct FileClose {
        void operator()(std::FILE* f) const { std::fclose(f); }
    };

    Tool& tool_;
    const Options& opt_;
    bool dry_run_;
    bool keep_;
    RecordOutput out_;
    Progress progress_;
    Rules rules_;
    mailbox::ReadOptions read_options_;
    std::optional<State> state_;
    std::unique_ptr<std::FILE, FileClose> rejects_;
    std::vector<Pending> batch_;
    std::vector<Line> lines_;   ///< what the batch (or a recovery) writes
    std::int64_t written_ = 0;  ///< ingest_out rows up to this one are written
    std::unordered_set<std::string> dry_seen_;
    std::uint64_t messages_ = 0, alerts_ = 0, rejects_count_ = 0, duplicates_ = 0, failures_ = 0;
    std::uint64_t recovered_ = 0, taken_ = 0;
};

}  // namespace

Exit run(Tool& tool, const Options& opt) {
    return Run(tool, opt).go();
}

}  // namespace swd::ingest
