#include "libcore/base/input.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "libcore/base/error.hpp"
#include "libcore/base/signals.hpp"

namespace swd {

std::vector<InputSpec> resolve_inputs(const std::vector<std::string>& args) {
    if (args.empty()) {
        if (isatty(STDIN_FILENO))
            throw Error(Exit::usage, "no input: name a file, or pipe records in");
        return {InputSpec{"-"}};
    }
    std::vector<InputSpec> inputs;
    inputs.reserve(args.size());
    for (const auto& arg : args)
        inputs.push_back(InputSpec{arg});
    return inputs;
}

namespace {

constexpr std::size_t chunk_size = 64 * 1024;

}  // namespace

/// The raw input (a file descriptor), an optional inflater, and the line buffer: decoded bytes
/// live in buf[begin, end); lines are cut from there, and the buffer grows only when one line
/// does not fit.
struct LineReader::Impl {
    std::string name;
    int fd = -1;
    bool owns_fd = false;
    bool eof = false;  // no more decoded bytes will come

    bool gzip = false;
    bool in_member = false;  // inside a gzip member whose end inflate has not yet seen
    z_stream zs{};
    std::vector<unsigned char> raw;  // compressed input, raw[0, raw_len)
    std::size_t raw_len = 0;

    std::vector<char> buf = std::vector<char>(chunk_size);
    std::size_t begin = 0;
    std::size_t end = 0;
    std::size_t scanned = 0;  // buf[begin, scanned) holds no '\n'

    ~Impl() {
        if (gzip) inflateEnd(&zs);
        if (owns_fd) close(fd);
    }

    [[noreturn]] void fail(Exit code, const std::string& why) const {
        throw Error(code, name + ": " + why);
    }

    /// read(2) that retries on EINTR; returns 0 at the end of the input. SIGINT or SIGTERM end
    /// the input there: a read waiting on a silent pipe must not keep the tool from stopping
    /// (the tool then exits with Exit::interrupted).
    std::size_t read_some(void* dst, std::size_t size) const {
        for (;;) {
            ssize_t n = ::read(fd, dst, size);
            if (n >= 0) return static_cast<std::size_t>(n);
            if (errno != EINTR) fail(Exit::partial, errno_text(errno));
            if (interrupted()) return 0;
        }
    }

    /// Reads the first bytes to tell gzip from plain text; plain bytes already read become the
    /// start of the line buffer.
    void sniff() {
        raw.resize(chunk_size);
        while (raw_len < 2) {
            std::size_t n = read_some(raw.data() + raw_len, raw.size() - raw_len);
            if (n == 0) break;
            raw_len += n;
        }
        if (raw_len >= 2 && raw[0] == 0x1f && raw[1] == 0x8b) {
            // 16 + MAX_WBITS: expect a gzip header and trailer, not a zlib one.
            if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) fail(Exit::partial, "out of memory");
            gzip = true;
            in_member = true;
            zs.next_in = raw.data();
            zs.avail_in = static_cast<uInt>(raw_len);
            return;
        }
        std::memcpy(buf.data(), raw.data(), raw_len);
        end = raw_len;
        eof = raw_len < 2;
        raw = {};
        raw_len = 0;
    }

    /// Makes room after `end`: drops consumed bytes, and doubles the buffer when a single line
    /// already fills it.
    void make_room() {
        if (begin > 0) {
            std::memmove(buf.data(), buf.data() + begin, end - begin);
            end -= begin;
            scanned -= begin;
            begin = 0;
        }
        if (end == buf.size()) buf.resize(buf.size() * 2);
    }

    /// Appends more decoded bytes to buf; sets eof when the input is exhausted.
    void fill() {
        make_room();
        if (!gzip) {
            std::size_t n = read_some(buf.data() + end, buf.size() - end);
            if (n == 0) eof = true;
            end += n;
            return;
        }
        std::size_t before = end;
        while (end == before && !eof)
            inflate_some();
    }

    void inflate_some() {
        if (zs.avail_in == 0) {
            raw_len = read_some(raw.data(), raw.size());
            zs.next_in = raw.data();
            zs.avail_in = static_cast<uInt>(raw_len);
            if (raw_len == 0) {
                if (in_member) fail(Exit::partial, "truncated gzip stream");
                eof = true;
                return;
            }
        }
        if (!in_member) {
            // Another member follows (cat a.gz b.gz is one valid gzip file).
            inflateReset(&zs);
            in_member = true;
        }
        auto* out = reinterpret_cast<unsigned char*>(buf.data() + end);
        zs.next_out = out;
        zs.avail_out = static_cast<uInt>(std::min<std::size_t>(buf.size() - end, UINT32_MAX));
        int rc = inflate(&zs, Z_NO_FLUSH);
        end += static_cast<std::size_t>(zs.next_out - out);
        switch (rc) {
            case Z_OK:
            case Z_BUF_ERROR:  // no progress possible until more input is read
                return;
            case Z_STREAM_END:
                in_member = false;
                return;
            case Z_MEM_ERROR:
                fail(Exit::partial, "out of memory");
            default:
                fail(Exit::partial,
                     std::string("corrupt gzip stream: ") + (zs.msg ? zs.msg : "unknown error"));
        }
    }
};

LineReader::LineReader(const InputSpec& input) : impl_(std::make_unique<Impl>()), input_(input) {
    impl_->name = input.display();
    if (input.is_stdin()) {
        impl_->fd = STDIN_FILENO;
    } else {
        int fd = ::open(input.path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) throw Error(Exit::config, input.path + ": " + errno_text(errno));
        impl_->fd = fd;
        impl_->owns_fd = true;
        // A directory opens fine and only fails on read; say so up front, like a missing file.
        struct stat st {};
        if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
            throw Error(Exit::config, input.path + ": " + errno_text(EISDIR));
    }
    impl_->sniff();
}

LineReader::~LineReader() = default;

bool LineReader::next(std::string_view& line) {
    Impl& r = *impl_;
    for (;;) {
        const char* base = r.buf.data();
        const void* nl = std::memchr(base + r.scanned, '\n', r.end - r.scanned);
        if (nl) {
            std::size_t stop = static_cast<std::size_t>(static_cast<const char*>(nl) - base);
            std::size_t len = stop - r.begin;
            offset_ += len + 1;
            if (len > 0 && base[stop - 1] == '\r') --len;
            line = std::string_view(base + r.begin, len);
            r.begin = r.scanned = stop + 1;
            ++line_no_;
            return true;
        }
        r.scanned = r.end;
        if (r.eof) {
            if (r.begin == r.end) return false;
            line = std::string_view(base + r.begin, r.end - r.begin);
            offset_ += line.size();
            r.begin = r.scanned = r.end;
            ++line_no_;
            return true;
        }
        r.fill();
    }
}

}  // namespace swd
