#include "libcore/mail/message.hpp"

#include <gmime/gmime.h>
#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>

#include "libcore/base/error.hpp"
#include "libcore/base/text.hpp"

namespace swd::message {

namespace {

/// MIME nesting searched for the body text; deeper parts are ignored (bounded stack and work).
constexpr int max_depth = 64;

struct GObjectUnref {
    void operator()(gpointer p) const { g_object_unref(p); }
};
template <class T>
using GPtr = std::unique_ptr<T, GObjectUnref>;

struct GFree {
    void operator()(gpointer p) const { g_free(p); }
};
using GChars = std::unique_ptr<char, GFree>;

/// GMime's one-time setup, and parser options that accept what real mailers send.
GMimeParserOptions* parser_options() {
    static GMimeParserOptions* options = [] {
        static std::once_flag once;
        std::call_once(once, [] { g_mime_init(); });
        GMimeParserOptions* o = g_mime_parser_options_new();
        g_mime_parser_options_set_rfc2047_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
        g_mime_parser_options_set_address_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
        g_mime_parser_options_set_parameter_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
        // Undeclared 8-bit text: UTF-8 when it is valid, else the usual Western legacy charset.
        const char* fallback[] = {"UTF-8", "windows-1252", nullptr};
        g_mime_parser_options_set_fallback_charsets(o, fallback);
        return o;
    }();
    return options;
}

/// `s` as valid UTF-8 (invalid sequences become U+FFFD); no copy when it already is.
std::string valid_utf8(std::string s) {
    if (simdjson::validate_utf8(s)) return s;
    GChars fixed(g_utf8_make_valid(s.data(), static_cast<gssize>(s.size())));
    return fixed.get();
}

/// A header value with control characters (folding leftovers, NULs) turned into spaces.
std::optional<std::string> header_text(const char* value) {
    if (!value) return std::nullopt;
    std::string s = valid_utf8(std::string(trim(value)));
    for (char& c : s) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
    }
    if (s.empty()) return std::nullopt;
    return s;
}

/// ASCII case-insensitive equality, inline: header names are compared for every header line.
bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

/// True when the first line is a header field ("Name:"), as RFC 5322 requires.
bool starts_with_header(std::string_view raw) {
    std::size_t i = 0;
    while (i < raw.size() && raw[i] > 0x20 && raw[i] < 0x7F && raw[i] != ':')
        ++i;
    if (i == 0) return false;
    while (i < raw.size() && (raw[i] == ' ' || raw[i] == '\t'))
        ++i;
    return i < raw.size() && raw[i] == ':';
}

InternetAddressMailbox* first_mailbox(InternetAddressList* list, int depth = 0) {
    if (!list || depth > 2) return nullptr;
    const int n = internet_address_list_length(list);
    for (int i = 0; i < n; ++i) {
        InternetAddress* a = internet_address_list_get_address(list, i);
        if (INTERNET_ADDRESS_IS_MAILBOX(a)) return INTERNET_ADDRESS_MAILBOX(a);
        if (INTERNET_ADDRESS_IS_GROUP(a)) {
            auto* g = INTERNET_ADDRESS_GROUP(a);
            if (auto* mb = first_mailbox(internet_address_group_get_members(g), depth + 1))
                return mb;
        }
    }
    return nullptr;
}

/// Sets from, node and domain from a bare address; throws when there is none.
void set_address(Message& m, const char* addr) {
    auto text = header_text(addr);
    if (!text || text->find(' ') != std::string::npos)
        throw Error(Exit::partial, "no sender address");
    const std::size_t at = text->rfind('@');
    if (at == std::string::npos) {
        m.from = *text;
        return;
    }
    std::string host = ascii_lower(std::string_view(*text).substr(at + 1));
    while (!host.empty() && host.back() == '.')
        host.pop_back();
    m.from = text->substr(0, at + 1) + host;
    if (host.empty() || host.front() == '[') return;  // address literal: no names to split
    const std::size_t dot = host.find('.');
    m.node = host.substr(0, dot);
    if (dot != std::string::npos && dot + 1 < host.size()) m.domain = host.substr(dot + 1);
}

void set_date(Message& m, GDateTime* date) {
    if (date) m.date = timeutil::TimePoint(std::chrono::seconds(g_date_time_to_unix(date)));
}

void set_auto_submitted(Message& m, const char* value) {
    if (auto as = header_text(value))
        m.auto_submitted = ascii_lower(trim(std::string_view(*as).substr(0, as->find(';'))));
}

/// Decoded body bytes in `charset` (none: undeclared) as valid UTF-8 with "\n" line ends.
/// Unknown charsets and undeclared 8-bit text are decoded best-effort.
std::string to_utf8(const char* data, std::size_t len, const char* charset) {
    if (len == 0) return {};  // and `data` may be null
    const bool wide = charset && (g_ascii_strncasecmp(charset, "utf-16", 6) == 0 ||
                                  g_ascii_strncasecmp(charset, "utf-32", 6) == 0 ||
                                  g_ascii_strncasecmp(charset, "ucs", 3) == 0);
    if (!wide && std::memchr(data, 0, len)) {
        // A NUL byte is no text, and would end the C strings below: it becomes a space.
        std::string copy(data, len);
        std::replace(copy.begin(), copy.end(), '\0', ' ');
        return to_utf8(copy.data(), copy.size(), charset);
    }
    std::string text;
    const bool utf8_or_ascii = !charset || g_ascii_strcasecmp(charset, "utf-8") == 0 ||
                               g_ascii_strcasecmp(charset, "us-ascii") == 0 ||
                               g_ascii_strcasecmp(charset, "utf8") == 0;
    bool done = false;
    if (!utf8_or_ascii) {
        iconv_t cd = g_mime_iconv_open("UTF-8", charset);
        if (cd != reinterpret_cast<iconv_t>(-1)) {
            GChars converted(g_mime_iconv_strndup(cd, data, len));
            g_mime_iconv_close(cd);
            if (converted) {
                text = converted.get();
                done = true;
            }
        }
    }
    if (!done) {
        if (simdjson::validate_utf8(data, len)) {
            text.assign(data, len);
        } else {
            GChars guessed(g_mime_utils_decode_8bit(parser_options(), data, len));
            text = guessed ? guessed.get() : std::string();
        }
    }
    if (text.find('\r') != std::string::npos)
        text.erase(std::remove(text.begin(), text.end(), '\r'), text.end());
    return done ? valid_utf8(std::move(text)) : text;  // the other branches are valid already
}

/// The decoded bytes of a leaf part, converted to UTF-8.
std::string part_text(GMimePart* part) {
    GMimeDataWrapper* content = g_mime_part_get_content(part);
    if (!content) return {};
    GPtr<GMimeStream> out(g_mime_stream_mem_new());
    g_mime_data_wrapper_write_to_stream(content, out.get());
    GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out.get()));
    return to_utf8(reinterpret_cast<const char*>(bytes->data), bytes->len,
                   g_mime_object_get_content_type_parameter(GMIME_OBJECT(part), "charset"));
}

/// Where the body text is.
struct TextSearch {
    GMimePart* plain = nullptr;
    GMimePart* html = nullptr;
};

void find_text(GMimeObject* obj, int depth, TextSearch& found) {
    if (!obj || depth > max_depth || found.plain) return;
    if (GMIME_IS_MULTIPART(obj)) {
        auto* mp = GMIME_MULTIPART(obj);
        const int n = g_mime_multipart_get_count(mp);
        for (int i = 0; i < n && !found.plain; ++i)
            find_text(g_mime_multipart_get_part(mp, i), depth + 1, found);
        return;
    }
    if (!GMIME_IS_PART(obj)) return;  // an attached message is not this message's text
    auto* part = GMIME_PART(obj);
    if (g_mime_part_is_attachment(part)) return;
    GMimeContentType* ct = g_mime_object_get_content_type(obj);
    if (g_mime_content_type_is_type(ct, "text", "plain")) {
        found.plain = part;
    } else if (!found.html && g_mime_content_type_is_type(ct, "text", "html")) {
        found.html = part;
    }
}

/// The message a forward carries: a message/rfc822 part of the top-level multipart, or the
/// whole body when it is one.
GMimeMessage* forwarded_message(GMimeObject* top) {
    if (GMIME_IS_MESSAGE_PART(top)) return g_mime_message_part_get_message(GMIME_MESSAGE_PART(top));
    if (!GMIME_IS_MULTIPART(top)) return nullptr;
    auto* mp = GMIME_MULTIPART(top);
    const int n = g_mime_multipart_get_count(mp);
    for (int i = 0; i < n; ++i) {
        GMimeObject* child = g_mime_multipart_get_part(mp, i);
        if (GMIME_IS_MESSAGE_PART(child))
            return g_mime_message_part_get_message(GMIME_MESSAGE_PART(child));
    }
    return nullptr;
}

std::string body_text(GMimeObject* top) {
    TextSearch found;
    find_text(top, 0, found);
    if (found.plain) return part_text(found.plain);
    if (found.html) return html_to_text(part_text(found.html));
    return {};
}

// ---- HTML ----

struct Entity {
    std::string_view name;
    char32_t code;
};

/// The HTML 4 Latin-1 entities and the common punctuation ones.
constexpr Entity entities[] = {
    {"amp", '&'},      {"lt", '<'},       {"gt", '>'},       {"quot", '"'},      {"apos", '\''},
    {"nbsp", ' '},     {"iexcl", 0xA1},   {"cent", 0xA2},    {"pound", 0xA3},    {"curren", 0xA4},
    {"yen", 0xA5},     {"brvbar", 0xA6},  {"sect", 0xA7},    {"uml", 0xA8},      {"copy", 0xA9},
    {"ordf", 0xAA},    {"laquo", 0xAB},   {"not", 0xAC},     {"shy", 0xAD},      {"reg", 0xAE},
    {"macr", 0xAF},    {"deg", 0xB0},     {"plusmn", 0xB1},  {"sup2", 0xB2},     {"sup3", 0xB3},
    {"acute", 0xB4},   {"micro", 0xB5},   {"para", 0xB6},    {"middot", 0xB7},   {"cedil", 0xB8},
    {"sup1", 0xB9},    {"ordm", 0xBA},    {"raquo", 0xBB},   {"frac14", 0xBC},   {"frac12", 0xBD},
    {"frac34", 0xBE},  {"iquest", 0xBF},  {"Agrave", 0xC0},  {"Aacute", 0xC1},   {"Acirc", 0xC2},
    {"Atilde", 0xC3},  {"Auml", 0xC4},    {"Aring", 0xC5},   {"AElig", 0xC6},    {"Ccedil", 0xC7},
    {"Egrave", 0xC8},  {"Eacute", 0xC9},  {"Ecirc", 0xCA},   {"Euml", 0xCB},     {"Igrave", 0xCC},
    {"Iacute", 0xCD},  {"Icirc", 0xCE},   {"Iuml", 0xCF},    {"ETH", 0xD0},      {"Ntilde", 0xD1},
    {"Ograve", 0xD2},  {"Oacute", 0xD3},  {"Ocirc", 0xD4},   {"Otilde", 0xD5},   {"Ouml", 0xD6},
    {"times", 0xD7},   {"Oslash", 0xD8},  {"Ugrave", 0xD9},  {"Uacute", 0xDA},   {"Ucirc", 0xDB},
    {"Uuml", 0xDC},    {"Yacute", 0xDD},  {"THORN", 0xDE},   {"szlig", 0xDF},    {"agrave", 0xE0},
    {"aacute", 0xE1},  {"acirc", 0xE2},   {"atilde", 0xE3},  {"auml", 0xE4},     {"aring", 0xE5},
    {"aelig", 0xE6},   {"ccedil", 0xE7},  {"egrave", 0xE8},  {"eacute", 0xE9},   {"ecirc", 0xEA},
    {"euml", 0xEB},    {"igrave", 0xEC},  {"iacute", 0xED},  {"icirc", 0xEE},    {"iuml", 0xEF},
    {"eth", 0xF0},     {"ntilde", 0xF1},  {"ograve", 0xF2},  {"oacute", 0xF3},   {"ocirc", 0xF4},
    {"otilde", 0xF5},  {"ouml", 0xF6},    {"divide", 0xF7},  {"oslash", 0xF8},   {"ugrave", 0xF9},
    {"uacute", 0xFA},  {"ucirc", 0xFB},   {"uuml", 0xFC},    {"yacute", 0xFD},   {"thorn", 0xFE},
    {"yuml", 0xFF},    {"ndash", 0x2013}, {"mdash", 0x2014}, {"lsquo", 0x2018},  {"rsquo", 0x2019},
    {"ldquo", 0x201C}, {"rdquo", 0x201D}, {"bull", 0x2022},  {"hellip", 0x2026}, {"euro", 0x20AC},
    {"trade", 0x2122}, {"larr", 0x2190},  {"rarr", 0x2192},
};

void append_utf8(std::string& out, char32_t c) {
    if (c == 0 || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) c = 0xFFFD;
    char buf[6];
    const int n = g_unichar_to_utf8(static_cast<gunichar>(c), buf);
    out.append(buf, static_cast<std::size_t>(n));
}

/// Decodes the character reference at html[i] == '&'; returns the index after it, or i + 1
/// (with a literal '&' appended) when it is not one.
std::size_t decode_entity(std::string_view html, std::size_t i, std::string& out) {
    const std::size_t semi = html.find(';', i + 1);
    if (semi == std::string_view::npos || semi - i > 12) {
        out += '&';
        return i + 1;
    }
    std::string_view ref = html.substr(i + 1, semi - i - 1);
    if (!ref.empty() && ref[0] == '#') {
        const bool hex = ref.size() > 1 && (ref[1] == 'x' || ref[1] == 'X');
        std::string_view digits = ref.substr(hex ? 2 : 1);
        char32_t code = 0;
        bool ok = !digits.empty();
        for (char c : digits) {
            const int d = hex ? g_ascii_xdigit_value(c) : g_ascii_digit_value(c);
            if (d < 0 || code > 0x10FFFF) {
                ok = false;
                break;
            }
            code = code * (hex ? 16 : 10) + static_cast<char32_t>(d);
        }
        if (ok) {
            append_utf8(out, code);
            return semi + 1;
        }
    } else {
        for (const auto& e : entities) {
            if (e.name == ref) {
                append_utf8(out, e.code);
                return semi + 1;
            }
        }
    }
    out += '&';
    return i + 1;
}

bool is_block(std::string_view name) {
    static constexpr std::string_view blocks[] = {
        "br", "p",   "div", "tr",    "li",   "h1",      "h2",      "h3",
        "h4", "h5",  "h6",  "table", "ul",   "ol",      "dl",      "dt",
        "dd", "pre", "hr",  "body",  "html", "section", "article", "blockquote"};
    return std::find(std::begin(blocks), std::end(blocks), name) != std::end(blocks);
}

/// Index after the end tag "</name ...>" searched case-insensitively from `from`, or the end.
std::size_t skip_element(std::string_view html, std::size_t from, std::string_view name) {
    std::size_t i = from;
    while ((i = html.find("</", i)) != std::string_view::npos) {
        if (html.size() - i - 2 >= name.size() &&
            g_ascii_strncasecmp(html.data() + i + 2, name.data(), name.size()) == 0) {
            const std::size_t close = html.find('>', i);
            return close == std::string_view::npos ? html.size() : close + 1;
        }
        i += 2;
    }
    return html.size();
}

void end_line(std::string& out) {
    while (!out.empty() && out.back() == ' ')
        out.pop_back();
    if (!out.empty() && out.back() != '\n') out += '\n';
}

}  // namespace

std::optional<timeutil::TimePoint> parse_date(std::string_view text) {
    if (auto t = timeutil::parse_rfc3339(trim(text))) return t;
    parser_options();  // GMime initialised
    const std::string s(trim(text));
    GDateTime* date = g_mime_utils_header_decode_date(s.c_str());
    if (!date) return std::nullopt;
    const auto t = timeutil::TimePoint(std::chrono::seconds(g_date_time_to_unix(date)));
    g_date_time_unref(date);
    return t;
}

std::string html_to_text(std::string_view html) {
    std::string out;
    out.reserve(html.size());
    std::size_t i = 0;
    while (i < html.size()) {
        const char c = html[i];
        if (c == '<') {
            if (html.substr(i, 4) == "<!--") {
                const std::size_t end = html.find("-->", i + 4);
                i = end == std::string_view::npos ? html.size() : end + 3;
                continue;
            }
            const std::size_t end = html.find('>', i + 1);
            if (end == std::string_view::npos) break;
            std::string_view tag = html.substr(i + 1, end - i - 1);
            i = end + 1;
            const bool closing = !tag.empty() && tag[0] == '/';
            if (closing) tag.remove_prefix(1);
            std::size_t len = 0;
            while (len < tag.size() && g_ascii_isalnum(tag[len]))
                ++len;
            const std::string name = ascii_lower(tag.substr(0, len));
            if (!closing &&
                (name == "script" || name == "style" || name == "head" || name == "title")) {
                i = skip_element(html, i, name);
            } else if (is_block(name)) {
                end_line(out);
            } else if ((name == "td" || name == "th") && closing) {
                if (!out.empty() && out.back() != ' ' && out.back() != '\n') out += ' ';
            }
            continue;
        }
        if (c == '&') {
            i = decode_entity(html, i, out);
            continue;
        }
        if (g_ascii_isspace(c)) {
            if (!out.empty() && out.back() != ' ' && out.back() != '\n') out += ' ';
        } else {
            out += c;
        }
        ++i;
    }
    end_line(out);
    return out;
}

namespace {

/// The full parse: GMime's object tree.
Message parse_mime(std::string_view raw) {
    GMimeParserOptions* options = parser_options();
    GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(raw.data(), raw.size()));
    GPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
    g_mime_parser_set_format(parser.get(), GMIME_FORMAT_MESSAGE);
    GPtr<GMimeMessage> msg(g_mime_parser_construct_message(parser.get(), options));
    if (!msg) throw Error(Exit::partial, "no header block");

    Message m;
    InternetAddressMailbox* mb = first_mailbox(g_mime_message_get_from(msg.get()));
    set_address(m, mb ? internet_address_mailbox_get_addr(mb) : nullptr);
    if (auto id = header_text(g_mime_message_get_message_id(msg.get())))
        m.message_id = "<" + *id + ">";
    set_date(m, g_mime_message_get_date(msg.get()));
    m.subject = header_text(g_mime_message_get_subject(msg.get()));
    set_auto_submitted(m, g_mime_object_get_header(GMIME_OBJECT(msg.get()), "Auto-Submitted"));

    GMimeObject* top = g_mime_message_get_mime_part(msg.get());
    if (GMimeMessage* inner = forwarded_message(top)) {
        m.forwarded = true;
        m.body = body_text(g_mime_message_get_mime_part(inner));
    } else {
        m.body = body_text(top);
    }
    return m;
}

/// The usual form of an RFC 5322 date, "Sat, 21 Nov 2026 11:15:03 +0100" (day name and seconds
/// optional), read without GMime's time-zone objects; nullopt for any other form, which
/// g_mime_utils_header_decode_date() then reads.
std::optional<timeutil::TimePoint> usual_date(std::string_view s) {
    using namespace std::chrono;
    s = trim(s);
    if (s.size() > 5 && s[3] == ',' && g_ascii_isalpha(s[0])) s = trim(s.substr(4));
    std::size_t i = 0;
    const auto number = [&](std::size_t min, std::size_t max, int& out) {
        const std::size_t start = i;
        out = 0;
        while (i < s.size() && i - start < max && g_ascii_isdigit(s[i]))
            out = out * 10 + (s[i++] - '0');
        return i - start >= min;
    };
    const auto skip = [&](char c) { return i < s.size() && s[i++] == c; };
    int d = 0, y = 0, hh = 0, mm = 0, ss = 0, zone = 0;
    if (!number(1, 2, d) || !skip(' ') || i + 4 > s.size()) return std::nullopt;
    static constexpr std::string_view months[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                                  "jul", "aug", "sep", "oct", "nov", "dec"};
    unsigned mon = 0;
    for (unsigned k = 0; k < 12; ++k) {
        if (g_ascii_strncasecmp(s.data() + i, months[k].data(), 3) == 0) mon = k + 1;
    }
    i += 3;
    if (!mon || !skip(' ') || !number(4, 4, y) || !skip(' ') || !number(2, 2, hh) || !skip(':') ||
        !number(2, 2, mm))
        return std::nullopt;
    if (i < s.size() && s[i] == ':' && (++i, !number(2, 2, ss))) return std::nullopt;
    if (!skip(' ') || i >= s.size() || (s[i] != '+' && s[i] != '-')) return std::nullopt;
    const int sign = s[i++] == '-' ? -1 : 1;
    if (!number(4, 4, zone) || trim(s.substr(i)).size() != 0) return std::nullopt;
    const year_month_day ymd{year{y}, month{mon}, day{static_cast<unsigned>(d)}};
    if (!ymd.ok() || hh > 23 || mm > 59 || ss > 59 || zone % 100 > 59) return std::nullopt;
    const auto offset = sign * (minutes{zone / 100 * 60 + zone % 100});
    return timeutil::TimePoint(sys_days(ymd) + hours{hh} + minutes{mm} + seconds{ss} - offset);
}

/// The headers the fast path reads.
enum Wanted {
    from,
    message_id,
    date,
    subject,
    auto_submitted,
    content_type,
    encoding,
    disposition
};
constexpr std::string_view wanted_names[] = {"from",
                                             "message-id",
                                             "date",
                                             "subject",
                                             "auto-submitted",
                                             "content-type",
                                             "content-transfer-encoding",
                                             "content-disposition"};

/// Whether `addr` is a plain addr-spec (dot-atom local part, ASCII host name).
bool plain_address(std::string_view addr) {
    const std::size_t at = addr.find('@');
    if (at == 0 || at == std::string_view::npos || at + 1 == addr.size()) return false;
    for (std::size_t i = 0; i < addr.size(); ++i) {
        const char c = addr[i];
        if (i == at) continue;
        const bool ok = i < at ? g_ascii_isalnum(c) || std::strchr(".!#$%&'*+/=?^_`{|}~-", c)
                               : g_ascii_isalnum(c) || c == '.' || c == '-';
        if (!ok) return false;
    }
    return addr.find("xn--", at) == std::string_view::npos;  // IDN: GMime decodes those
}

/// The address of a From value of the form "addr" or "Display Name <addr>"; nullopt for any
/// other form (groups, several addresses, comments), which the full parse handles.
std::optional<std::string> simple_from(std::string_view v) {
    v = trim(v);
    std::string_view addr = v;
    const std::size_t lt = v.find('<');
    if (lt != std::string_view::npos) {
        if (!v.ends_with('>') || v.find('<', lt + 1) != std::string_view::npos) return std::nullopt;
        const std::string_view display = v.substr(0, lt);
        if (display.find_first_of(">,;:()\\@[]") != std::string_view::npos ||
            std::count(display.begin(), display.end(), '"') % 2 != 0)
            return std::nullopt;
        addr = trim(v.substr(lt + 1, v.size() - lt - 2));
    }
    if (!plain_address(addr)) return std::nullopt;
    return std::string(addr);
}

/// The charset of a "text/plain; ..." Content-Type value: nullopt when the type is another
/// one or the value is not simple (comments, RFC 2231 parameters); "" when there is no charset.
std::optional<std::string> plain_text_charset(std::string_view v) {
    if (v.find_first_of("(\\*") != std::string_view::npos) return std::nullopt;
    std::size_t semi = v.find(';');
    if (ascii_lower(trim(v.substr(0, semi))) != "text/plain") return std::nullopt;
    std::string charset;
    while (semi != std::string_view::npos) {
        const std::size_t start = semi + 1;
        semi = v.find(';', start);
        std::string_view param =
            v.substr(start, semi == std::string_view::npos ? semi : semi - start);
        const std::size_t eq = param.find('=');
        if (eq == std::string_view::npos) continue;
        if (ascii_lower(trim(param.substr(0, eq))) != "charset") continue;
        std::string_view value = trim(param.substr(eq + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
            value = value.substr(1, value.size() - 2);
        if (value.find('"') != std::string_view::npos) return std::nullopt;
        charset = value;
    }
    return charset;
}

/// Whether a header line is all printable ASCII (tabs allowed). Eight bytes at a time: a word
/// with no byte below 0x20 or above 0x7F passes at once, any other is looked at byte by byte.
bool plain_header_line(std::string_view line) {
    const auto plain = [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u < 0x80 && (u >= 0x20 || c == '\t');
    };
    constexpr std::uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    std::size_t i = 0;
    for (; i + 8 <= line.size(); i += 8) {
        std::uint64_t w;
        std::memcpy(&w, line.data() + i, sizeof w);
        if (((w | ((w - 0x20 * ones) & ~w)) & highs) == 0) continue;  // all in [0x20, 0x7F]
        for (std::size_t k = i; k < i + 8; ++k) {
            if (!plain(line[k])) return false;
        }
    }
    for (; i < line.size(); ++i) {
        if (!plain(line[i])) return false;
    }
    return true;
}

/// The fast path for what alerts almost always are: ASCII headers, one text/plain body, no
/// MIME structure. Reads the same values with the same GMime functions as the full parse,
/// without building its object tree. nullopt when the message is anything else.
std::optional<Message> parse_simple(std::string_view raw) {
    struct Span {
        std::size_t begin = 0, end = 0;
        bool set = false;
    };
    Span spans[std::size(wanted_names)];
    int current = -1;
    std::size_t pos = 0;
    bool ended = false;
    while (pos < raw.size()) {
        std::size_t nl = raw.find('\n', pos);
        if (nl == std::string_view::npos) nl = raw.size();
        std::string_view line = raw.substr(pos, nl - pos);
        const std::size_t next = nl + 1;
        if (line.ends_with('\r')) line.remove_suffix(1);
        if (line.empty()) {
            pos = next;
            ended = true;
            break;
        }
        if (!plain_header_line(line)) return std::nullopt;
        if (line[0] == ' ' || line[0] == '\t') {
            if (current >= 0) spans[current].end = pos + line.size();
        } else {
            const std::size_t colon = line.find(':');
            if (colon == std::string_view::npos || colon == 0) return std::nullopt;
            const std::string_view name = line.substr(0, colon);
            // Blanks before the colon ("Subject : x"): GMime's parser knows that form.
            if (std::any_of(name.begin(), name.end(), [](char c) { return c == ' ' || c == '\t'; }))
                return std::nullopt;
            current = -1;
            for (std::size_t w = 0; w < std::size(wanted_names); ++w) {
                if (iequals(name, wanted_names[w])) current = static_cast<int>(w);
            }
            if (current >= 0) {
                if (spans[current].set) return std::nullopt;
                spans[current] = {pos + colon + 1, pos + line.size(), true};
            }
        }
        pos = next;
    }
    if (!ended || spans[disposition].set) return std::nullopt;

    // What g_mime_header_get_value() gives: unfolded as g_mime_utils_header_unfold() does
    // (blanks trimmed, CR and LF dropped), then RFC 2047 words decoded (ASCII text without "=?"
    // has none).
    const auto value = [&](Wanted w) -> std::optional<std::string> {
        if (!spans[w].set) return std::nullopt;
        std::string_view folded = raw.substr(spans[w].begin, spans[w].end - spans[w].begin);
        const auto lwsp = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
        while (!folded.empty() && lwsp(folded.front()))
            folded.remove_prefix(1);
        while (!folded.empty() && lwsp(folded.back()))
            folded.remove_suffix(1);
        std::string unfolded;
        unfolded.reserve(folded.size());
        for (char c : folded) {
            if (c != '\r' && c != '\n') unfolded += c;
        }
        if (unfolded.find("=?") == std::string::npos) return unfolded;
        GChars decoded(g_mime_utils_header_decode_text(parser_options(), unfolded.c_str()));
        return std::string(decoded.get());
    };

    std::optional<std::string> charset;
    if (auto ct = value(content_type)) {
        charset = plain_text_charset(*ct);
        if (!charset) return std::nullopt;
    }
    const auto sender = value(from);
    const auto addr = sender ? simple_from(*sender) : std::nullopt;
    if (!addr) return std::nullopt;

    Message m;
    set_address(m, addr->c_str());
    if (auto id = value(message_id)) {
        GChars decoded(g_mime_utils_decode_message_id(id->c_str()));
        if (auto text = header_text(decoded.get())) m.message_id = "<" + *text + ">";
    }
    if (auto d = value(date)) {
        m.date = usual_date(*d);
        if (!m.date) {
            GDateTime* t = g_mime_utils_header_decode_date(d->c_str());
            set_date(m, t);
            if (t) g_date_time_unref(t);
        }
    }
    if (auto subj = value(subject)) m.subject = header_text(subj->c_str());
    if (auto as = value(auto_submitted)) set_auto_submitted(m, as->c_str());

    std::string_view body = raw.substr(std::min(pos, raw.size()));
    GMimeContentEncoding enc = GMIME_CONTENT_ENCODING_DEFAULT;
    if (auto e = value(encoding)) enc = g_mime_content_encoding_from_string(e->c_str());
    std::string decoded;
    if (enc == GMIME_CONTENT_ENCODING_BASE64 || enc == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE ||
        enc == GMIME_CONTENT_ENCODING_UUENCODE) {
        GMimeEncoding state;
        g_mime_encoding_init_decode(&state, enc);
        decoded.resize(g_mime_encoding_outlen(&state, body.size()));
        decoded.resize(g_mime_encoding_flush(&state, body.data(), body.size(), decoded.data()));
        body = decoded;
    }
    m.body = to_utf8(body.data(), body.size(),
                     charset && !charset->empty() ? charset->c_str() : nullptr);
    return m;
}

}  // namespace

Message parse(std::string_view raw, bool fast) {
    parser_options();  // GMime initialised
    if (trim(raw).empty()) throw Error(Exit::partial, "empty message");
    if (!starts_with_header(raw)) throw Error(Exit::partial, "no header block");
    if (fast) {
        if (auto m = parse_simple(raw)) return std::move(*m);
    }
    return parse_mime(raw);
}

}  // namespace swd::message
