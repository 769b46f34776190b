#include "libcore/mail/message.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "libcore/base/error.hpp"
#include "libcore/mail/mailbox.hpp"

namespace {

namespace fs = std::filesystem;
using swd::message::Message;
using swd::message::parse;

const fs::path corpus = fs::path(SWD_SOURCE_DIR) / "examples" / "mail";

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    REQUIRE(in);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string maildir_file(const std::string& q) {
    for (const auto& sub : {"new", "cur"}) {
        for (const auto& e : fs::directory_iterator(corpus / "maildir" / sub)) {
            const std::string name = e.path().filename().string();
            if (name.find("P4242" + q + ".") != std::string::npos) return slurp(e.path());
        }
    }
    FAIL("no corpus message " << q);
    return {};
}

/// Every message of the sample mbox, in order.
std::vector<std::string> mbox_messages() {
    swd::mailbox::Reader reader({(corpus / "alerts.mbox").string()}, {});
    std::vector<std::string> out;
    swd::mailbox::Item item;
    while (reader.next(item))
        out.emplace_back(item.raw);
    return out;
}

std::string time_text(const Message& m) {
    REQUIRE(m.date);
    return swd::timeutil::format_rfc3339(*m.date);
}

bool has_line(const std::string& body, const std::string& line) {
    return ("\n" + body).find("\n" + line + "\n") != std::string::npos;
}

std::string nested(int depth) {
    std::string body = "Content-Type: text/plain\n\nDevice: deep\n";
    for (int i = depth; i > 0; --i) {
        const std::string b = "b" + std::to_string(i);
        body = "Content-Type: multipart/mixed; boundary=\"" + b + "\"\n\n--" + b + "\n" + body +
               "\n--" + b + "--\n";
    }
    return "From: swd@relay-a.east.example.com\nMessage-ID: <deep@t>\nMIME-Version: 1.0\n" + body;
}

}  // namespace

TEST_CASE("the canonical alert: headers, sender split, UTC date, CRLF", "[message]") {
    const std::string raw = maildir_file("Q1");
    REQUIRE(raw.find("\r\n") != std::string::npos);
    const Message m = parse(raw);
    CHECK(m.message_id == "<20261121101503.4f2a9c@relay-a.east.example.com>");
    CHECK(m.from == "swd@relay-a.east.example.com");
    CHECK(m.node == "relay-a");
    CHECK(m.domain == "east.example.com");
    CHECK(time_text(m) == "2026-11-21T10:15:03Z");  // 11:15:03 +0100
    CHECK(m.subject == "[SWD] connection failure: pos-0042 (pkg-a-1.2) dist D-20261121-0042");
    CHECK(m.auto_submitted == "auto-generated");
    CHECK_FALSE(m.forwarded);
    CHECK(has_line(m.body, "Device: pos-0042"));
    CHECK(m.body.find('\r') == std::string::npos);
}

TEST_CASE("transfer encodings, RFC 2047 words and charsets are decoded", "[message]") {
    SECTION("quoted-printable UTF-8 with a soft line break") {
        const Message m = parse(maildir_file("Q2"));
        CHECK(time_text(m) == "2026-11-21T10:20:41Z");  // 02:20:41 -0800
        CHECK(has_line(m.body, "Location: Gebäude 7/Raum 2"));
        CHECK(has_line(m.body,
                       "Detail: no space left on device while unpacking pkg-b-3.4 into "
                       "/opt/swd/pkg-b (needed 512 MB, free 12 MB)"));
    }
    SECTION("base64 body, encoded subject split over two words") {
        const Message m = parse(maildir_file("Q3"));
        CHECK(m.subject == "[SWD] install failure: pos-0043 (pkg-a-1.2) dist D-20261121-0043");
        CHECK(m.from == "swd@relay-b.east.example.com");
        CHECK(has_line(m.body, "Detail: post-install script exited with status 3"));
    }
    SECTION("ISO-8859-1 body and subject") {
        const Message m = parse(mbox_messages().at(3));
        CHECK(m.subject == "[SWD] install failure: ws-0110 (Gebäude 9)");
        CHECK(has_line(m.body, "Location: Gebäude 9/Büro 4"));
    }
    SECTION("undeclared 8-bit headers: UTF-8 when valid, else Windows-1252") {
        const Message m =
            parse("From: J\xc3\xbcrgen <swd@relay-a.east.example.com>\nSubject: Geb\xe4ude\n\nx\n");
        CHECK(m.subject == "Gebäude");
        CHECK(m.from == "swd@relay-a.east.example.com");
    }
    SECTION("an unknown charset is decoded best-effort") {
        const Message m = parse(
            "From: swd@r.example.com\nContent-Type: text/plain; charset=x-nonesuch\n\n"
            "Location: Geb\xe4ude 3\n");
        CHECK(has_line(m.body, "Location: Gebäude 3"));
    }
    SECTION("NUL bytes become spaces") {
        static const char raw[] = "From: swd@r.example.com\n\nDevice: pos\0-1\n";
        const Message m = parse(std::string(raw, sizeof raw - 1));
        CHECK(has_line(m.body, "Device: pos -1"));
    }
}

TEST_CASE("the body: first text/plain, HTML-only, forwarded message", "[message]") {
    SECTION("a forward takes the attached message's body") {
        const Message m = parse(maildir_file("Q5"));
        CHECK(m.subject->starts_with("Fwd: "));
        CHECK(m.from == "bob@helpdesk.west.example.com");
        CHECK(m.forwarded);
        CHECK(has_line(m.body, "Device: pos-0044"));
        CHECK(m.body.find("FYI") == std::string::npos);
    }
    SECTION("a forward of a base64 alert") {
        const Message m = parse(mbox_messages().at(7));
        CHECK(m.forwarded);
        CHECK(has_line(m.body, "Detail: no route to host 10.1.2.52"));
    }
    SECTION("HTML only: tags dropped, entities decoded, cells on one line") {
        const Message m = parse(maildir_file("Q8"));
        CHECK(has_line(m.body, "Failure-Type: timeout"));
        CHECK(has_line(m.body, "Location: Store 21 & Café/Till 2"));
        CHECK(has_line(m.body, "Detail: no answer from agent within 300 s <retry 3>"));
        CHECK(m.body.find("font-family") == std::string::npos);  // style dropped
        CHECK(m.body.find("SWD alert") == std::string::npos);    // title dropped
    }
    SECTION("multipart/alternative: the text/plain part, not the HTML one") {
        const Message m = parse(mbox_messages().at(10));
        CHECK(has_line(m.body, "Detail: agent did not answer within 300 s"));
        CHECK(m.body.find("<p>") == std::string::npos);
    }
    SECTION("a text/plain attachment is not the body") {
        const Message m = parse(
            "From: a@b.example.com\nContent-Type: multipart/mixed; boundary=x\n\n--x\n"
            "Content-Type: text/plain\nContent-Disposition: attachment\n\nDevice: no\n--x\n"
            "Content-Type: text/html\n\n<b>Device:</b> yes\n--x--\n");
        CHECK(has_line(m.body, "Device: yes"));
    }
    SECTION("out-of-office: Auto-Submitted keyword") {
        const Message m = parse(maildir_file("Q6"));
        CHECK(m.auto_submitted == "auto-replied");
    }
}

TEST_CASE("what is not a message is rejected with a reason", "[message]") {
    const auto why = [](const std::string& raw) {
        try {
            parse(raw);
        } catch (const swd::Error& e) {
            CHECK(e.code() == swd::Exit::partial);
            return std::string(e.what());
        }
        return std::string("parsed");
    };
    CHECK(why("") == "empty message");
    CHECK(why("\n\n  \n") == "empty message");
    CHECK(why("just text\nFrom: a@b.example.com\n\nbody\n") == "no header block");
    CHECK(why(maildir_file("Q9")) == "no header block");
    CHECK(why("Subject: nobody\n\nDevice: x\n") == "no sender address");
    CHECK(why("From: undisclosed-recipients:;\n\nx\n") == "no sender address");
    CHECK(why("From: swd@relay.example.com\n") == "parsed");  // no body: still a message
}

TEST_CASE("sender forms: bare, display name, literal, no domain", "[message]") {
    CHECK(parse("From: SWD@Relay-A.East.Example.COM.\n\nx").from == "SWD@relay-a.east.example.com");
    const Message m = parse("From: \"Ops, East\" <ops@mail.east.example.com>\n\nx");
    CHECK(m.from == "ops@mail.east.example.com");
    CHECK(m.node == "mail");
    const Message bare_host = parse("From: root@localhost\n\nx");
    CHECK(bare_host.node == "localhost");
    CHECK_FALSE(bare_host.domain);
    const Message literal = parse("From: root@[10.0.0.1]\n\nx");
    CHECK(literal.from == "root@[10.0.0.1]");
    CHECK_FALSE(literal.node);
}

TEST_CASE("bounded: deep nesting and huge header lines", "[message]") {
    CHECK(has_line(parse(nested(50)).body, "Device: deep"));
    CHECK(parse(nested(2000)).body.empty());  // deeper than 64 levels: not searched
    const std::string big(100000, 'a');
    const Message m =
        parse("From: swd@r.example.com\nX-Long: " + big + "\nSubject: " + big + "\n\nDevice: x\n");
    CHECK(m.subject->size() == big.size());
    CHECK(has_line(m.body, "Device: x"));
}

TEST_CASE("the fast path reads exactly what the full parse reads", "[message]") {
    std::vector<std::string> samples = mbox_messages();
    for (const auto& sub : {"new", "cur", "tmp"}) {
        for (const auto& e : fs::directory_iterator(corpus / "maildir" / sub)) {
            if (e.path().filename().string()[0] != '.') samples.push_back(slurp(e.path()));
        }
    }
    samples.push_back(
        "From: a@b.example.com\nSubject: =?utf-8?q?caf=C3=A9?=  and  more\n"
        "Subject: twice\n\nx\n");
    samples.push_back(
        "From: a@b.example.com\nSubject:\tfolded\n\tsubject \n"
        "Date: 21 Nov 2026 10:00 GMT\nMessage-ID:  < id@x >\n\nbody");
    for (const char* date : {"Sat, 21 Nov 2026 11:15:03 +0100", "1 Jan 2024 00:00:00 -0930",
                             "Mon, 01 jan 2024 23:59 +1400", "Sat, 29 Feb 2025 10:00:00 +0000",
                             "Sat, 21 Nov 2026 11:15:03 +0100 (CET)", "Sat, 21 Nov 26 11:15 EST",
                             "Sat, 21 Nov 2026 24:00:00 +0000", "2026-11-21T10:00:00Z", "x"}) {
        samples.push_back(std::string("From: a@b.example.com\nDate: ") + date + "\n\nx\n");
    }
    samples.push_back(
        "From: a@b.example.com\nContent-Type: TEXT/PLAIN; format=flowed; "
        "charset=\"ISO-8859-1\"\nContent-Transfer-Encoding: Quoted-Printable\n\n"
        "Location: Geb=E4ude=\n 1\n");
    samples.push_back("From: a@b.example.com\nContent-Transfer-Encoding: base64\n\n!!bad*64==\n");
    samples.push_back("From: a@b.example.com\nContent-Type: text/plain; charset=\n\n\xe4\n");
    samples.push_back("From: a@xn--bcher-kva.example\n\nx\n");
    samples.push_back("From: Name <a@b.example.com>, Other <c@d.example.com>\n\nx\n");
    samples.push_back("From: (comment) a@b.example.com\nAuto-Submitted: Auto-Replied; x=1\n\nx\n");
    // Blanks between a header's name and its colon: the same header for both paths.
    samples.push_back("From: a@b.example.com\nSubject : spaced name\nMessage-ID\t: <sp@x>\n\nx\n");
    samples.push_back("From : a@b.example.com\nDate :  Sat, 21 Nov 2026 11:15:03 +0100\n\nx\n");
    samples.push_back(
        "From: a@b.example.com\nMIME-Version: 1.0\nContent-Type : multipart/mixed; "
        "boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\nDevice: inner\n--b--\n");
    samples.push_back(
        "From: a@b.example.com\nContent-Transfer-Encoding : base64\n\nRGV2aWNlOiBiNjQK\n");
    int compared = 0;
    for (const auto& raw : samples) {
        INFO(raw.substr(0, 300));
        std::string fast_error, full_error;
        Message fast, full;
        try {
            fast = parse(raw, true);
        } catch (const swd::Error& e) {
            fast_error = e.what();
        }
        try {
            full = parse(raw, false);
        } catch (const swd::Error& e) {
            full_error = e.what();
        }
        CHECK(fast_error == full_error);
        CHECK(fast.message_id == full.message_id);
        CHECK(fast.from == full.from);
        CHECK(fast.node == full.node);
        CHECK(fast.domain == full.domain);
        CHECK(fast.date == full.date);
        CHECK(fast.subject == full.subject);
        CHECK(fast.auto_submitted == full.auto_submitted);
        CHECK(fast.forwarded == full.forwarded);
        // Both end with the same text; GMime may keep one more trailing line end.
        auto strip = [](std::string s) {
            while (!s.empty() && s.back() == '\n')
                s.pop_back();
            return s;
        };
        CHECK(strip(fast.body) == strip(full.body));
        ++compared;
    }
    CHECK(compared > 25);
}

TEST_CASE("html_to_text", "[message]") {
    using swd::message::html_to_text;
    CHECK(html_to_text("<p>a<br>b</p><p>c</p>") == "a\nb\nc\n");
    CHECK(html_to_text("<table><tr><td>Key:</td><td>v</td></tr></table>") == "Key: v\n");
    CHECK(html_to_text("x &amp; &lt;y&gt; &#65;&#x42; &eacute;&nbsp;z") == "x & <y> AB é z\n");
    CHECK(html_to_text("<!-- c --><script>var a = '<p>';</script>t") == "t\n");
    CHECK(html_to_text("&unknown; &#xZZ; & &#0;") == "&unknown; &#xZZ; & \xEF\xBF\xBD\n");
    CHECK(html_to_text("a <unterminated") == "a\n");
    CHECK(html_to_text("  many \n\n spaces  ") == "many spaces\n");
}

TEST_CASE("parse_date: RFC 5322 and RFC 3339", "[message]") {
    using swd::message::parse_date;
    using swd::timeutil::format_rfc3339;
    CHECK(format_rfc3339(*parse_date("Sat, 21 Nov 2026 11:15:03 +0100")) == "2026-11-21T10:15:03Z");
    CHECK(format_rfc3339(*parse_date("2026-11-21T10:15:03Z")) == "2026-11-21T10:15:03Z");
    CHECK(format_rfc3339(*parse_date(" 2026-11-21T12:15:03+02:00 ")) == "2026-11-21T10:15:03Z");
    CHECK_FALSE(parse_date("yesterday at noon"));
    CHECK_FALSE(parse_date(""));
}
