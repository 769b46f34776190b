#include "libcore/redist/log.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <string_view>
#include <system_error>

#include "libcore/base/error.hpp"
#include "libcore/base/input.hpp"
#include "libcore/base/signals.hpp"
#include "libcore/queue/distlog.hpp"

namespace swd::redist {

namespace {

namespace fs = std::filesystem;

std::optional<LogFile> stat_file(const fs::path& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
    return LogFile{path, timeutil::TimePoint(std::chrono::seconds(st.st_mtim.tv_sec))};
}

// The rotation number of "NAME.3.gz" (3), for ordering files with the same modification time;
// 0 for the current log and names without one.
long rotation_number(const std::string& name, const std::string& base) {
    if (name.size() <= base.size() + 1 || name[base.size()] != '.') return 0;
    return std::strtol(name.c_str() + base.size() + 1, nullptr, 10);
}

void oldest_first(std::vector<LogFile>& files, const std::string& base) {
    std::stable_sort(files.begin(), files.end(), [&](const LogFile& a, const LogFile& b) {
        if (a.mtime != b.mtime) return a.mtime < b.mtime;
        return rotation_number(a.path.filename().string(), base) >
               rotation_number(b.path.filename().string(), base);
    });
}

// The `dist=` value of a log line, found without parsing the line: swd-queue writes it first
// after the timestamp ("ts=2026-11-21T10:15:03Z dist=D-1 ..."), so it is looked for there and
// then anywhere. Empty when the line has none, or a quoted one (then the caller parses).
std::string_view dist_of(std::string_view line, bool& quoted) {
    quoted = false;
    constexpr std::string_view key = " dist=";
    std::size_t at = std::string_view::npos;
    if (line.size() > 23 + key.size() && line.compare(23, key.size(), key) == 0)
        at = 23;
    else
        at = line.find(key);
    if (at == std::string_view::npos) return {};
    const auto begin = at + key.size();
    if (begin < line.size() && line[begin] == '"') {
        quoted = true;
        return {};
    }
    const auto end = line.find(' ', begin);
    return line.substr(begin, end == std::string_view::npos ? end : end - begin);
}

struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
        return std::hash<std::string_view>{}(s);
    }
};

}  // namespace

std::vector<LogFile> rotation_set_in(const fs::path& dir, const std::string& base) {
    std::vector<LogFile> files;
    with_context(
        "log directory " + dir.string(),
        [&] {
            for (const auto& entry : fs::directory_iterator(dir)) {
                const auto name = entry.path().filename().string();
                if (!name.starts_with(base)) continue;
                if (name.size() > base.size() && name[base.size()] != '.' &&
                    name[base.size()] != '-')
                    continue;
                if (auto f = stat_file(entry.path())) files.push_back(std::move(*f));
            }
        },
        Exit::config);
    oldest_first(files, base);
    return files;
}

std::vector<LogFile> rotation_set(const fs::path& current) {
    auto dir = current.parent_path();
    if (dir.empty()) dir = ".";
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return {};
    return rotation_set_in(dir, current.filename().string());
}

std::vector<LogFile> named_files(const std::vector<std::string>& paths) {
    std::vector<LogFile> files;
    for (const auto& p : paths) {
        auto f = stat_file(p);
        if (!f) throw Error(Exit::config, p + ": no such log file");
        files.push_back(std::move(*f));
    }
    oldest_first(files, "");
    return files;
}

namespace {

// Reads one file, adding what it holds about `wanted` to `found` (results in front of those of
// newer files, read before).
void search_file(const LogFile& file,
                 const std::unordered_set<std::string, Hash, std::equal_to<>>& wanted,
                 std::map<std::string, Found>& found, SearchStats& stats) {
    std::map<std::string, std::vector<Result>> results;
    const InputSpec input{file.path.string()};
    try {
        LineReader reader(input);
        ++stats.files_read;
        std::string_view line;
        while (reader.next(line)) {
            if ((++stats.lines & 0xffff) == 0 && interrupted()) break;
            bool quoted = false;
            const auto dist = dist_of(line, quoted);
            if (!quoted && (dist.empty() || !wanted.count(dist))) continue;
            const auto fields = distlog::parse_line(line);
            if (!fields) continue;
            const auto get = [&](const char* key) {
                const auto it = fields->find(key);
                return it == fields->end() ? std::string() : it->second;
            };
            const auto d = get("dist");
            if (!wanted.count(d)) continue;
            const auto event = get("event");
            const auto where = file.path.string() + ":" + std::to_string(reader.line_number());
            if (event == "received") {
                Received r{get("ts"),      get("cmd"),       get("origin"), get("packages"),
                           get("targets"), get("redist_of"), where};
                auto& slot = found[d].received;
                if (!r.cmd.empty() && (!slot || r.ts < slot->ts)) slot = std::move(r);
            } else if (event == "result") {
                const auto ts = timeutil::parse_rfc3339(get("ts"));
                const auto target = get("target"), package = get("package");
                if (!ts || target.empty() || package.empty()) continue;
                results[d].push_back(Result{*ts, target, package, get("result") == "success",
                                            get("failure"), get("detail"), where});
            }
        }
        stats.bytes += reader.offset();
    } catch (const Error& e) {
        ++stats.files_failed;
        spdlog::warn("reading distribution log {}", e.what());
    }
    for (auto& [d, list] : results) {
        auto& all = found[d].results;
        all.insert(all.begin(), std::make_move_iterator(list.begin()),
                   std::make_move_iterator(list.end()));
    }
}

}  // namespace

std::map<std::string, Found> search(const std::vector<LogFile>& files, const std::vector<Job>& jobs,
                                    const std::unordered_set<std::string>& more,
                                    SearchStats& stats) {
    std::unordered_set<std::string, Hash, std::equal_to<>> wanted(more.begin(), more.end());
    for (const auto& j : jobs)
        wanted.insert(j.dist);
    std::map<std::string, Found> found;
    // Newest first: a file is needed while some job lacks its received line and the file may
    // still hold it.
    for (auto it = files.rbegin(); it != files.rend(); ++it) {
        if (interrupted()) break;
        const bool needed = std::any_of(jobs.begin(), jobs.end(), [&](const Job& j) {
            const auto f = found.find(j.dist);
            if (f != found.end() && f->second.received) return false;
            return !j.from || it->mtime >= *j.from;
        });
        if (!needed) {
            stats.files_skipped += static_cast<int>(files.rend() - it);
            break;
        }
        search_file(*it, wanted, found, stats);
    }
    return found;
}

}  // namespace swd::redist
