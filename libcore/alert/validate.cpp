#include "libcore/alert/validate.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <memory>

#include "libcore/alert/devices.hpp"
#include "libcore/base/format.hpp"
#include "libcore/base/input.hpp"
#include "libcore/base/jsonl.hpp"
#include "libcore/base/state.hpp"
#include "libcore/base/text.hpp"

namespace swd::validate {

std::string_view reason_name(Reason reason) {
    switch (reason) {
        case Reason::domain:
            return "domain";
        case Reason::subject:
            return "subject";
        case Reason::node:
            return "node";
        case Reason::incomplete:
            return "incomplete";
        case Reason::malformed:
            return "malformed";
    }
    return "malformed";
}

namespace {

char lower_ascii(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

void lower_into(std::string& out, std::string_view s) {
    out.assign(s);
    for (char& c : out)
        c = lower_ascii(c);
}

/// Lower-cases ASCII and the Latin-1 capitals in UTF-8 (É -> é, Ä -> ä) in place, keeping every
/// byte offset, so that a match in the folded text is at the same place in the original.
void fold_case(std::string& s) {
    for (std::size_t i = 0; i < s.size(); ++i) {
        s[i] = lower_ascii(s[i]);
        const auto next = i + 1 < s.size() ? static_cast<unsigned char>(s[i + 1]) : 0;
        // U+00C0..U+00DE except U+00D7 (multiplication sign) are C3 80..9E in UTF-8; their
        // small letters are 0x20 higher.
        if (static_cast<unsigned char>(s[i]) == 0xC3 && next >= 0x80 && next <= 0x9E &&
            next != 0x97) {
            s[i + 1] = static_cast<char>(next + 0x20);
            ++i;
        }
    }
}

/// The length of the blank (space, tab, line break, no-break space) at s[i], 0 when none.
std::size_t blank_at(std::string_view s, std::size_t i) {
    if (i >= s.size()) return 0;
    if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n') return 1;
    if (s.substr(i, 2) == "\xC2\xA0") return 2;
    return 0;
}

std::size_t skip_blanks(std::string_view s, std::size_t i) {
    while (std::size_t n = blank_at(s, i))
        i += n;
    return i;
}

bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

/// A value from the input as shown in a detail: at most 80 bytes (cut at a character
/// boundary), control characters escaped, so a hostile value cannot break a stderr line.
std::string shown(std::string_view s) {
    constexpr std::size_t limit = 80;
    std::size_t end = s.size();
    if (end > limit) {
        end = limit;
        while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80)
            --end;
    }
    std::string out = escape_controls(s.substr(0, end));
    if (end < s.size()) out += "...";
    return out;
}

/// User patterns see at most this much of a subject: std::regex recurses per character, and
/// real subjects are far shorter.
constexpr std::size_t pattern_window = 1024;

}  // namespace

std::optional<std::string_view> reply_prefix(std::string_view subject) {
    static constexpr std::array<std::string_view, 7> words{"re", "fwd", "fw", "aw",
                                                           "wg", "sv",  "tr"};
    std::size_t i = skip_blanks(subject, 0);
    // Tags such as "[EXTERNAL]" that mail gateways put in front of everything.
    while (i < subject.size() && subject[i] == '[') {
        const auto close = subject.find(']', i);
        if (close == std::string_view::npos) return std::nullopt;
        i = skip_blanks(subject, close + 1);
    }
    const std::size_t start = i;
    while (i < subject.size() && is_alpha(subject[i]) && i - start < 4)
        ++i;
    if (i == start || i - start > 3) return std::nullopt;
    char word[3];
    std::transform(subject.begin() + static_cast<std::ptrdiff_t>(start),
                   subject.begin() + static_cast<std::ptrdiff_t>(i), word, lower_ascii);
    const std::string_view w(word, i - start);
    if (std::find(words.begin(), words.end(), w) == words.end()) return std::nullopt;

    i = skip_blanks(subject, i);
    // A counter: "Re[2]:", "Re(3):".
    if (i < subject.size() && (subject[i] == '[' || subject[i] == '(')) {
        const char close = subject[i] == '[' ? ']' : ')';
        std::size_t j = i + 1;
        while (j < subject.size() && is_digit(subject[j]))
            ++j;
        if (j == i + 1 || j >= subject.size() || subject[j] != close) return std::nullopt;
        i = skip_blanks(subject, j + 1);
    }
    if (i < subject.size() && subject[i] == ':') return subject.substr(start, i + 1 - start);
    // The full-width colon of East Asian mail clients.
    if (subject.substr(i, 3) == "\xEF\xBC\x9A") return subject.substr(start, i + 3 - start);
    return std::nullopt;
}

std::optional<std::string_view> auto_reply_phrase(std::string_view subject) {
    // Lower case, as fold_case() leaves them.
    static constexpr std::array<std::string_view, 16> phrases{
        "out of office",
        "out of the office",
        "automatic reply",
        "automatic response",
        "auto-reply",
        "auto reply",
        "autoreply",
        "auto-response",
        "autoresponse",
        "abwesenheitsnotiz",
        "abwesenheitsmeldung",
        "automatische antwort",
        "r\xC3\xA9ponse automatique",  // réponse automatique
        "absence du bureau",
        "absent du bureau",
        "message d'absence",
    };
    thread_local std::string folded;
    folded.assign(subject);
    fold_case(folded);
    for (std::string_view phrase : phrases) {
        if (const auto at = folded.find(phrase); at != std::string::npos)
            return subject.substr(at, phrase.size());
    }
    return std::nullopt;
}

Validator::Validator(const Rules& rules) {
    std::string entry;
    for (const auto& d : rules.domains) {
        lower_into(entry, d);
        domains_.insert(entry);
    }
    for (const auto& n : rules.nodes) {
        lower_into(entry, n);
        nodes_.insert(entry);
    }
    const auto compile = [](const std::vector<std::string>& texts, std::string_view key) {
        std::vector<Pattern> out;
        for (const auto& text : texts) {
            try {
                out.push_back({text, std::regex(text, std::regex::ECMAScript | std::regex::icase |
                                                          std::regex::optimize)});
            } catch (const std::regex_error& e) {
                throw Error(Exit::config, "validate." + std::string(key) + ": '" + text +
                                              "' is not a regular expression: " + e.what());
            }
        }
        return out;
    };
    reply_ = compile(rules.reply_patterns, "reply_patterns");
    auto_reply_ = compile(rules.auto_reply_patterns, "auto_reply_patterns");
}

bool Validator::domain_known(std::string_view domain) {
    lower_into(scratch_, domain);
    std::string_view d = scratch_;
    if (d.ends_with('.')) d.remove_suffix(1);  // a fully qualified "example.com."
    for (;;) {
        if (domains_.find(d) != domains_.end()) return true;
        const auto dot = d.find('.');
        if (dot == std::string_view::npos) return false;
        d.remove_prefix(dot + 1);
    }
}

bool Validator::node_known(std::string_view node) {
    lower_into(scratch_, node);
    return nodes_.find(std::string_view(scratch_)) != nodes_.end();
}

std::optional<std::string> Validator::subject_problem(std::string_view subject,
                                                      std::string_view auto_submitted) {
    if (auto prefix = reply_prefix(subject)) return "subject starts with '" + shown(*prefix) + "'";
    if (auto phrase = auto_reply_phrase(subject))
        return "out-of-office or automatic reply: subject contains '" + shown(*phrase) + "'";
    // RFC 3834: "auto-replied" answers a message; "auto-generated" (our own alerts) is fine.
    // The value may carry parameters after a ";".
    std::string_view keyword = auto_submitted.substr(0, auto_submitted.find(';'));
    keyword = keyword.substr(skip_blanks(keyword, 0));
    while (!keyword.empty() && blank_at(keyword, keyword.size() - 1))
        keyword.remove_suffix(1);
    lower_into(scratch_, keyword);
    if (scratch_ == "auto-replied") return "Auto-Submitted: auto-replied";

    const std::string_view window = subject.substr(0, pattern_window);
    for (const auto& p : reply_) {
        if (std::regex_search(window.begin(), window.end(), p.re))
            return "subject matches reply pattern '" + p.text + "'";
    }
    for (const auto& p : auto_reply_) {
        if (std::regex_search(window.begin(), window.end(), p.re))
            return "subject matches auto-reply pattern '" + p.text + "'";
    }
    return std::nullopt;
}

std::optional<Reject> Validator::check(simdjson::dom::element record) {
    const auto type = jsonl::get_string(record, "type");
    if (!type) return Reject{Reason::malformed, "not an alert record (no \"type\")"};
    if (*type != "alert")
        return Reject{Reason::malformed, "not an alert record (type '" + shown(*type) + "')"};

    std::string_view node = jsonl::get_string(record, "node").value_or("");
    std::string_view domain = jsonl::get_string(record, "domain").value_or("");
    if (node.empty() || domain.empty()) {
        // Derive what is missing from the sender address, "swd@relay-a.east.example.com".
        std::string_view from = jsonl::get_string(record, "from").value_or("");
        const auto at = from.rfind('@');
        std::string_view host = at == std::string_view::npos ? "" : from.substr(at + 1);
        while (!host.empty() && (host.back() == '>' || blank_at(host, host.size() - 1)))
            host.remove_suffix(1);
        const auto dot = host.find('.');
        if (node.empty()) node = host.substr(0, dot);
        if (domain.empty() && dot != std::string_view::npos) domain = host.substr(dot + 1);
    }

    if (domain.empty()) return Reject{Reason::domain, "no sender domain"};
    if (!domain_known(domain))
        return Reject{Reason::domain, "domain '" + shown(domain) + "' is not in the domain list"};

    const auto subject = jsonl::get_string(record, "subject").value_or("");
    const auto auto_submitted = jsonl::get_string(record, "auto_submitted").value_or("");
    if (auto problem = subject_problem(subject, auto_submitted))
        return Reject{Reason::subject, std::move(*problem)};

    if (node.empty()) return Reject{Reason::node, "no sender node"};
    if (!node_known(node))
        return Reject{Reason::node, "node '" + shown(node) + "' is not in the node list"};

    // What swd-ticket needs to count an alert: without it, the alert would stop the pipeline
    // there instead of here.
    for (const char* field : {"id", "device"}) {
        if (jsonl::get_string(record, field).value_or("").empty())
            return Reject{Reason::incomplete,
                          std::string("no ") + field + " (swd-ticket needs it)"};
    }
    return std::nullopt;
}

std::vector<std::string> read_list(const std::string& path, bool domains) {
    LineReader lines(InputSpec{path});
    std::vector<std::string> out;
    std::string_view entry;
    while (lines.next(entry)) {
        const auto where = [&] { return path + ":" + std::to_string(lines.line_number()) + ": "; };
        entry = entry.substr(0, entry.find('#'));
        const auto first = entry.find_first_not_of(" \t");
        if (first == std::string_view::npos) continue;
        entry = entry.substr(first, entry.find_last_not_of(" \t") - first + 1);
        if (entry.find_first_of(" \t") != std::string_view::npos) {
            throw Error(Exit::config, where() + "'" + shown(entry) +
                                          "': one entry per line, without blanks inside");
        }
        if (domains) {
            if (entry.starts_with("*."))
                entry.remove_prefix(2);
            else if (entry.starts_with('.'))
                entry.remove_prefix(1);
            if (entry.ends_with('.')) entry.remove_suffix(1);
            if (entry.empty()) throw Error(Exit::config, where() + "empty domain");
        }
        std::string value;
        lower_into(value, entry);
        out.push_back(std::move(value));
    }
    return out;
}

const ConfigKeys& config_keys() {
    static const ConfigKeys keys{
        {"validate.domains", KeyKind::string, "",
         "domain list file, one per line (unset: the domains of the devices in the state file)"},
        {"validate.nodes", KeyKind::string, "",
         "node list file, one per line (unset: the names of the devices in the state file)"},
        {"validate.rejects", KeyKind::string, "",
         "append reject records to this file (unset: one stderr line per reject)"},
        {"validate.reply_patterns", KeyKind::strings, "",
         "extra regular expressions for reply and forward subjects (case-insensitive)"},
        {"validate.auto_reply_patterns", KeyKind::strings, "",
         "extra regular expressions for out-of-office and automatic-reply subjects"},
    };
    return keys;
}

}  // namespace swd::validate
