#include "libcore/queue/transport.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "libcore/base/error.hpp"
#include "libcore/base/process.hpp"
#include "libcore/package/installer.hpp"

namespace swd::queue {

namespace {

bool known_placeholder(std::string_view name) {
    return std::any_of(std::begin(placeholders), std::end(placeholders),
                       [&](const char* p) { return name == p; });
}

std::string last_line(std::string_view text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
        text.remove_suffix(1);
    if (const auto nl = text.rfind('\n'); nl != std::string_view::npos) text.remove_prefix(nl + 1);
    std::string out(text.substr(0, 200));
    for (char& c : out)
        if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    return out;
}

std::map<std::string, std::string> values_for(const Target& t) {
    return {{"target", t.name}, {"address", t.address}, {"mac", t.mac}};
}

StepResult run_template(std::string_view what, const std::string& text,
                        const std::map<std::string, std::string>& values,
                        std::chrono::seconds timeout, const std::string& fail_type) {
    StepResult r;
    process::Command cmd;
    try {
        cmd.argv = expand(text, values);
    } catch (const Error& e) {
        r.failure = "other";
        r.detail = std::string(what) + " command: " + e.what();
        return r;
    }
    cmd.timeout = timeout;
    cmd.max_output = 64 * 1024;
    process::Result res;
    try {
        res = process::run(cmd);
    } catch (const Error& e) {
        r.failure = fail_type;
        r.detail = std::string(what) + ": " + e.what();
        return r;
    }
    if (res.ok()) {
        r.ok = true;
        r.detail = std::string(what) + " ok";
        return r;
    }
    r.failure = res.timed_out ? (fail_type == "connection" ? "connection" : "timeout") : fail_type;
    r.detail = std::string(what) + " command " + (res.timed_out ? "" : "failed: ") + res.describe();
    if (auto l = last_line(res.err); !l.empty()) r.detail += ": " + l;
    return r;
}

std::filesystem::path local_root(const Target& t) {
    return t.transport.substr(std::string_view("local:").size());
}

bool is_local(const Target& t) {
    return t.transport.starts_with("local:");
}

}  // namespace

void check_template(std::string_view what, std::string_view text) {
    const auto bad = [&](const std::string& why) {
        return Error(Exit::usage, std::string(what) + " '" + std::string(text) + "': " + why);
    };
    std::vector<std::string> words;
    try {
        words = process::split_words(text);
    } catch (const Error& e) {
        throw bad(e.what());
    }
    if (words.empty()) throw bad("empty command");
    for (const auto& w : words) {
        std::size_t pos = 0;
        while ((pos = w.find('{', pos)) != std::string::npos) {
            const auto close = w.find('}', pos);
            if (close == std::string::npos) break;
            const auto name = std::string_view(w).substr(pos + 1, close - pos - 1);
            if (!known_placeholder(name))
                throw bad("unknown placeholder {" + std::string(name) +
                          "} (known: {target} {address} {mac} {package} {package_dir} {params})");
            pos = close + 1;
        }
    }
}

std::vector<std::string> expand(std::string_view text,
                                const std::map<std::string, std::string>& values) {
    auto words = process::split_words(text);
    for (auto& w : words) {
        std::string out;
        std::size_t pos = 0;
        while (pos < w.size()) {
            const auto open = w.find('{', pos);
            if (open == std::string::npos) {
                out.append(w, pos);
                break;
            }
            const auto close = w.find('}', open);
            if (close == std::string::npos) {
                out.append(w, pos);
                break;
            }
            out.append(w, pos, open - pos);
            const auto it = values.find(w.substr(open + 1, close - open - 1));
            if (it != values.end())
                out += it->second;
            else
                out.append(w, open, close - open + 1);
            pos = close + 1;
        }
        w = std::move(out);
    }
    return words;
}

void check_transport(const Target& t) {
    if (is_local(t)) {
        const auto root = local_root(t);
        if (!root.is_absolute())
            throw Error(Exit::usage,
                        "transport '" + t.transport + "': local: needs an absolute directory");
        if (!t.install_cmd.empty() || !t.probe_cmd.empty())
            throw Error(Exit::usage, "transport '" + t.transport +
                                         "': --probe-cmd and --install-cmd are for exec");
        return;
    }
    if (t.transport == "exec" || t.transport == "exec:") {
        if (t.install_cmd.empty()) throw Error(Exit::usage, "transport exec needs --install-cmd");
        check_template("--install-cmd", t.install_cmd);
        if (!t.probe_cmd.empty()) check_template("--probe-cmd", t.probe_cmd);
        return;
    }
    throw Error(Exit::usage, "transport '" + t.transport + "': expected local:/DIR or exec");
}

StepResult probe(const Target& t, const TransportSettings& s) {
    if (is_local(t)) {
        StepResult r;
        const auto root = local_root(t);
        struct stat st {};
        if (::stat(root.c_str(), &st) != 0) {
            r.failure = "connection";
            r.detail = "endpoint root " + root.string() + ": " + errno_text(errno);
        } else if (!S_ISDIR(st.st_mode)) {
            r.failure = "connection";
            r.detail = "endpoint root " + root.string() + " is not a directory";
        } else if (::access(root.c_str(), W_OK) != 0) {
            r.failure = "connection";
            r.detail = "endpoint root " + root.string() + ": " + errno_text(errno);
        } else {
            r.ok = true;
            r.detail = "reachable";
        }
        return r;
    }
    if (t.probe_cmd.empty()) return StepResult{true, "", "no probe command", false, ""};
    return run_template("probe", t.probe_cmd, values_for(t), s.probe_timeout, "connection");
}

StepResult wake(const Target& t, const std::string& wake_cmd, const TransportSettings& s) {
    return run_template("wake", wake_cmd, values_for(t), s.probe_timeout, "connection");
}

StepResult install(const Target& t, const package::Store& store, const std::string& package_id,
                   const std::vector<std::string>& params, const std::string& request,
                   const TransportSettings& s) {
    StepResult r;
    std::optional<package::Package> pkg;
    try {
        pkg = store.find(package_id);
    } catch (const Error& e) {
        r.failure = "package";
        r.detail = e.what();
        return r;
    }
    if (!pkg) {
        r.failure = "package";
        r.detail = "package " + package_id + " is not in the package store";
        return r;
    }
    std::string joined;
    for (const auto& p : params)
        joined += (joined.empty() ? "" : ",") + p;
    if (is_local(t)) {
        installer::Target target;
        target.root = local_root(t);
        target.name = t.name;
        target.params = params;
        installer::Options opt;
        opt.by = request;
        opt.script_timeout = s.script_timeout;
        opt.resolve = [&store](const std::string& name_or_id) -> std::optional<package::Package> {
            if (auto p = store.find(name_or_id)) return p;
            std::optional<package::Package> best;
            for (auto& p : store.list())
                if (p.manifest.name == name_or_id) best = std::move(p);
            return best;
        };
        const auto out = installer::install(*pkg, target, opt);
        r.ok = out.ok();
        r.failure = out.failure;
        r.detail = out.detail;
        r.already = out.status == installer::Outcome::Status::already_installed;
        r.install_id = out.install_id;
        return r;
    }
    auto values = values_for(t);
    values["package"] = package_id;
    values["package_dir"] = std::filesystem::absolute(pkg->dir).string();
    values["params"] = joined;
    return run_template("install", t.install_cmd, values, s.install_timeout, "install");
}

installer::Outcome undo(const Target& t, const std::string& package_id) {
    if (!is_local(t))
        throw Error(Exit::usage, "undo: " + t.name + " is an " + t.transport +
                                     " target: only local: targets are undone by swd's installer");
    installer::Target target;
    target.root = local_root(t);
    target.name = t.name;
    return installer::undo(target, package_id);
}

}  // namespace swd::queue
