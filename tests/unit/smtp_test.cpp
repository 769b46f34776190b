#include "libcore/mail/smtp.hpp"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>

#include "libcore/base/config.hpp"
#include "libcore/base/error.hpp"
#include "libcore/mail/compose.hpp"
#include "smtp_server.hpp"
#include "temp_dir.hpp"

namespace {

using swd::test::SmtpServer;
using swd::test::TempDir;

std::string message(const std::string& subject) {
    swd::mail::Outgoing m;
    m.from = "swd <swd@service.example.com>";
    m.to = {"mc-east@example.com"};
    m.subject = subject;
    m.body = "first line\n.\n.. two dots\nlast line\n";
    return swd::mail::compose(m);
}

swd::smtp::Settings settings_for(const SmtpServer& server) {
    swd::smtp::Settings s;
    s.url = server.url();
    s.timeout = std::chrono::seconds(10);
    s.from = "swd@service.example.com";
    return s;
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

TEST_CASE("a message accepted by a real SMTP server arrives byte for byte", "[smtp]") {
    TempDir dir;
    SmtpServer server(dir.path() / "smtpd");
    const std::string msg = message("[T-1] accepted");
    const auto r = swd::smtp::send(settings_for(server), "swd <swd@service.example.com>",
                                   {"mc-east@example.com", "Pager <pager@example.com>"}, msg);
    CHECK(r.ok);
    CHECK_FALSE(r.permanent);
    CHECK(r.code == 250);
    const auto got = server.messages();
    REQUIRE(got.size() == 1);
    CHECK(got[0] == msg);  // dot-stuffing undone by the server: lines starting with '.' survive
    CHECK(server.envelopes()[0] ==
          "swd@service.example.com\nmc-east@example.com\npager@example.com\n");
}

TEST_CASE("4xx is a temporary failure, 5xx a permanent one", "[smtp]") {
    TempDir dir;
    SmtpServer server(dir.path() / "smtpd");
    const auto settings = settings_for(server);

    server.answer("451");
    auto r = swd::smtp::send(settings, "swd@service.example.com", {"a@example.com"}, message("x"));
    CHECK_FALSE(r.ok);
    CHECK_FALSE(r.permanent);
    CHECK(r.code == 451);
    CHECK(r.detail.find("451 4.3.0 try later") != std::string::npos);
    CHECK(r.detail.find(server.url()) == 0);

    server.answer("550");
    r = swd::smtp::send(settings, "swd@service.example.com", {"a@example.com"}, message("x"));
    CHECK_FALSE(r.ok);
    CHECK(r.permanent);
    CHECK(r.code == 550);
    CHECK(r.detail.find("550 5.7.1 no") != std::string::npos);
    CHECK(server.messages().empty());
}

TEST_CASE("no server: code 0, worth retrying", "[smtp]") {
    swd::smtp::Settings s;
    s.url = "smtp://127.0.0.1:" + std::to_string(swd::test::free_port());
    s.timeout = std::chrono::seconds(5);
    const auto r = swd::smtp::send(s, "swd@service.example.com", {"a@example.com"}, message("x"));
    CHECK_FALSE(r.ok);
    CHECK_FALSE(r.permanent);
    CHECK(r.code == 0);
    CHECK_FALSE(r.detail.empty());
}

TEST_CASE("passwords are masked in URLs", "[smtp]") {
    CHECK(swd::smtp::masked_url("smtps://user:s3cret@mail.example.com:465") ==
          "smtps://user:****@mail.example.com:465");
    CHECK(swd::smtp::masked_url("smtp://user@mail.example.com") == "smtp://user@mail.example.com");
    CHECK(swd::smtp::masked_url("smtp://mail.example.com:25") == "smtp://mail.example.com:25");
    CHECK(swd::smtp::masked_url("sendmail:/usr/sbin/sendmail") == "sendmail:/usr/sbin/sendmail");
}

TEST_CASE("settings come from [smtp]", "[smtp]") {
    const auto config = swd::Config::parse(
        "[smtp]\nurl = \"smtps://mail.example.com:465\"\nuser = \"ops\"\npassword = \"pw\"\n"
        "starttls = true\ntimeout = \"1m\"\nfrom = \"desk@example.com\"\n",
        "test.toml", swd::common_config_keys());
    const auto s = swd::smtp::settings_from(config);
    CHECK(s.url == "smtps://mail.example.com:465");
    CHECK(s.user == "ops");
    CHECK(s.password == "pw");
    CHECK(s.starttls);
    CHECK(s.timeout == std::chrono::seconds(60));
    CHECK(s.from == "desk@example.com");

    const auto defaults =
        swd::smtp::settings_from(swd::Config::parse("", "empty.toml", swd::common_config_keys()));
    CHECK(defaults.url == "smtp://localhost:25");
    CHECK(defaults.from == "swd@" + swd::mail::host_name());
    CHECK_FALSE(defaults.starttls);
}

TEST_CASE("sendmail: argv without a shell, exit 75 retried, others permanent", "[smtp]") {
    TempDir dir;
    const auto mta = dir.path() / "fake sendmail";  // a space: the path must stay one word
    std::ofstream(mta) << "#!/bin/sh\n"
                          "for a in \"$@\"; do printf '%s\\n' \"$a\"; done > \"$0.args\"\n"
                          "cat > \"$0.msg\"\n"
                          "read code < \"$0.code\"\n"
                          "echo 'mta says no' >&2\n"
                          "exit $code\n";
    ::chmod(mta.c_str(), 0755);
    swd::smtp::Settings s;
    s.url = "sendmail:" + mta.string();
    s.timeout = std::chrono::seconds(10);
    const std::string msg = message("[T-2] via sendmail");
    const std::vector<std::string> rcpts{"mc@example.com", "-oQ/tmp/evil <x@example.com>"};

    std::ofstream(mta.string() + ".code") << "0\n";
    auto r = swd::smtp::send(s, "Desk <desk@example.com>", rcpts, msg);
    CHECK(r.ok);
    CHECK(read_file(mta.string() + ".args") ==
          "-i\n-f\ndesk@example.com\n--\nmc@example.com\nx@example.com\n");
    CHECK(read_file(mta.string() + ".msg") == msg);

    std::ofstream(mta.string() + ".code") << "75\n";
    r = swd::smtp::send(s, "desk@example.com", rcpts, msg);
    CHECK_FALSE(r.ok);
    CHECK_FALSE(r.permanent);
    CHECK(r.detail.find("exit 75") != std::string::npos);
    CHECK(r.detail.find("mta says no") != std::string::npos);

    std::ofstream(mta.string() + ".code") << "67\n";
    r = swd::smtp::send(s, "desk@example.com", rcpts, msg);
    CHECK_FALSE(r.ok);
    CHECK(r.permanent);

    s.url = "sendmail:" + (dir.path() / "missing").string();
    r = swd::smtp::send(s, "desk@example.com", rcpts, msg);
    CHECK_FALSE(r.ok);
    CHECK_FALSE(r.permanent);
    CHECK(r.detail.find("missing") != std::string::npos);
}

TEST_CASE("a bare sendmail: is /usr/sbin/sendmail, URLs that cannot work are refused", "[smtp]") {
    const auto load = [](const std::string& url) {
        return swd::smtp::settings_from(swd::Config::parse("[smtp]\nurl = \"" + url + "\"\n",
                                                           "t.toml", swd::common_config_keys()));
    };
    CHECK(load("sendmail:").url == "sendmail:/usr/sbin/sendmail");
    CHECK(swd::smtp::sendmail_program("sendmail:") == "/usr/sbin/sendmail");
    CHECK(load("sendmail:/opt/mta/bin/send mail").url == "sendmail:/opt/mta/bin/send mail");
    CHECK(swd::smtp::sendmail_program("sendmail:/opt/mta/sendmail") == "/opt/mta/sendmail");
    CHECK(swd::smtp::sendmail_program("smtp://localhost:25").empty());
    CHECK(load("SMTP://mail.example.com:25").url == "SMTP://mail.example.com:25");

    for (const char* bad :
         {"sendmail:sendmail", "sendmail: ", "sendmail:/usr/sbin/", "sendmail:./sendmail",
          "sendmail:/usr/sbin/sendmail\\n", "mailto:desk@example.com", "mail.example.com:25"}) {
        INFO(bad);
        try {
            load(bad);
            FAIL("accepted");
        } catch (const swd::Error& e) {
            CHECK(e.code() == swd::Exit::config);
            CHECK_THAT(e.what(), Catch::StartsWith("smtp.url: '"));
            CHECK(std::string(e.what()).find('\n') == std::string::npos);
        }
    }
}

TEST_CASE("ca_file: read from [smtp], must be readable", "[smtp]") {
    // The shared [smtp] keys do not declare ca_file (yet): swd-ticket does.
    auto keys = swd::common_config_keys();
    keys.push_back({"smtp.ca_file", swd::KeyKind::string, "", "CA certificates"});
    TempDir dir;
    const auto pem = dir.path() / "ca.pem";
    std::ofstream(pem) << "-----BEGIN CERTIFICATE-----\n";
    const auto s = swd::smtp::settings_from(swd::Config::parse(
        "[smtp]\nurl = \"smtps://127.0.0.1:465\"\nca_file = \"" + pem.string() + "\"\n", "t.toml",
        keys));
    CHECK(s.ca_file == pem.string());
    CHECK(swd::smtp::settings_from(swd::Config::parse("", "t.toml", keys)).ca_file.empty());
    try {
        swd::smtp::settings_from(swd::Config::parse(
            "[smtp]\nca_file = \"" + (dir.path() / "missing.pem").string() + "\"\n", "t.toml",
            keys));
        FAIL("accepted");
    } catch (const swd::Error& e) {
        CHECK(e.code() == swd::Exit::config);
        CHECK(std::string(e.what()) == "smtp.ca_file: " + (dir.path() / "missing.pem").string() +
                                           ": No such file or directory");
    }
}
