#include <gmime/gmime.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "libcore/base/error.hpp"
#include "libcore/mail/compose.hpp"

namespace {

using swd::mail::Outgoing;

/// A composed message parsed back by GMime, for assertions.
class Parsed {
  public:
    explicit Parsed(const std::string& bytes) {
        GMimeStream* stream = g_mime_stream_mem_new_with_buffer(bytes.data(), bytes.size());
        GMimeParser* parser = g_mime_parser_new_with_stream(stream);
        message_ = g_mime_parser_construct_message(parser, nullptr);
        g_object_unref(parser);
        g_object_unref(stream);
        REQUIRE(message_ != nullptr);
    }
    ~Parsed() { g_object_unref(message_); }
    Parsed(const Parsed&) = delete;
    Parsed& operator=(const Parsed&) = delete;

    std::string subject() const { return text(g_mime_message_get_subject(message_)); }
    std::string message_id() const { return text(g_mime_message_get_message_id(message_)); }
    std::string header(const char* name) const {
        return text(g_mime_object_get_header(GMIME_OBJECT(message_), name));
    }
    std::string body_header(const char* name) const {
        return text(g_mime_object_get_header(g_mime_message_get_body(message_), name));
    }
    std::string addresses(GMimeAddressType type) const {
        char* s = internet_address_list_to_string(g_mime_message_get_addresses(message_, type),
                                                  nullptr, FALSE);
        std::string out = text(s);
        g_free(s);
        return out;
    }
    std::int64_t date() const {
        GDateTime* d = g_mime_message_get_date(message_);
        return d == nullptr ? -1 : g_date_time_to_unix(d);
    }
    std::string body() const {
        GMimeObject* part = g_mime_message_get_body(message_);
        REQUIRE(GMIME_IS_TEXT_PART(part));
        char* s = g_mime_text_part_get_text(GMIME_TEXT_PART(part));
        std::string out = text(s);
        g_free(s);
        return out;
    }
    std::string content_type() const {
        GMimeObject* part = g_mime_message_get_body(message_);
        char* s = g_mime_content_type_get_mime_type(g_mime_object_get_content_type(part));
        std::string out = text(s);
        g_free(s);
        const char* charset = g_mime_object_get_content_type_parameter(part, "charset");
        return out + "; charset=" + text(charset);
    }

  private:
    static std::string text(const char* s) { return s == nullptr ? "" : s; }
    GMimeMessage* message_ = nullptr;
};

Outgoing sample() {
    Outgoing m;
    m.from = "swd-ticket <swd@service.example.com>";
    m.to = {"mc-east@example.com", "Pager East <pager-east@example.com>"};
    m.subject = "[T-20261121-0007] connection failure: pos-0042";
    m.body = "Device: pos-0042\nFailure: connection\n";
    m.message_id = "<T-20261121-0007.1@service.example.com>";
    m.date = swd::timeutil::parse_rfc3339("2026-11-21T10:15:03Z").value();
    m.headers = {{"References", "<T-20261121-0007.1@service.example.com>"},
                 {"Auto-Submitted", "auto-generated"}};
    return m;
}

bool crlf_only(const std::string& text) {
    for (std::size_t i = 0; i < text.size(); ++i)
        if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) return false;
    return true;
}

}  // namespace

TEST_CASE("compose writes an RFC 5322 message that parses back", "[mail]") {
    const std::string bytes = swd::mail::compose(sample());
    CHECK(crlf_only(bytes));
    CHECK(bytes.find("\r\n\r\n") != std::string::npos);
    Parsed p(bytes);
    CHECK(p.subject() == "[T-20261121-0007] connection failure: pos-0042");
    CHECK(p.message_id() == "T-20261121-0007.1@service.example.com");
    CHECK(p.addresses(GMIME_ADDRESS_TYPE_FROM) == "swd-ticket <swd@service.example.com>");
    CHECK(p.addresses(GMIME_ADDRESS_TYPE_TO) ==
          "mc-east@example.com, Pager East <pager-east@example.com>");
    CHECK(p.date() == 1795256103);
    CHECK(p.header("Date") == "Sat, 21 Nov 2026 10:15:03 +0000");
    CHECK(p.header("References") == "<T-20261121-0007.1@service.example.com>");
    CHECK(p.header("Auto-Submitted") == "auto-generated");
    CHECK(p.header("MIME-Version") == "1.0");
    CHECK(p.content_type() == "text/plain; charset=us-ascii");
    CHECK(p.body_header("Content-Transfer-Encoding") == "7bit");
    CHECK(p.body() == "Device: pos-0042\r\nFailure: connection\r\n");
}

TEST_CASE("UTF-8 subject and body are encoded and decode back", "[mail]") {
    Outgoing m = sample();
    m.subject = "[T-20261121-0008] Störung: Kasse Zürich — 東京";
    m.body = "Standort: Gebäude 12/Raum 3\nÜberprüfung: 東京\n";
    const std::string bytes = swd::mail::compose(m);
    for (char c : bytes)
        REQUIRE(static_cast<unsigned char>(c) < 128);
    CHECK(bytes.find("Subject: [T-20261121-0008]\r\n =?UTF-8?B?") != std::string::npos);
    CHECK(crlf_only(bytes));
    Parsed p(bytes);
    CHECK(p.subject() == m.subject);
    CHECK(p.content_type() == "text/plain; charset=utf-8");
    CHECK(p.body_header("Content-Transfer-Encoding") == "quoted-printable");
    CHECK(p.body() == "Standort: Gebäude 12/Raum 3\r\nÜberprüfung: 東京\r\n");
}

TEST_CASE("header injection and bad addresses are refused or neutralised", "[mail]") {
    Outgoing m = sample();
    m.subject = "pos-0042\r\nBcc: victim@example.com";
    m.headers = {{"X-Note", "a\nBcc: other@example.com"}};
    const std::string bytes = swd::mail::compose(m);
    Parsed p(bytes);
    CHECK(p.header("Bcc").empty());
    CHECK(p.subject().find("Bcc: victim@example.com") != std::string::npos);
    CHECK(p.header("X-Note") == "a Bcc: other@example.com");

    m = sample();
    m.headers = {{"Bad Name", "x"}};
    CHECK_THROWS_AS(swd::mail::compose(m), swd::Error);
    m = sample();
    m.to.clear();
    CHECK_THROWS_AS(swd::mail::compose(m), swd::Error);
    m = sample();
    m.to = {"@@@"};
    CHECK_THROWS_AS(swd::mail::compose(m), swd::Error);
}

TEST_CASE("a message without id or date gets fresh ones", "[mail]") {
    Outgoing m = sample();
    m.message_id.clear();
    m.date = {};
    const auto before = swd::timeutil::now();
    Parsed p(swd::mail::compose(m));
    CHECK(p.message_id().find('@') != std::string::npos);
    CHECK(p.date() >= before.time_since_epoch().count());
    CHECK(p.date() <= swd::timeutil::now().time_since_epoch().count());
}

TEST_CASE("long lines go quoted-printable and come back whole", "[mail]") {
    Outgoing m = sample();
    m.body = std::string(2000, 'x') + "\n.\n.leading dot\n";
    const std::string bytes = swd::mail::compose(m);
    std::size_t line = 0;
    for (char c : bytes) {
        line = c == '\n' ? 0 : line + 1;
        REQUIRE(line <= 998);
    }
    Parsed p(bytes);
    CHECK(p.body() == std::string(2000, 'x') + "\r\n.\r\n.leading dot\r\n");
}

TEST_CASE("message ids, addresses and the host name", "[mail]") {
    const std::string a = swd::mail::make_message_id("service.example.com");
    const std::string b = swd::mail::make_message_id("service.example.com");
    CHECK(a != b);
    CHECK(a.front() == '<');
    CHECK(a.back() == '>');
    CHECK(a.find("@service.example.com>") != std::string::npos);
    CHECK(a.find('.') == 15);  // <YYYYMMDDhhmmss.RANDOM@
    CHECK(swd::mail::address_of("swd-queue <swd@relay-a.example.com>") ==
          "swd@relay-a.example.com");
    CHECK(swd::mail::address_of("ops@example.com") == "ops@example.com");
    CHECK_FALSE(swd::mail::host_name().empty());
}
