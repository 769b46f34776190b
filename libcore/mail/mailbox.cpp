#include "libcore/mail/mailbox.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <liburing.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "libcore/base/error.hpp"
#include "libcore/base/signals.hpp"

namespace swd::mailbox {

namespace {

constexpr std::size_t chunk_size = 1 << 20;

bool starts_with_from(std::string_view line) {
    return line.starts_with("From ");
}

/// "From sender Sat Nov 21 11:00:01 2026": a separator even without a blank line before it.
bool looks_like_envelope(std::string_view line) {
    for (std::size_t i = 5; i + 5 <= line.size(); ++i) {
        const auto d = [&](std::size_t k) { return line[i + k] >= '0' && line[i + k] <= '9'; };
        if (d(0) && d(1) && line[i + 2] == ':' && d(3) && d(4)) return true;
    }
    return false;
}

bool is_blank(std::string_view line) {
    return line == "\n" || line == "\r\n";
}

/// An open file descriptor, closed on destruction unless it is stdin.
struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd > STDIN_FILENO) ::close(fd);
    }
};

/// Bytes that are not zeroed when allocated: a page of it costs only once written to, so a
/// 64 KiB window for a message of 1 KiB touches one page, not sixteen.
class Buffer {
  public:
    char* data() { return data_.get(); }
    const char* data() const { return data_.get(); }
    std::size_t size() const { return size_; }
    /// Grows to at least `n` bytes, keeping the first `keep`.
    void grow(std::size_t n, std::size_t keep) {
        if (n <= size_) return;
        auto bigger = std::make_unique_for_overwrite<char[]>(n);
        if (keep) std::memcpy(bigger.get(), data_.get(), std::min(keep, size_));
        data_ = std::move(bigger);
        size_ = n;
    }
    void release() {
        data_.reset();
        size_ = 0;
    }

  private:
    std::unique_ptr<char[]> data_;
    std::size_t size_ = 0;
};

/// A Maildir message file as read: data[0, len).
struct Loaded {
    Buffer data;
    std::size_t len = 0;
    std::uint64_t size = 0;  // the file's size
    bool too_large = false;
    bool vanished = false;  // gone before it could be opened: another reader took it
    int err = 0;            // errno of a failed open or read
};

/// Reads `fd` into `out`, at most max_size bytes (then too_large). A regular file's read(2) is
/// short only at its end, so no fstat(2) is needed: a message costs three system calls.
void read_file(int fd, std::uint64_t max_size, Loaded& out) {
    std::size_t got = 0;
    for (;;) {
        if (out.data.size() < got + 65536) out.data.grow(std::max(got * 2, got + 65536), got);
        const std::size_t want = out.data.size() - got;
        const ssize_t n = ::read(fd, out.data.data() + got, want);
        if (n < 0) {
            if (errno == EINTR) continue;
            out.err = errno;
            got = 0;
            break;
        }
        got += static_cast<std::size_t>(n);
        if (got > max_size) {
            out.too_large = true;
            struct stat st {};
            out.size = ::fstat(fd, &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : got;
            got = static_cast<std::size_t>(max_size);
            break;
        }
        if (static_cast<std::size_t>(n) < want) break;
    }
    if (!out.too_large) out.size = got;
    out.len = got;
}

/// The first `window` bytes of a file, read with its first read(2) into out.data: `got` of
/// them came. Reads the rest, if any, with pread(2) (the first read was at offset 0 and left
/// the file position alone), up to max_size bytes, then sets `len`, `size` and `too_large` as
/// read_file() does.
void finish_read(int fd, std::size_t got, std::size_t window, std::uint64_t max_size, Loaded& out) {
    bool more = got == window;
    while (more && got <= max_size) {
        if (out.data.size() < got + 65536) out.data.grow(std::max(got * 2, got + 65536), got);
        const std::size_t want = out.data.size() - got;
        const ssize_t n = ::pread(fd, out.data.data() + got, want, static_cast<off_t>(got));
        if (n < 0) {
            if (errno == EINTR) continue;
            out.err = errno;
            out.len = out.size = 0;
            return;
        }
        got += static_cast<std::size_t>(n);
        more = static_cast<std::size_t>(n) == want;
    }
    out.size = got;
    if (got > max_size) {
        out.too_large = true;
        struct stat st {};
        if (more && ::fstat(fd, &st) == 0) out.size = static_cast<std::uint64_t>(st.st_size);
        got = static_cast<std::size_t>(max_size);
    }
    out.len = got;
}

/// io_uring through liburing: a submission queue filled by get(), submitted and waited for by
/// run(). It lets the Maildir reader open, read and close a slab of files with three system
/// calls instead of three per file; system calls are most of the cost of a Maildir of small
/// messages.
class Ring {
  public:
    /// A ring for `entries` operations at a time; ok() is false where io_uring is missing or
    /// not allowed (then the caller uses plain system calls).
    explicit Ring(unsigned entries) {
        io_uring_params p{};
        p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
        int err = io_uring_queue_init_params(entries, &ring_, &p);
        if (err == -EINVAL) {  // a kernel before 6.1
            p = io_uring_params{};
            err = io_uring_queue_init_params(entries, &ring_, &p);
        }
        ok_ = err == 0;
    }
    ~Ring() {
        if (ok_) io_uring_queue_exit(&ring_);
    }
    Ring(const Ring&) = delete;
    Ring& operator=(const Ring&) = delete;

    /// False where io_uring is missing or not allowed, or once the kernel refused a run().
    bool ok() const { return ok_; }

    /// A cleared submission entry, queued for the next run(); at most `entries` per run(),
    /// and only while ok().
    io_uring_sqe& get() { return *io_uring_get_sqe(&ring_); }

    /// Submits what get() queued, waits for all of it and calls done(user_data, result) for
    /// each completion. False when the kernel refused: then no completion came, and the ring
    /// is closed (ok() is false from then on; the caller uses plain system calls).
    template <class Done>
    bool run(Done done) {
        const unsigned want = io_uring_sq_ready(&ring_);
        unsigned seen = 0;
        while (seen < want) {
            const int err = io_uring_submit_and_wait(&ring_, want - seen);
            if (err < 0 && err != -EINTR && err != -EAGAIN && err != -EBUSY &&
                io_uring_sq_ready(&ring_) == want) {
                io_uring_queue_exit(&ring_);  // nothing taken, and no way to take it back
                ok_ = false;
                return false;
            }
            unsigned head = 0;
            unsigned count = 0;
            io_uring_cqe* c = nullptr;
            io_uring_for_each_cqe(&ring_, head, c) {
                done(io_uring_cqe_get_data64(c), c->res);
                ++count;
            }
            io_uring_cq_advance(&ring_, count);
            seen += count;
        }
        return true;
    }

  private:
    io_uring ring_{};
    bool ok_ = false;
};

/// A Maildir's message files, in order: each a directory (0: new/, 1: cur/) and a name, the
/// names NUL-terminated in blocks of 256 KiB (not a string each: a Maildir may hold a million),
/// which never move once written.
class FileList {
  public:
    struct Entry {
        const char* name;
        std::uint32_t len;
        int dir;
    };

    void add(int dir, std::string_view name) {
        if (room_ < name.size() + 1) {
            const std::size_t size = std::max<std::size_t>(block_size, name.size() + 1);
            blocks_.push_back(std::make_unique_for_overwrite<char[]>(size));
            free_ = blocks_.back().get();
            room_ = size;
        }
        std::memcpy(free_, name.data(), name.size());
        free_[name.size()] = '\0';
        entries_.push_back({free_, static_cast<std::uint32_t>(name.size()), dir});
        free_ += name.size() + 1;
        room_ -= name.size() + 1;
    }
    /// Sorts the entries from `first` on by name.
    void sort_from(std::size_t first) {
        std::sort(entries_.begin() + static_cast<std::ptrdiff_t>(first), entries_.end(),
                  [](const Entry& a, const Entry& b) { return name(a) < name(b); });
    }
    std::size_t size() const { return entries_.size(); }
    const Entry& operator[](std::size_t i) const { return entries_[i]; }
    /// The name, NUL-terminated.
    static std::string_view name(const Entry& e) { return std::string_view(e.name, e.len); }

  private:
    static constexpr std::size_t block_size = 256u << 10;
    std::vector<Entry> entries_;
    std::vector<std::unique_ptr<char[]>> blocks_;
    char* free_ = nullptr;
    std::size_t room_ = 0;
};

/// Reads a Maildir's message files on a second thread, in order and a bounded amount ahead, so
/// that the system calls of the next messages overlap the parsing of this one. Files travel in
/// slabs (up to 256 files or 4 MiB), so the threads meet once per slab, not once per message;
/// a slab is opened, read and closed through io_uring where the kernel allows it (three system
/// calls a slab), else with open/read/close per file.
class ReadAhead {
  public:
    /// Reads through io_uring when `io_uring` and the kernel allows it.
    ReadAhead(const int* dirs, const FileList& files, std::uint64_t max_size, bool io_uring)
        : dirs_(dirs), files_(files), max_size_(max_size), io_uring_(io_uring), thread_([this] {
              work();
          }) {}

    ~ReadAhead() {
        {
            std::lock_guard lock(mu_);
            stop_ = true;
        }
        cv_.notify_all();
        thread_.join();
    }
    ReadAhead(const ReadAhead&) = delete;
    ReadAhead& operator=(const ReadAhead&) = delete;

    /// The next file in order, valid until the next call; nullptr at the end.
    Loaded* next() {
        if (current_ && next_in_slab_ < current_->count) return &current_->files[next_in_slab_++];
        {
            std::unique_lock lock(mu_);
            if (current_) spare_.push_back(std::move(current_));
            cv_.notify_all();
            cv_.wait(lock, [&] { return !ready_.empty() || finished_; });
            if (ready_.empty()) return nullptr;
            current_ = std::move(ready_.front());
            ready_.pop_front();
        }
        cv_.notify_all();
        next_in_slab_ = 1;
        return &current_->files[0];
    }

  private:
    static constexpr std::size_t slab_files = 256;
    static constexpr std::size_t slab_bytes = 4u << 20;
    static constexpr std::size_t max_slabs = 4;

    struct Slab {
        std::vector<Loaded> files = std::vector<Loaded>(slab_files);
        std::size_t count = 0;
    };

    void work() {
        std::optional<Ring> ring;  // made here: only this thread may use it
        if (io_uring_) ring.emplace(slab_files);
        std::size_t i = 0;
        while (i < files_.size()) {
            std::unique_ptr<Slab> slab;
            {
                std::unique_lock lock(mu_);
                cv_.wait(lock, [&] { return stop_ || ready_.size() < max_slabs; });
                if (stop_) return;
                if (!spare_.empty()) {
                    slab = std::move(spare_.back());
                    spare_.pop_back();
                }
            }
            if (!slab) slab = std::make_unique<Slab>();
            slab->count = 0;
            if (ring && ring->ok()) {
                i += load_all(*ring, i, std::min(slab_files, files_.size() - i), *slab);
            } else {
                std::size_t bytes = 0;
                while (i < files_.size() && slab->count < slab_files && bytes < slab_bytes) {
                    Loaded& out = slab->files[slab->count++];
                    load(files_[i++], out);
                    bytes += out.len;
                }
            }
            {
                std::lock_guard lock(mu_);
                ready_.push_back(std::move(slab));
            }
            cv_.notify_all();
        }
        {
            std::lock_guard lock(mu_);
            finished_ = true;
        }
        cv_.notify_all();
    }

    static void reset(Loaded& out) {
        if (out.data.size() > (1u << 20)) out.data.release();  // no big leftovers
        out.len = 0;
        out.size = 0;
        out.too_large = out.vanished = false;
        out.err = 0;
    }

    /// Loads files_[first, first + n) into slab->files[0, n) through the ring: all opened, then
    /// all read (the first 16 KiB; a larger file's rest with pread(2)), then all closed. Stops
    /// early, as load() does, once the slab holds slab_bytes: returns the number loaded.
    /// Where the ring fails, the plain load() does the rest.
    std::size_t load_all(Ring& ring, std::size_t first, std::size_t n, Slab& slab) {
        constexpr std::size_t window = 16384;
        slab.count = n;
        fds_.assign(n, -1);
        for (std::size_t k = 0; k < n; ++k) {
            Loaded& out = slab.files[k];
            reset(out);
            out.data.grow(window, 0);
            const FileList::Entry& file = files_[first + k];
            io_uring_sqe& e = ring.get();
            io_uring_prep_openat(&e, dirs_[file.dir], files_.name(file).data(),
                                 O_RDONLY | O_CLOEXEC, 0);
            io_uring_sqe_set_data64(&e, k);
        }
        const bool opened = ring.run([&](std::uint64_t k, int res) {
            if (res >= 0)
                fds_[k] = res;
            else if (res == -ENOENT)
                slab.files[k].vanished = true;
            else
                slab.files[k].err = -res;
        });
        if (!opened) {
            for (std::size_t k = 0; k < n; ++k)
                load(files_[first + k], slab.files[k]);
            return n;
        }
        std::size_t reads = 0;
        for (std::size_t k = 0; k < n; ++k) {
            if (fds_[k] < 0) continue;
            io_uring_sqe& e = ring.get();
            io_uring_prep_read(&e, fds_[k], slab.files[k].data.data(), window, 0);
            io_uring_sqe_set_data64(&e, k);
            ++reads;
        }
        results_.assign(n, 0);
        const bool read =
            reads == 0 || ring.run([&](std::uint64_t k, int res) { results_[k] = res; });
        std::size_t bytes = 0;
        for (std::size_t k = 0; k < n; ++k) {
            if (bytes >= slab_bytes) {  // the rest waits for the next slab
                slab.count = k;
                break;
            }
            if (fds_[k] < 0) continue;
            Loaded& out = slab.files[k];
            int res = read ? results_[k] : -EAGAIN;
            while (res == -EAGAIN || res == -EINTR) {  // the ring's read failed: a plain one
                res = static_cast<int>(::pread(fds_[k], out.data.data(), window, 0));
                if (res < 0) res = -errno;
            }
            if (res < 0) {
                out.err = -res;
                continue;
            }
            finish_read(fds_[k], static_cast<std::size_t>(res), window, max_size_, out);
            bytes += out.len;
        }
        std::size_t closes = 0;
        if (ring.ok()) {  // not when the reads were refused
            for (std::size_t k = 0; k < n; ++k) {
                if (fds_[k] < 0) continue;
                io_uring_sqe& e = ring.get();
                io_uring_prep_close(&e, fds_[k]);
                io_uring_sqe_set_data64(&e, k);
                ++closes;
            }
        }
        if (!ring.ok() || (closes && !ring.run([](std::uint64_t, int) {}))) {
            for (int fd : fds_) {
                if (fd >= 0) ::close(fd);
            }
        }
        return slab.count;
    }

    void load(const FileList::Entry& file, Loaded& out) {
        reset(out);
        Fd fd{::openat(dirs_[file.dir], files_.name(file).data(), O_RDONLY | O_CLOEXEC)};
        if (fd.fd >= 0)
            read_file(fd.fd, max_size_, out);
        else if (errno == ENOENT)
            out.vanished = true;
        else
            out.err = errno;
    }

    const int* dirs_;
    const FileList& files_;
    std::uint64_t max_size_;
    bool io_uring_;
    std::vector<int> fds_;      // load_all(): the slab's open files, -1 where none
    std::vector<int> results_;  // load_all(): what each first read gave (or -errno)
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::unique_ptr<Slab>> ready_;
    std::vector<std::unique_ptr<Slab>> spare_;
    std::unique_ptr<Slab> current_;
    std::size_t next_in_slab_ = 0;
    bool stop_ = false;
    bool finished_ = false;
    std::thread thread_;  // last: starts once everything above exists
};

}  // namespace

struct Reader::Impl {
    Kind kind = Kind::file;
    std::string name;  // as shown in `source`: the path, or "stdin"
    ReadOptions options;
    Fd fd;
    std::optional<std::uint64_t> total;
    std::uint64_t done = 0;

    // Byte stream (mbox, file, stdin): buf[pos, end) not yet consumed; `offset` is the input
    // offset of buf[pos].
    std::vector<char> buf;
    std::size_t pos = 0;
    std::size_t end = 0;
    std::uint64_t offset = 0;
    bool eof = false;
    bool at_line_start = true;

    // mbox: the separator line of the next message has been read; it started at `next_from`.
    bool have_next = false;
    std::uint64_t next_from = 0;

    // Maildir: new/ and cur/ opened, the files in order (directory, name), and their reader.
    int dirs[2] = {-1, -1};
    std::string dir_paths[2];
    FileList files;
    std::size_t file_index = 0;
    std::unique_ptr<ReadAhead> read_ahead;

    std::string message;  // the current message's bytes (mbox, file)

    ~Impl() {
        read_ahead.reset();
        for (int d : dirs) {
            if (d >= 0) ::close(d);
        }
    }
    bool single_done = false;

    [[noreturn]] void fail(Exit code, const std::string& why) const {
        throw Error(code, name + ": " + why);
    }

    /// Appends what read(2) gives to buf[end...]; false at the end of the input.
    bool fill() {
        if (eof) return false;
        if (pos == end) pos = end = 0;
        if (end == buf.size()) {
            std::memmove(buf.data(), buf.data() + pos, end - pos);
            end -= pos;
            pos = 0;
        }
        for (;;) {
            const ssize_t n = ::read(fd.fd, buf.data() + end, buf.size() - end);
            if (n > 0) {
                end += static_cast<std::size_t>(n);
                return true;
            }
            if (n == 0) {
                eof = true;
                return false;
            }
            if (errno != EINTR) fail(Exit::partial, errno_text(errno));
            if (interrupted()) fail(Exit::interrupted, "interrupted");
        }
    }

    /// The next line with its "\n", or a piece of a line too long for the buffer (then
    /// `line_start` tells whether the piece begins a line). False at the end of the input.
    bool next_line(std::string_view& line, std::uint64_t& line_offset, bool& line_start) {
        for (;;) {
            const char* base = buf.data() + pos;
            if (const void* nl = std::memchr(base, '\n', end - pos)) {
                const std::size_t len =
                    static_cast<std::size_t>(static_cast<const char*>(nl) - base) + 1;
                return take(len, line, line_offset, line_start, true);
            }
            const bool full = pos == 0 && end == buf.size();
            if (full || !fill()) {
                if (pos == end) return false;
                return take(end - pos, line, line_offset, line_start, false);
            }
        }
    }

    bool take(std::size_t len, std::string_view& line, std::uint64_t& line_offset, bool& line_start,
              bool complete) {
        line = std::string_view(buf.data() + pos, len);
        line_offset = offset;
        line_start = at_line_start;
        at_line_start = complete;
        pos += len;
        offset += len;
        done = offset;
        return true;
    }

    void append(Item& item, std::string_view bytes) {
        item.size += bytes.size();
        if (message.size() >= options.max_size) {
            item.too_large = true;
            return;
        }
        const std::size_t room = options.max_size - message.size();
        if (bytes.size() > room) {
            item.too_large = true;
            bytes = bytes.substr(0, room);
        }
        message.append(bytes);
    }

    bool next_mbox(Item& item) {
        if (!have_next) return false;
        item.source = "mbox:" + name + "#" + std::to_string(next_from);
        have_next = false;
        // A blank line is held back until the next line shows it is not the one before a
        // separator (or the end), which belongs to the mbox: it never counts against max_size.
        std::string blank;
        bool held = false;
        std::string_view line;
        std::uint64_t line_offset = 0;
        bool line_start = false;
        while (next_line(line, line_offset, line_start)) {
            if (line_start && starts_with_from(line) && (held || looks_like_envelope(line))) {
                have_next = true;
                next_from = line_offset;
                break;
            }
            if (held) {
                append(item, blank);
                held = false;
            }
            if (line_start && is_blank(line)) {
                blank.assign(line);
                held = true;
                continue;
            }
            if (line_start && line.starts_with('>')) {
                // mboxrd: ">From " was "From ", ">>From " was ">From "; mboxo's ">From " too.
                const std::size_t quotes = line.find_first_not_of('>');
                if (quotes != std::string_view::npos && line.substr(quotes).starts_with("From "))
                    line.remove_prefix(1);
            }
            append(item, line);
        }
        item.raw = message;
        return true;
    }

    /// After the kind is known to be mbox: consumes the first separator line.
    void start_mbox() {
        std::string_view line;
        std::uint64_t line_offset = 0;
        bool line_start = false;
        have_next = next_line(line, line_offset, line_start);
        next_from = line_offset;
    }

    bool next_single(Item& item) {
        if (single_done) return false;
        single_done = true;
        item.source = "file:" + name;
        do {
            append(item, std::string_view(buf.data() + pos, end - pos));
            offset += end - pos;
            pos = end;
            done = offset;
        } while (fill());
        item.raw = message;
        return true;
    }

    bool next_maildir(Item& item) {
        if (!read_ahead)
            read_ahead =
                std::make_unique<ReadAhead>(dirs, files, options.max_size, options.io_uring);
        while (const Loaded* file = read_ahead->next()) {
            const FileList::Entry& entry = files[file_index++];
            done = file_index;
            if (file->vanished) continue;
            const std::string_view file_name = files.name(entry);
            item.source.reserve(8 + dir_paths[entry.dir].size() + 1 + file_name.size());
            item.source.append("maildir:")
                .append(dir_paths[entry.dir])
                .append("/")
                .append(file_name);
            item.path.assign(item.source, 8);
            if (file->err) {
                item.error = errno_text(file->err);
                return true;
            }
            item.size = file->size;
            item.too_large = file->too_large;
            item.raw = std::string_view(file->data.data(), file->len);
            return true;
        }
        return false;
    }

    /// Lists the regular files of `sub` (0: new, 1: cur) without dotfiles; with
    /// `unseen_only`, those without the S flag.
    void list(const std::filesystem::path& maildir, int sub, bool unseen_only) {
        const std::filesystem::path dir = maildir / (sub == 0 ? "new" : "cur");
        dir_paths[sub] = dir.string();
        dirs[sub] = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirs[sub] < 0) fail(Exit::config, dir.string() + ": " + errno_text(errno));
        DIR* d = ::opendir(dir.c_str());
        if (!d) fail(Exit::config, dir.string() + ": " + errno_text(errno));
        const std::size_t first = files.size();
        while (const dirent* e = ::readdir(d)) {
            std::string_view n = e->d_name;
            if (n.starts_with('.')) continue;
            if (e->d_type != DT_REG && e->d_type != DT_UNKNOWN && e->d_type != DT_LNK) continue;
            if (unseen_only) {
                const std::size_t info = n.rfind(":2,");
                if (info != std::string_view::npos &&
                    n.substr(info + 3).find('S') != std::string_view::npos)
                    continue;
            }
            files.add(sub, n);
        }
        ::closedir(d);
        files.sort_from(first);
    }
};

Reader::Reader(const InputSpec& source, const ReadOptions& options)
    : impl_(std::make_unique<Impl>()) {
    Impl& r = *impl_;
    r.name = source.display();
    r.options = options;
    if (source.is_stdin()) {
        r.fd.fd = STDIN_FILENO;
    } else {
        struct stat st {};
        if (::stat(source.path.c_str(), &st) != 0) r.fail(Exit::config, errno_text(errno));
        if (S_ISDIR(st.st_mode)) {
            const std::filesystem::path dir = source.path;
            struct stat sub {};
            if (::stat((dir / "new").c_str(), &sub) != 0 || !S_ISDIR(sub.st_mode) ||
                ::stat((dir / "cur").c_str(), &sub) != 0 || !S_ISDIR(sub.st_mode))
                r.fail(Exit::config, "a directory, but not a Maildir (no cur/ and new/)");
            r.kind = Kind::maildir;
            r.list(dir, 0, false);
            if (options.all) r.list(dir, 1, true);
            r.total = r.files.size();
            return;
        }
        r.fd.fd = ::open(source.path.c_str(), O_RDONLY | O_CLOEXEC);
        if (r.fd.fd < 0) r.fail(Exit::config, errno_text(errno));
        if (::fstat(r.fd.fd, &st) == 0 && S_ISREG(st.st_mode))
            r.total = static_cast<std::uint64_t>(st.st_size);
    }
    r.buf.resize(chunk_size);
    while (r.end < 5 && r.fill()) {
    }
    const std::string_view head(r.buf.data(), r.end);
    if (head.starts_with("From ") || head.empty()) {
        r.kind = Kind::mbox;
        r.start_mbox();
    }
}

Reader::~Reader() = default;

Kind Reader::kind() const {
    return impl_->kind;
}

bool Reader::next(Item& item) {
    Impl& r = *impl_;
    item.raw = {};
    item.size = 0;
    item.too_large = false;
    item.source.clear();
    item.path.clear();
    item.error.clear();
    r.message.clear();
    switch (r.kind) {
        case Kind::mbox:
            return r.next_mbox(item);
        case Kind::maildir:
            return r.next_maildir(item);
        case Kind::file:
            return r.next_single(item);
    }
    return false;
}

std::uint64_t Reader::done() const {
    return impl_->done;
}
std::optional<std::uint64_t> Reader::total() const {
    return impl_->total;
}

std::filesystem::path seen_path(const std::filesystem::path& file, bool flagged) {
    std::string name = file.filename().string();
    std::string flags;
    if (const std::size_t info = name.rfind(":2,"); info != std::string::npos) {
        flags = name.substr(info + 3);
        name.resize(info);
    } else if (const std::size_t colon = name.rfind(':'); colon != std::string::npos) {
        name.resize(colon);  // some other (experimental) info: not ours to keep
    }
    flags += 'S';
    if (flagged) flags += 'F';
    std::sort(flags.begin(), flags.end());
    flags.erase(std::unique(flags.begin(), flags.end()), flags.end());
    return file.parent_path().parent_path() / "cur" / (name + ":2," + flags);
}

bool move(const std::filesystem::path& from, const std::filesystem::path& to) {
    if (from == to) return true;
    if (::rename(from.c_str(), to.c_str()) == 0) return true;
    const int err = errno;
    if (err == ENOENT && ::access(from.c_str(), F_OK) != 0 && errno == ENOENT) return false;
    throw Error(Exit::partial, "moving " + from.string() + ": " + errno_text(err));
}

}  // namespace swd::mailbox
