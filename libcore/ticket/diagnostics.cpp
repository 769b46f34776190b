#include "libcore/ticket/diagnostics.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "libcore/base/error.hpp"
#include "libcore/base/process.hpp"

namespace swd::ticket {

namespace {

/// Host names and IPv4/IPv6 addresses only: nothing a command could read as an option.
bool plausible_address(const std::string& a) {
    if (a.empty() || a.size() > 253 || a.front() == '-') return false;
    return std::all_of(a.begin(), a.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '-' || c == ':' || c == '_';
    });
}

std::string substitute(std::string word, const DiagnosticTarget& target) {
    for (const auto& [name, value] :
         {std::pair<std::string, const std::string&>{"{address}", target.address},
          std::pair<std::string, const std::string&>{"{device}", target.device}}) {
        for (auto at = word.find(name); at != std::string::npos;
             at = word.find(name, at + value.size())) {
            word.replace(at, name.size(), value);
        }
    }
    return word;
}

/// Cuts at `limit` bytes without splitting a UTF-8 sequence, and says so when anything was
/// left out (here, or already when the output was read).
std::string trimmed(std::string text, std::size_t limit, bool cut) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\r'))
        text.pop_back();
    if (text.size() > limit) {
        std::size_t at = limit;
        while (at > 0 && (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80)
            --at;
        text.resize(at);
        cut = true;
    }
    return cut ? text + "\n[trimmed]" : text;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> run_diagnostics(const Settings& settings,
                                                                 const DiagnosticTarget& target) {
    std::vector<std::pair<std::string, std::string>> out;
    if (!settings.diagnostics) return out;
    for (const auto& [name, tmpl] :
         {std::pair<std::string, const std::string&>{"ping", settings.ping},
          std::pair<std::string, const std::string&>{"traceroute", settings.traceroute}}) {
        if (tmpl.empty()) continue;
        if (!plausible_address(target.address)) {
            out.emplace_back(name,
                             "not run: '" + target.address + "' is not a host name or address");
            continue;
        }
        process::Command cmd;
        try {
            for (const auto& word : process::split_words(tmpl))
                cmd.argv.push_back(substitute(word, target));
        } catch (const Error& e) {
            out.emplace_back(name, std::string("not run: ticket.") + name + ": " + e.what());
            continue;
        }
        if (cmd.argv.empty()) continue;
        cmd.timeout =
            std::chrono::duration_cast<std::chrono::milliseconds>(settings.diagnostics_timeout);
        cmd.max_output = settings.diagnostics_limit + 1;
        try {
            const auto r = process::run(cmd);
            std::string text = r.out;
            if (!r.err.empty()) text += (text.empty() ? "" : "\n") + r.err;
            text = trimmed(std::move(text), settings.diagnostics_limit,
                           r.out_truncated || r.err_truncated);
            if (!r.ok())
                text += (text.empty() ? "[" : "\n[") + process::shell_join(cmd.argv) + ": " +
                        r.describe() + "]";
            out.emplace_back(name, std::move(text));
        } catch (const Error& e) {
            out.emplace_back(name, e.what());
        }
    }
    return out;
}

std::vector<std::vector<std::pair<std::string, std::string>>> run_diagnostics(
    const Settings& settings, const std::vector<DiagnosticTarget>& targets, int parallel) {
    std::vector<std::vector<std::pair<std::string, std::string>>> results(targets.size());
    if (!settings.diagnostics || targets.empty()) return results;
    std::atomic<std::size_t> next{0};
    const auto worker = [&] {
        for (std::size_t i = next++; i < targets.size(); i = next++)
            results[i] = run_diagnostics(settings, targets[i]);
    };
    const auto n =
        std::min<std::size_t>(targets.size(), static_cast<std::size_t>(std::max(parallel, 1)));
    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < n; ++i)
        threads.emplace_back(worker);
    worker();
    for (auto& t : threads)
        t.join();
    return results;
}

}  // namespace swd::ticket
