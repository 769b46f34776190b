// A real SMTP server for the unit tests: Debian's aiosmtpd on a free loopback port, started with
// fork/exec and stopped with SIGTERM. Each accepted message is written to DIR/NNNNNN.eml with
// its envelope in DIR/NNNNNN.env; the answer to DATA comes from the file MODE ("250" when
// absent), read for each message, so a test can switch between 250, 451 and 550 at will.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace swd::test {

inline constexpr const char* smtp_server_script = R"PY(
import os, signal, sys
from aiosmtpd.controller import Controller

port, outdir, modefile = int(sys.argv[1]), sys.argv[2], sys.argv[3]

class Handler:
    async def handle_DATA(self, server, session, envelope):
        try:
            with open(modefile) as f:
                answer = f.read().strip()
        except OSError:
            answer = "250"
        if answer.startswith("451"):
            return "451 4.3.0 try later"
        if answer.startswith("550"):
            return "550 5.7.1 no"
        n = len([f for f in os.listdir(outdir) if f.endswith(".eml")])
        base = os.path.join(outdir, "%06d" % n)
        with open(base + ".env", "w") as f:
            f.write(envelope.mail_from + "\n" + "\n".join(envelope.rcpt_tos) + "\n")
        with open(base + ".tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(base + ".tmp", base + ".eml")
        return "250 2.0.0 OK"

controller = Controller(Handler(), hostname="127.0.0.1", port=port)
controller.start()
signal.sigwait({signal.SIGTERM, signal.SIGINT})
controller.stop()
)PY";

/// A TCP port on 127.0.0.1 that nobody listens on now.
inline int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        ::close(fd);
        throw std::runtime_error("no free port");
    }
    ::close(fd);
    return ntohs(addr.sin_port);
}

inline bool port_open(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

class SmtpServer {
  public:
    /// Serves on `port` (a free one when 0), storing messages under `dir`.
    explicit SmtpServer(std::filesystem::path dir, int port = 0)
        : dir_(std::move(dir)), port_(port == 0 ? free_port() : port) {
        std::filesystem::create_directories(dir_ / "mail");
        std::ofstream(dir_ / "server.py") << smtp_server_script;
        start();
    }
    ~SmtpServer() { stop(); }
    SmtpServer(const SmtpServer&) = delete;
    SmtpServer& operator=(const SmtpServer&) = delete;

    int port() const { return port_; }
    std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
    /// The answer to the next DATA commands: "250", "451" or "550".
    void answer(const std::string& code) { std::ofstream(dir_ / "mode") << code << "\n"; }

    void start() {
        if (pid_ > 0) return;
        const std::string py = "/usr/bin/python3", script = (dir_ / "server.py").string(),
                          port = std::to_string(port_), mail = (dir_ / "mail").string(),
                          mode = (dir_ / "mode").string();
        pid_ = ::fork();
        if (pid_ < 0) throw std::runtime_error("fork failed");
        if (pid_ == 0) {
            ::execl(py.c_str(), py.c_str(), script.c_str(), port.c_str(), mail.c_str(),
                    mode.c_str(), static_cast<char*>(nullptr));
            ::_exit(127);
        }
        const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(15);
        while (!port_open(port_)) {
            if (std::chrono::steady_clock::now() > end) {
                stop();
                throw std::runtime_error("aiosmtpd did not start on port " + port);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }

    void stop() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGTERM);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
    }

    /// The messages received so far, in arrival order.
    std::vector<std::string> messages() const { return read_all(".eml"); }
    /// Their envelopes: the sender, then one recipient per line.
    std::vector<std::string> envelopes() const { return read_all(".env"); }

  private:
    std::vector<std::string> read_all(const std::string& ext) const {
        std::vector<std::filesystem::path> files;
        for (const auto& e : std::filesystem::directory_iterator(dir_ / "mail"))
            if (e.path().extension() == ext) files.push_back(e.path());
        std::sort(files.begin(), files.end());
        std::vector<std::string> out;
        for (const auto& f : files) {
            std::ifstream in(f, std::ios::binary);
            std::ostringstream text;
            text << in.rdbuf();
            out.push_back(text.str());
        }
        return out;
    }

    std::filesystem::path dir_;
    int port_;
    pid_t pid_ = -1;
};

}  // namespace swd::test
