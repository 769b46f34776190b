#include "libcore/queue/distlog.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "libcore/base/error.hpp"
#include "libcore/base/paths.hpp"

namespace swd::distlog {

namespace {

bool bare_ok(unsigned char c) {
    return c > 0x20 && c != 0x7f && c != '"' && c != '=' && c != '\\';
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

std::string quote(std::string_view value) {
    bool bare = !value.empty();
    for (const char c : value)
        if (!bare_ok(static_cast<unsigned char>(c))) bare = false;
    if (bare) return std::string(value);
    std::string out = "\"";
    static constexpr char digits[] = "0123456789abcdef";
    for (const char c : value) {
        const auto u = static_cast<unsigned char>(c);
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (u < 0x20 || u == 0x7f) {
                    out += "\\x";
                    out += digits[u >> 4];
                    out += digits[u & 15];
                } else {
                    out += c;
                }
        }
    }
    out += '"';
    return out;
}

std::string format_line(timeutil::TimePoint ts, const Fields& fields) {
    std::string line = "ts=" + timeutil::format_rfc3339(ts);
    for (const auto& [k, v] : fields) {
        line += ' ';
        line += k;
        line += '=';
        line += quote(v);
    }
    return line;
}

std::optional<std::map<std::string, std::string>> parse_line(std::string_view line) {
    std::map<std::string, std::string> out;
    std::size_t i = 0;
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
        line.remove_suffix(1);
    while (i < line.size()) {
        while (i < line.size() && line[i] == ' ')
            ++i;
        if (i >= line.size()) break;
        const std::size_t key_start = i;
        while (i < line.size() && line[i] != '=' && line[i] != ' ') {
            if (line[i] == '"') return std::nullopt;
            ++i;
        }
        std::string key(line.substr(key_start, i - key_start));
        if (key.empty()) return std::nullopt;
        if (i >= line.size() || line[i] == ' ') {
            out[key] = "";
            continue;
        }
        ++i;  // '='
        std::string value;
        if (i < line.size() && line[i] == '"') {
            ++i;
            bool closed = false;
            while (i < line.size()) {
                const char c = line[i++];
                if (c == '"') {
                    closed = true;
                    break;
                }
                if (c != '\\') {
                    value += c;
                    continue;
                }
                if (i >= line.size()) return std::nullopt;
                const char e = line[i++];
                switch (e) {
                    case '"':
                        value += '"';
                        break;
                    case '\\':
                        value += '\\';
                        break;
                    case 'n':
                        value += '\n';
                        break;
                    case 'r':
                        value += '\r';
                        break;
                    case 't':
                        value += '\t';
                        break;
                    case 'x': {
                        if (i + 2 > line.size()) return std::nullopt;
                        const int hi = hex_value(line[i]), lo = hex_value(line[i + 1]);
                        if (hi < 0 || lo < 0) return std::nullopt;
                        value += static_cast<char>(hi * 16 + lo);
                        i += 2;
                        break;
                    }
                    default:
                        return std::nullopt;
                }
            }
            if (!closed) return std::nullopt;
            if (i < line.size() && line[i] != ' ') return std::nullopt;
        } else {
            const std::size_t start = i;
            while (i < line.size() && line[i] != ' ') {
                if (line[i] == '"') return std::nullopt;
                ++i;
            }
            value = std::string(line.substr(start, i - start));
        }
        out[key] = std::move(value);
    }
    return out;
}

std::filesystem::path default_path() {
    if (::geteuid() == 0) return "/var/log/swd/distribution.log";
    return paths::user_state() / "distribution.log";
}

Appender::Appender(std::filesystem::path path) : path_(std::move(path)) {}

Appender::~Appender() {
    if (fd_ >= 0) ::close(fd_);
}

void Appender::reopen_if_rotated() {
    if (fd_ >= 0) {
        struct stat by_path {
        }, by_fd{};
        if (::stat(path_.c_str(), &by_path) == 0 && ::fstat(fd_, &by_fd) == 0 &&
            by_path.st_ino == by_fd.st_ino && by_path.st_dev == by_fd.st_dev)
            return;
        ::close(fd_);
        fd_ = -1;
    }
    std::error_code ec;
    if (path_.has_parent_path()) std::filesystem::create_directories(path_.parent_path(), ec);
    fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0)
        throw Error(Exit::config, "distribution log " + path_.string() + ": " + errno_text(errno));
}

void Appender::append(timeutil::TimePoint ts, const Fields& fields) {
    const std::string line = format_line(ts, fields) + "\n";
    std::lock_guard lock(mutex_);
    reopen_if_rotated();
    const ssize_t w = ::write(fd_, line.data(), line.size());
    if (w != static_cast<ssize_t>(line.size()))
        throw Error(Exit::config, "distribution log " + path_.string() + ": " +
                                      (w < 0 ? errno_text(errno) : std::string("short write")));
}

}  // namespace swd::distlog
