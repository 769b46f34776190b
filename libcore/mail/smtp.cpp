#include "libcore/mail/smtp.hpp"

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <mutex>

#include "libcore/base/config.hpp"
#include "libcore/base/error.hpp"
#include "libcore/base/process.hpp"
#include "libcore/mail/compose.hpp"

namespace swd::smtp {

namespace {

constexpr std::string_view sendmail_scheme = "sendmail:";
/// sysexits.h EX_TEMPFAIL: the MTA asks to try again later.
constexpr int ex_tempfail = 75;

void init_curl() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

/// What the transfer needs from its callbacks.
struct Transfer {
    std::string_view message;
    std::size_t sent = 0;
    std::string last_reply;  ///< the server's last reply line
    std::string last_error;  ///< its last 4xx or 5xx reply line (before QUIT's 221)
};

extern "C" std::size_t read_message(char* buffer, std::size_t size, std::size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const std::size_t n = std::min(size * count, t->message.size() - t->sent);
    std::memcpy(buffer, t->message.data() + t->sent, n);
    t->sent += n;
    return n;
}

extern "C" int keep_replies(CURL*, curl_infotype type, char* data, std::size_t size, void* user) {
    if (type == CURLINFO_HEADER_IN) {
        std::string line(data, size);
        while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
            line.pop_back();
        auto* t = static_cast<Transfer*>(user);
        if (!line.empty() && (line[0] == '4' || line[0] == '5')) t->last_error = line;
        if (!line.empty()) t->last_reply = std::move(line);
    }
    return 0;
}

/// "<addr>" for MAIL FROM / RCPT TO.
std::string angle(const std::string& mailbox) {
    return "<" + mail::address_of(mailbox) + ">";
}

/// Whether the transfer failed in TLS: the handshake, the certificate, STARTTLS.
bool tls_failure(CURLcode rc) {
    switch (rc) {
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_ISSUER_ERROR:
        case CURLE_USE_SSL_FAILED:
            return true;
        default:
            return false;
    }
}

Result classify(long code, std::string detail) {
    Result r;
    r.code = code;
    r.ok = code >= 200 && code < 300;
    r.permanent = code >= 500 && code < 600;
    r.detail = std::move(detail);
    return r;
}

Result send_sendmail(const Settings& settings, const std::string& envelope_from,
                     const std::vector<std::string>& rcpts, std::string_view message) {
    process::Command cmd;
    cmd.argv = {sendmail_program(settings.url), "-i", "-f", mail::address_of(envelope_from), "--"};
    for (const std::string& rcpt : rcpts)
        cmd.argv.push_back(mail::address_of(rcpt));
    cmd.input = std::string(message);
    cmd.timeout = settings.timeout;
    Result r;
    process::Result run;
    try {
        run = process::run(cmd);
    } catch (const Error& e) {
        r.detail = e.what();  // not installed yet: worth another try once it is
        return r;
    }
    r.ok = run.ok();
    if (r.ok) return r;
    // A hanging or killed MTA may succeed next time; only a definite answer is permanent.
    r.permanent = !run.timed_out && run.signal == 0 && run.exit_code != ex_tempfail;
    std::string err = run.err;
    while (!err.empty() && (err.back() == '\n' || err.back() == '\r'))
        err.pop_back();
    r.detail = cmd.argv.front() + ": " + run.describe() + (err.empty() ? "" : ": " + err);
    return r;
}

[[noreturn]] void bad(std::string_view key, const std::string& why) {
    throw Error(Exit::config, std::string(key) + ": " + why);
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != prefix[i]) return false;
    }
    return true;
}

/// A URL that cannot work is a configuration error now, not a message retried for an hour.
void check_url(const std::string& url) {
    const auto control = [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; };
    std::string shown = masked_url(url);  // the error stays one line
    std::replace_if(shown.begin(), shown.end(), control, '?');
    if (url.starts_with(sendmail_scheme)) {
        const std::string program = sendmail_program(url);
        if (program.front() != '/' || program.back() == '/' ||
            std::any_of(program.begin(), program.end(), control))
            bad("smtp.url", "'" + shown +
                                "': the sendmail program must be an absolute path "
                                "(a bare sendmail: means " +
                                std::string(default_sendmail) + ")");
        return;
    }
    if (!starts_with_nocase(url, "smtp://") && !starts_with_nocase(url, "smtps://"))
        bad("smtp.url",
            "'" + shown + "' is not smtp://HOST:PORT, smtps://HOST:PORT or sendmail:PATH");
}

}  // namespace

std::string sendmail_program(const std::string& url) {
    if (!url.starts_with(sendmail_scheme)) return {};
    const std::string program = url.substr(sendmail_scheme.size());
    return program.empty() ? std::string(default_sendmail) : program;
}

Settings settings_from(const Config& config) {
    Settings s;
    if (auto url = config.get_string("smtp.url"); url && !url->empty()) s.url = *url;
    check_url(s.url);
    if (s.url.starts_with(sendmail_scheme))
        s.url = std::string(sendmail_scheme) + sendmail_program(s.url);
    s.user = config.text("smtp.user");
    s.password = config.text("smtp.password");
    s.starttls = config.boolean("smtp.starttls");
    s.ca_file = config.text("smtp.ca_file");
    if (!s.ca_file.empty() && ::access(s.ca_file.c_str(), R_OK) != 0)
        bad("smtp.ca_file", s.ca_file + ": " + errno_text(errno));
    if (auto t = config.get_seconds("smtp.timeout"); t && *t > 0)
        s.timeout = std::chrono::seconds(*t);
    s.from = config.text("smtp.from");
    if (s.from.empty()) s.from = "swd@" + mail::host_name();
    return s;
}

std::string masked_url(const std::string& url) {
    const auto scheme = url.find("://");
    if (scheme == std::string::npos) return url;
    const auto authority = scheme + 3;
    const auto end = url.find_first_of("/?#", authority);
    const auto at = url.rfind('@', end == std::string::npos ? url.size() : end);
    if (at == std::string::npos || at < authority) return url;
    const auto colon = url.find(':', authority);
    if (colon == std::string::npos || colon > at) return url;
    return url.substr(0, colon + 1) + "****" + url.substr(at);
}

Result send(const Settings& settings, const std::string& envelope_from,
            const std::vector<std::string>& rcpts, std::string_view message) {
    if (settings.url.starts_with(sendmail_scheme))
        return send_sendmail(settings, envelope_from, rcpts, message);

    init_curl();
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
    if (!curl) return classify(0, "cannot start a mail transfer (curl_easy_init failed)");
    CURL* h = curl.get();
    Transfer transfer{message, 0, {}, {}};

    curl_slist* rcpt_list = nullptr;
    for (const std::string& rcpt : rcpts)
        rcpt_list = curl_slist_append(rcpt_list, angle(rcpt).c_str());
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> rcpt_guard(rcpt_list,
                                                                           curl_slist_free_all);
    const std::string from = angle(envelope_from.empty() ? settings.from : envelope_from);
    char error[CURL_ERROR_SIZE] = "";

    curl_easy_setopt(h, CURLOPT_URL, settings.url.c_str());
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, from.c_str());
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt_list);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_message);
    curl_easy_setopt(h, CURLOPT_READDATA, &transfer);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, static_cast<long>(settings.timeout.count()));
    curl_easy_setopt(h, CURLOPT_TIMEOUT, static_cast<long>(settings.timeout.count()));
    // The debug callback is how libcurl hands over the server's reply texts ("451 try later").
    curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, keep_replies);
    curl_easy_setopt(h, CURLOPT_DEBUGDATA, &transfer);
    curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
    if (!settings.user.empty()) {
        curl_easy_setopt(h, CURLOPT_USERNAME, settings.user.c_str());
        curl_easy_setopt(h, CURLOPT_PASSWORD, settings.password.c_str());
    } else {
        curl_easy_setopt(h, CURLOPT_NETRC, static_cast<long>(CURL_NETRC_OPTIONAL));
    }
    if (settings.starttls) curl_easy_setopt(h, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
    // The server's certificate and name are always verified (libcurl's defaults); ca_file
    // replaces the system's CA store, e.g. for a site CA or a self-signed relay.
    if (!settings.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, settings.ca_file.c_str());

    const CURLcode rc = curl_easy_perform(h);
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    const std::string where = masked_url(settings.url) + ": ";
    if (rc == CURLE_OK) return classify(code == 0 ? 250 : code, where + transfer.last_reply);
    // Only a reply from the server says something about the message; without one (refused,
    // TLS, timeout) the next attempt may well succeed.
    if (code < 400) code = 0;
    std::string why = code != 0 && !transfer.last_error.empty()
                          ? transfer.last_error
                          : (*error != '\0' ? std::string(error) : curl_easy_strerror(rc));
    if (tls_failure(rc))
        why = "TLS: " + why +
              (settings.ca_file.empty() ? " (is the server's CA in the system's store, or set "
                                          "[smtp] ca_file?)"
                                        : " (CA file " + settings.ca_file + ")");
    return classify(code, where + why);
}

}  // namespace swd::smtp
