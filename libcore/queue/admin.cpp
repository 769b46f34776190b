#include "libcore/queue/admin.hpp"

#include "libcore/base/beneath.hpp"
#include "libcore/base/error.hpp"
#include "libcore/base/jsonl.hpp"
#include "libcore/package/installer.hpp"
#include "libcore/queue/transport.hpp"

namespace swd::queue {

std::string target_record(const Target& t) {
    jsonl::Record r("target");
    r.field("name", t.name).field("transport", t.transport);
    if (!t.probe_cmd.empty()) r.field("probe_cmd", t.probe_cmd);
    if (!t.install_cmd.empty()) r.field("install_cmd", t.install_cmd);
    for (const auto& [k, v] : {std::pair<const char*, const std::string*>{"address", &t.address},
                               {"mac", &t.mac},
                               {"location", &t.location},
                               {"region", &t.region}})
        if (!v->empty()) r.field(k, *v);
    r.field("added", t.added);
    return r.finish();
}

std::vector<Target> new_targets(const std::vector<std::string>& names, const Target& proto,
                                const std::string& ts) {
    std::vector<Target> targets;
    for (const auto& name : names) {
        package::check_name("target", name);
        Target t = proto;
        t.name = name;
        // "local:/srv/endpoints/{target}" names one directory per target.
        if (const auto p = t.transport.find("{target}");
            p != std::string::npos && t.transport.starts_with("local:"))
            t.transport.replace(p, 8, name);
        t.added = ts;
        check_transport(t);
        targets.push_back(std::move(t));
    }
    return targets;
}

void retire_target(SQLite::Database& db, const std::string& name, bool dry) {
    if (const int n = unfinished_requests(db, name); n > 0)
        throw Error(Exit::negative,
                    name + ": " + std::to_string(n) + " request(s) still queued for it");
    if (dry) return;
    if (!remove_target(db, name)) throw Error(Exit::negative, name + ": no such target");
}

std::string package_record(const package::Package& p) {
    jsonl::Record r("package");
    const auto& m = p.manifest;
    r.field("id", m.id()).field("name", m.name).field("version", m.version);
    if (!m.title.empty()) r.field("title", m.title);
    r.field("files", static_cast<std::int64_t>(m.files.size()));
    std::vector<std::string> deps;
    for (const auto& d : m.dependencies)
        deps.push_back((d.kind == package::Dependency::Kind::asset ? "asset:" : "install:") +
                       d.id());
    r.field("dependencies", deps);
    r.field("path", p.dir.string()).field("manifest_sha256", p.manifest_sha256);
    return r.finish();
}

package::Package add_package(package::Store& store, const std::string& path, bool dry) {
    if (!dry) return store.add(path);
    const auto scratch =
        std::filesystem::temp_directory_path() / beneath::temp_name("swd-queue-store");
    package::Package p;
    try {
        p = package::Store(scratch).add(path);
    } catch (...) {
        beneath::remove_tree(scratch);
        throw;
    }
    beneath::remove_tree(scratch);
    p.dir = path;
    return p;
}

bool remove_package(SQLite::Database& db, package::Store& store, const std::string& id, bool dry) {
    if (const int n = requests_using_package(db, id); n > 0)
        throw Error(Exit::negative,
                    id + ": " + std::to_string(n) + " request(s) still queued use it");
    return dry ? store.find(id).has_value() : store.remove(id);
}

std::string undo_record(const std::string& target, const std::string& package, const UndoResult& u,
                        const std::string& ts) {
    jsonl::Record r("undo");
    r.field("target", target).field("package", package).field("result", u.result);
    if (!u.install_id.empty()) r.field("install_id", u.install_id);
    r.field("detail", u.detail).field("time", ts);
    return r.finish();
}

UndoResult undo_install(State& state, distlog::Appender& log, const std::string& name,
                        const std::string& package, timeutil::TimePoint now, bool dry) {
    package::check_name("package", package);
    const auto target = find_target(state.db(), name);
    if (!target) throw Error(Exit::usage, "undo: no target " + name);
    if (!target->transport.starts_with("local:"))
        throw Error(Exit::usage, "undo: " + name + " is an " + target->transport +
                                     " target: only local: targets are undone by swd's installer");
    const auto root = target->transport.substr(std::string_view("local:").size());
    if (dry) {
        const auto rec = installer::find(root, package);
        if (!rec) return {"not_installed", "", "not installed"};
        return {"would_undo", rec->install_id, "would be undone"};
    }
    // Which distribution the install belonged to, when its record names the request.
    std::string dist;
    try {
        if (const auto rec = installer::find(root, package))
            if (const auto r = find_request(state.db(), rec->by)) dist = r->dist;
    } catch (const Error&) {
        // The undo below says what is wrong with the root.
    }
    const auto outcome = undo(*target, package);
    const bool done = outcome.status == installer::Outcome::Status::undone;
    if (outcome.status == installer::Outcome::Status::not_installed)
        return {"not_installed", outcome.install_id, outcome.detail};
    const std::string result = done ? "undone" : "failed";
    const auto ts = timeutil::format_rfc3339(now);
    state.write([&](SQLite::Database& db) {
        Event e;
        e.cls = done ? "SWD_Undo" : "SWD_Undo_Failed";
        e.severity = done ? harmless : minor;
        e.open = !done;
        e.dist = dist;
        e.target = name;
        e.package = package;
        e.message = done ? package + " undone on " + name
                         : "undo of " + package + " on " + name + " failed: " + outcome.detail;
        e.time = ts;
        add_event(db, e);
    });
    distlog::Fields line;
    if (!dist.empty()) line.emplace_back("dist", dist);
    line.insert(line.end(),
                {{"event", "undo"}, {"target", name}, {"package", package}, {"result", result}});
    if (!outcome.install_id.empty()) line.emplace_back("install_id", outcome.install_id);
    if (!done) line.emplace_back("detail", outcome.detail);
    log.append(now, line);
    return {result, outcome.install_id, outcome.detail};
}

}  // namespace swd::queue
