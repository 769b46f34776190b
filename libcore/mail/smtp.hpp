// Sending mail: SMTP through libcurl (smtp://, smtps://, STARTTLS, AUTH from config or ~/.netrc)
// or a local MTA through sendmail (argv, never a shell).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace swd {
class Config;
}

namespace swd::smtp {

/// The MTA a bare "sendmail:" URL runs.
inline constexpr std::string_view default_sendmail = "/usr/sbin/sendmail";

struct Settings {
    std::string url = "smtp://localhost:25";  ///< smtp://H:P, smtps://H:P, sendmail:/PATH
    std::string user;
    std::string password;  ///< never logged
    bool starttls = false;
    std::string ca_file;  ///< PEM CA certificates that sign the server's TLS certificate;
                          ///< empty: the system's. Verification is never switched off.
    std::chrono::seconds timeout{30};
    std::string from;  ///< default sender address (swd@HOSTNAME when empty in config)
};

/// [smtp] from the configuration (url, user, password, starttls, ca_file, timeout, from). A bare
/// "sendmail:" becomes "sendmail:/usr/sbin/sendmail". Throws Error(Exit::config, "smtp.KEY:
/// why") for a URL that is not smtp://, smtps:// or sendmail:, a sendmail program that is not
/// an absolute path, and a ca_file that cannot be read.
Settings settings_from(const Config& config);

/// The program a "sendmail:" URL runs ("sendmail:" alone: default_sendmail); empty for other
/// URLs.
std::string sendmail_program(const std::string& url);

/// The URL for messages: the password masked ("smtp://user:****@host").
std::string masked_url(const std::string& url);

struct Result {
    bool ok = false;         ///< the server accepted the message (250)
    bool permanent = false;  ///< a 5xx answer: retrying will not help
    long code = 0;           ///< last SMTP reply code; 0 when no answer (connection failed)
    std::string detail;      ///< "connect to 127.0.0.1:2525 failed: Connection refused"
};

/// Sends one message to `rcpts`. Never throws for delivery failures: they are in the Result.
Result send(const Settings& settings, const std::string& envelope_from,
            const std::vector<std::string>& rcpts, std::string_view message);

}  // namespace swd::smtp
