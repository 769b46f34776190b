#include "libcore/mail/compose.hpp"

#include <gmime/gmime.h>
#include <netdb.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdio>
#include <memory>
#include <mutex>
#include <random>

#include "libcore/base/error.hpp"
#include "libcore/base/text.hpp"

namespace swd::mail {

namespace {

void init_gmime() {
    static std::once_flag once;
    std::call_once(once, [] { g_mime_init(); });
}

/// Owns a GObject reference.
template <class T>
struct Unref {
    void operator()(T* p) const {
        if (p != nullptr) g_object_unref(p);
    }
};
template <class T>
using Ref = std::unique_ptr<T, Unref<T>>;

/// A header name is printable ASCII without ':' and spaces (RFC 5322 ftext).
bool valid_header_name(std::string_view name) {
    return !name.empty() && std::all_of(name.begin(), name.end(),
                                        [](char c) { return c > 32 && c < 127 && c != ':'; });
}

bool is_ascii(std::string_view text) {
    return std::all_of(text.begin(), text.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 128; });
}

/// Appends the addresses parsed from `text` to `list`; throws on text that holds none.
void add_addresses(InternetAddressList* list, const std::string& text, const char* what) {
    Ref<InternetAddressList> parsed(internet_address_list_parse(nullptr, one_line(text).c_str()));
    if (!parsed || internet_address_list_length(parsed.get()) == 0) {
        throw Error(Exit::usage, std::string(what) + " address '" + text + "' is not an address");
    }
    internet_address_list_append(list, parsed.get());
}

/// The body with LF line ends only (CRLF comes from the output format), ending in a newline.
std::string unix_lines(std::string_view body) {
    std::string out;
    out.reserve(body.size() + 1);
    for (std::size_t i = 0; i < body.size(); ++i) {
        if (body[i] == '\r') {
            if (i + 1 < body.size() && body[i + 1] == '\n') continue;
            out += '\n';
        } else {
            out += body[i];
        }
    }
    if (out.empty() || out.back() != '\n') out += '\n';
    return out;
}

GMimeContentEncoding body_encoding(std::string_view body) {
    if (!is_ascii(body)) return GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
    std::size_t line = 0;
    for (char c : body) {
        line = c == '\n' ? 0 : line + 1;
        if (line > 998 || c == '\0') return GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
    }
    return GMIME_CONTENT_ENCODING_7BIT;
}

}  // namespace

std::string compose(const Outgoing& msg) {
    init_gmime();
    Ref<GMimeMessage> message(g_mime_message_new(TRUE));
    add_addresses(g_mime_message_get_from(message.get()), msg.from, "sender");
    if (msg.to.empty()) throw Error(Exit::usage, "a message needs at least one recipient");
    for (const std::string& to : msg.to)
        add_addresses(g_mime_message_get_to(message.get()), to, "recipient");
    g_mime_message_set_subject(message.get(), one_line(msg.subject).c_str(), "utf-8");

    const timeutil::TimePoint when = msg.date == timeutil::TimePoint{} ? timeutil::now() : msg.date;
    GDateTime* date = g_date_time_new_from_unix_utc(when.time_since_epoch().count());
    g_mime_message_set_date(message.get(), date);
    g_date_time_unref(date);

    std::string id = msg.message_id.empty() ? make_message_id(host_name()) : msg.message_id;
    id = one_line(id);
    if (id.size() >= 2 && id.front() == '<' && id.back() == '>') id = id.substr(1, id.size() - 2);
    g_mime_message_set_message_id(message.get(), id.c_str());

    for (const auto& [name, value] : msg.headers) {
        if (!valid_header_name(name)) throw Error(Exit::usage, "bad header name '" + name + "'");
        g_mime_object_append_header(GMIME_OBJECT(message.get()), name.c_str(),
                                    one_line(value).c_str(), "utf-8");
    }

    const std::string body = unix_lines(msg.body);
    Ref<GMimeTextPart> part(g_mime_text_part_new_with_subtype("plain"));
    g_mime_text_part_set_charset(part.get(), is_ascii(body) ? "us-ascii" : "utf-8");
    Ref<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(body.data(), body.size()));
    Ref<GMimeDataWrapper> content(
        g_mime_data_wrapper_new_with_stream(stream.get(), GMIME_CONTENT_ENCODING_DEFAULT));
    g_mime_part_set_content(GMIME_PART(part.get()), content.get());
    g_mime_part_set_content_encoding(GMIME_PART(part.get()), body_encoding(body));
    g_mime_message_set_mime_part(message.get(), GMIME_OBJECT(part.get()));

    GMimeFormatOptions* options = g_mime_format_options_new();
    g_mime_format_options_set_newline_format(options, GMIME_NEWLINE_FORMAT_DOS);
    char* text = g_mime_object_to_string(GMIME_OBJECT(message.get()), options);
    g_mime_format_options_free(options);
    std::string out(text != nullptr ? text : "");
    g_free(text);
    return out;
}

std::string make_message_id(const std::string& domain) {
    static std::mutex mutex;
    static std::mt19937_64 rng{std::random_device{}()};
    std::uint64_t random = 0;
    {
        std::lock_guard lock(mutex);
        random = rng();
    }
    std::array<char, 17> hex{};
    std::snprintf(hex.data(), hex.size(), "%016llx", static_cast<unsigned long long>(random));
    const std::string stamp = timeutil::format_rfc3339(timeutil::now());  // 2026-11-21T10:15:03Z
    std::string digits;
    for (char c : stamp)
        if (c >= '0' && c <= '9') digits += c;
    return "<" + digits + "." + hex.data() + "@" + (domain.empty() ? "localhost" : domain) + ">";
}

std::string address_of(const std::string& mailbox) {
    init_gmime();
    Ref<InternetAddressList> parsed(internet_address_list_parse(nullptr, mailbox.c_str()));
    if (parsed && internet_address_list_length(parsed.get()) > 0) {
        InternetAddress* first = internet_address_list_get_address(parsed.get(), 0);
        if (INTERNET_ADDRESS_IS_MAILBOX(first)) {
            return internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(first));
        }
    }
    return mailbox;
}

std::string host_name() {
    // Looked up once: the canonical name may need DNS.
    static const std::string name = [] {
        std::array<char, HOST_NAME_MAX + 1> host{};
        if (gethostname(host.data(), host.size() - 1) != 0 || host[0] == '\0')
            return std::string("localhost");
        addrinfo hints{};
        hints.ai_flags = AI_CANONNAME;
        addrinfo* info = nullptr;
        std::string result = host.data();
        if (getaddrinfo(host.data(), nullptr, &hints, &info) == 0) {
            if (info != nullptr && info->ai_canonname != nullptr && *info->ai_canonname != '\0')
                result = info->ai_canonname;
            freeaddrinfo(info);
        }
        return result;
    }();
    return name;
}

}  // namespace swd::mail
