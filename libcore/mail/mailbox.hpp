// Where received mail is: mbox files (mboxo and mboxrd), Maildirs, single message files and
// stdin, read one message at a time in bounded memory.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "libcore/base/input.hpp"

namespace swd::mailbox {

enum class Kind { mbox, maildir, file };

/// One message read from a source.
struct Item {
    /// The message's bytes, valid until the next call to Reader::next(). For an mbox: without
    /// the "From " separator line, with ">From " lines unquoted, without the separating blank
    /// line. Cut at ReadOptions::max_size (see `too_large`).
    std::string_view raw;
    std::uint64_t size = 0;  ///< the message's full size in bytes
    bool too_large = false;  ///< larger than max_size: `raw` holds only the first max_size bytes
    /// Where it is: "mbox:PATH#OFFSET" (byte offset of its "From " line), "maildir:PATH",
    /// "file:PATH"; stdin is named "stdin".
    std::string source;
    std::string path;   ///< Maildir: the message file; empty otherwise
    std::string error;  ///< set when the message could not be read (raw is empty)
};

struct ReadOptions {
    bool all = false;                    ///< Maildir: also unseen messages in cur/
    std::uint64_t max_size = 32u << 20;  ///< bytes kept of one message
    /// Maildir: open, read and close the files in batches through io_uring where the kernel
    /// allows it; false: one open(2), read(2), close(2) after the other, as where it does not.
    bool io_uring = true;
};

/// Reads the messages of one source in order: an mbox from its start, a Maildir's new/ (and
/// with `all` cur/) in name order (delivery order), skipping dotfiles and never looking at
/// tmp/. The kind is detected: a directory with cur/ and new/ is a Maildir; a file or stdin
/// that starts with "From " is an mbox (an empty file too); anything else is one message.
/// Memory stays bounded by the chunk size plus max_size whatever the size of the source.
class Reader {
  public:
    /// Opens the source. Throws Error(Exit::config, "PATH: why") when it cannot be opened or a
    /// directory is not a Maildir.
    Reader(const InputSpec& source, const ReadOptions& options);
    ~Reader();
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;

    Kind kind() const;
    /// The next message; false at the end. A message file that cannot be read comes back with
    /// `error` set; one that vanished (taken by a concurrent reader) is skipped. Throws
    /// Error(Exit::partial, "PATH: why") on a read error of an mbox or stdin, and
    /// Error(Exit::interrupted) when a signal interrupted a read.
    bool next(Item& item);

    /// Progress: work done and, when known, the total (bytes for an mbox or file, messages for
    /// a Maildir).
    std::uint64_t done() const;
    std::optional<std::uint64_t> total() const;

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

/// Where a Maildir message goes once read: into cur/ of its Maildir with the info ":2,FLAGS",
/// its existing flags kept and S (seen) added, F (flagged) too when `flagged`, in ASCII order.
std::filesystem::path seen_path(const std::filesystem::path& file, bool flagged);

/// Renames `from` to `to`. Returns false when `from` is gone: another run moved it first.
/// Throws Error(Exit::partial, "moving FROM: why") for any other failure.
bool move(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace swd::mailbox
