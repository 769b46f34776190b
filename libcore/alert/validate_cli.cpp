#include "libcore/alert/validate_cli.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "libcore/alert/devices.hpp"
#include "libcore/base/format.hpp"
#include "libcore/base/input.hpp"
#include "libcore/base/jsonl.hpp"
#include "libcore/base/state.hpp"
#include "libcore/base/text.hpp"

namespace swd::validate {

void add_options(CLI::App& app, Options& opt) {
    app.add_option("FILE", opt.inputs, "alert JSONL to check (default: stdin)")->type_name("FILE");
    app.add_option("--domains", opt.domains,
                   "domain list file (else [validate] domains, else the devices' domains)")
        ->type_name("FILE");
    app.add_option("--nodes", opt.nodes,
                   "node list file (else [validate] nodes, else the devices' names)")
        ->type_name("FILE");
    app.add_option("--rejects", opt.rejects,
                   "append reject records to FILE (else [validate] rejects, else stderr)")
        ->type_name("FILE");
}

Rules load_rules(const Options& opt, const Config& config, const std::string& state_flag) {
    const auto file = [&](const std::string& flag, std::string_view key) {
        return flag.empty() ? config.text(key) : flag;
    };
    const std::string domains_file = file(opt.domains, "validate.domains");
    const std::string nodes_file = file(opt.nodes, "validate.nodes");

    Rules rules;
    const auto from_file = [](const std::string& path, bool domains, std::string_view what) {
        auto list = read_list(path, domains);
        if (list.empty())
            spdlog::warn("{}: the {} list is empty: every alert will be rejected", path, what);
        return list;
    };
    if (!domains_file.empty()) rules.domains = from_file(domains_file, true, "domain");
    if (!nodes_file.empty()) rules.nodes = from_file(nodes_file, false, "node");

    if (domains_file.empty() || nodes_file.empty()) {
        const auto path = state_path(state_flag, config);
        // No state file is an empty inventory: the error below says how to give the lists.
        std::error_code absent;
        if (std::filesystem::exists(path, absent)) {
            State state(path, {&devices::schema()}, Access::read);
            if (nodes_file.empty()) {
                for (auto& d : devices::list(state.db()))
                    rules.nodes.push_back(std::move(d.name));
            }
            if (domains_file.empty()) rules.domains = devices::domains(state.db());
        }
        const auto missing = [&](std::string_view what, std::string_view flag) {
            return Error(Exit::config, "no " + std::string(what) + " list: give " +
                                           std::string(flag) + " FILE, set [validate] " +
                                           std::string(flag.substr(2)) +
                                           ", or import the device inventory into the state file " +
                                           path.string() + " (swd-ticket devices import FILE.csv)");
        };
        if (domains_file.empty() && rules.domains.empty()) throw missing("domain", "--domains");
        if (nodes_file.empty() && rules.nodes.empty()) throw missing("node", "--nodes");
    }

    rules.reply_patterns = config.strings("validate.reply_patterns");
    rules.auto_reply_patterns = config.strings("validate.auto_reply_patterns");
    return rules;
}

namespace {

/// Where rejects go: `reject` records appended to a file, or one stderr line each.
class RejectSink {
  public:
    explicit RejectSink(const std::string& path) : path_(path) {
        if (path.empty()) return;
        file_.reset(std::fopen(path.c_str(), "ae"));
        if (!file_) throw Error(Exit::config, "rejects file " + path + ": " + errno_text(errno));
    }

    /// A line that was a JSON object: `record` holds it as is.
    void record(const jsonl::Item& item, const Reject& reject) {
        if (!file_) return log(item, reject);
        jsonl::Record rec = start(reject);
        rec.key("record").raw(item.text);
        put(rec);
    }

    /// A line that was not: `line` holds its text and `source` where it was. On stderr these
    /// are capped, as garbage input makes one per pseudo-line.
    void line(const jsonl::Item& item, const Reject& reject) {
        if (!file_) {
            bad_lines_(escape_controls(item.source) + ":" + std::to_string(item.line) + ": " +
                       std::string(reason_name(reject.reason)) + ": " + reject.detail);
            return;
        }
        jsonl::Record rec = start(reject);
        rec.field("line", item.text);
        rec.field("source", item.source + ":" + std::to_string(item.line));
        put(rec);
    }

    /// Flushes the file; throws Error when a write failed.
    void finish() {
        bad_lines_.finish();
        if (file_ && (std::fflush(file_.get()) != 0 || std::ferror(file_.get())))
            throw Error(Exit::partial, "rejects file " + path_ + ": " + errno_text(errno));
    }

  private:
    jsonl::LineWarnings bad_lines_;
    struct Close {
        void operator()(std::FILE* f) const { std::fclose(f); }
    };

    static jsonl::Record start(const Reject& reject) {
        jsonl::Record rec("reject");
        rec.field("stage", "validate");
        rec.field("reason", reason_name(reject.reason));
        rec.field("detail", reject.detail);
        return rec;
    }

    void put(jsonl::Record& rec) {
        std::string text = rec.finish();
        text += '\n';
        with_context(
            "rejects file " + path_, [&] { write_all(file_.get(), text); }, Exit::partial);
    }

    static void log(const jsonl::Item& item, const Reject& reject) {
        spdlog::warn("{}:{}: {}: {}", escape_controls(item.source), item.line,
                     reason_name(reject.reason), reject.detail);
    }

    std::string path_;
    std::unique_ptr<std::FILE, Close> file_;
};

/// Valid lines out: straight through a buffer in JSONL, or rendered as a table.
class Passed {
  public:
    explicit Passed(Format format)
        : table_(format == Format::table
                     ? std::make_unique<RecordOutput>(
                           Format::table, std::vector<std::string>{"date", "node", "domain",
                                                                   "failure", "device", "subject"})
                     : nullptr) {
        buffer_.reserve(flush_at + 4096);
    }

    void write(std::string_view line) {
        if (table_) return table_->write(line);
        buffer_.append(line);
        buffer_ += '\n';
        if (buffer_.size() >= flush_at) flush();
    }

    void finish() {
        if (table_) return table_->finish();
        flush();
    }

  private:
    static constexpr std::size_t flush_at = 64 * 1024;

    void flush() {
        write_all(stdout, buffer_);
        buffer_.clear();
    }

    std::unique_ptr<RecordOutput> table_;
    std::string buffer_;
};

struct Counts {
    std::size_t records = 0;
    std::size_t valid = 0;
    std::array<std::size_t, 5> rejected{};  // by Reason
};

}  // namespace

Exit run(Tool& tool, const Options& opt) {
    const Config& config = tool.config();
    Validator validator(load_rules(opt, config, tool.common().state));
    const auto inputs = resolve_inputs(opt.inputs);
    RejectSink rejects(opt.rejects.empty() ? config.text("validate.rejects") : opt.rejects);
    Passed passed(tool.format());

    Counts counts;
    bool unreadable = false;
    bool stopped = false;
    jsonl::Item item;
    for (const auto& input : inputs) {
        // One reader per input, so that an unreadable or truncated input does not end the run.
        jsonl::Reader reader({input});
        for (;;) {
            if (interrupted()) {
                stopped = true;
                break;
            }
            try {
                if (!reader.next(item)) break;
            } catch (const Error& e) {
                spdlog::error("{}", escape_controls(e.what()));
                unreadable = true;
                break;
            }
            ++counts.records;
            if (!item.ok()) {
                const Reject reject{Reason::malformed, item.error};
                ++counts.rejected[static_cast<std::size_t>(reject.reason)];
                rejects.line(item, reject);
                continue;
            }
            if (auto reject = validator.check(item.doc)) {
                ++counts.rejected[static_cast<std::size_t>(reject->reason)];
                rejects.record(item, *reject);
                continue;
            }
            ++counts.valid;
            passed.write(item.text);
        }
        if (stopped) break;
    }
    passed.finish();
    rejects.finish();

    const auto& r = counts.rejected;
    spdlog::info(
        "{} records: {} valid, {} rejected (domain {}, subject {}, node {}, incomplete {}, "
        "malformed {})",
        counts.records, counts.valid, counts.records - counts.valid, r[0], r[1], r[2], r[3], r[4]);
    if (stopped) return Exit::interrupted;
    if (unreadable) return Exit::partial;
    if (counts.records > 0 && counts.valid == 0) return Exit::negative;
    return Exit::ok;
}

}  // namespace swd::validate
