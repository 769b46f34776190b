#include "libcore/package/manifest.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <pugixml.hpp>
#include <set>
#include <utility>

#include "libcore/base/beneath.hpp"
#include "libcore/base/digest.hpp"
#include "libcore/base/error.hpp"
#include "libcore/base/text.hpp"
#include "libcore/base/time.hpp"
#include "libcore/base/xml.hpp"

namespace swd::package {

namespace {

using xml::local_name;

std::optional<std::string> attr(const pugi::xml_node& node, std::string_view name) {
    for (const auto& a : node.attributes())
        if (local_name(a.name()) == name) return std::string(a.value());
    return std::nullopt;
}

std::vector<pugi::xml_node> children(const pugi::xml_node& node, std::string_view name) {
    std::vector<pugi::xml_node> out;
    for (const auto& c : node.children())
        if (c.type() == pugi::node_element && local_name(c.name()) == name) out.push_back(c);
    return out;
}

pugi::xml_node child(const pugi::xml_node& node, std::string_view name) {
    for (const auto& c : node.children())
        if (c.type() == pugi::node_element && local_name(c.name()) == name) return c;
    return {};
}

std::string text(const pugi::xml_node& node) {
    return std::string(trim(node.child_value()));
}

// A destination or backup given the seed's way: <X><URI><URL>FILE://dir/</URL>
// <FILENAME>f</FILENAME></URI></X>; the file:// prefix is dropped, the rest is relative.
std::optional<std::string> uri_path(const pugi::xml_node& holder) {
    if (!holder) return std::nullopt;
    const auto uri = child(holder, "uri");
    if (!uri) return std::nullopt;
    std::string path = text(child(uri, "url"));
    if (ascii_lower(path).starts_with("file://")) path = path.substr(7);
    const std::string file = text(child(uri, "filename"));
    if (!file.empty()) {
        if (!path.empty() && path.back() != '/') path += '/';
        path += file;
    }
    return path;
}

bool yes(std::string_view v) {
    const auto l = ascii_lower(trim(v));
    return l == "y" || l == "yes" || l == "true" || l == "1";
}

Access read_access(const pugi::xml_node& node, const std::string& origin) {
    const auto acls = xml::descendants(node, "acl");
    Access a;
    if (acls.empty()) return a;
    mode_t mode = 0;
    for (const auto& acl : acls) {
        mode_t bits = 0;
        for (const char c : attr(acl, "attrib").value_or("")) {
            switch (std::toupper(static_cast<unsigned char>(c))) {
                case 'R':
                    bits |= 4;
                    break;
                case 'W':
                    bits |= 2;
                    break;
                case 'X':
                    bits |= 1;
                    break;
                case 'M':
                    bits |= 7;
                    break;
                case 'H':
                case 'S':
                case 'A':
                case ' ':
                    break;
                default:
                    throw Error(Exit::usage, origin + ": ACL attribute letter '" +
                                                 std::string(1, c) + "' is not one of RWXHSMA");
            }
        }
        const auto name = attr(acl, "name");
        const auto group = attr(acl, "group");
        if (group) {
            mode |= static_cast<mode_t>(bits << 3);
            if (*group != "$GROUP") a.group = *group;
        } else if (name && *name == "$OTHER") {
            mode |= bits;
        } else {
            mode |= static_cast<mode_t>(bits << 6);
            if (name && *name != "$USER") a.owner = *name;
        }
    }
    a.mode = mode;
    return a;
}

std::optional<Script> read_script(const pugi::xml_node& node, const std::string& origin) {
    Script s;
    s.command = text(node);
    if (s.command.empty()) throw Error(Exit::usage, origin + ": empty SCRIPT");
    if (auto t = attr(node, "timeout")) {
        const auto d = timeutil::parse_duration(*t);
        if (!d)
            throw Error(Exit::usage, origin + ": SCRIPT timeout '" + *t + "' is not a duration");
        s.timeout = *d;
    }
    return s;
}

std::string require_path(const std::optional<std::string>& p, const std::string& origin,
                         std::string_view what) {
    if (!p || p->empty()) throw Error(Exit::usage, origin + ": " + std::string(what) + " missing");
    with_context(
        origin, [&] { return beneath::split_relative(*p); }, Exit::usage);
    return *p;
}

bool is_hex64(std::string_view s) {
    return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

}  // namespace

void check_name(std::string_view what, std::string_view name) {
    const auto bad = [&](const std::string& why) {
        return Error(Exit::usage, std::string(what) + " '" + std::string(name) + "': " + why);
    };
    if (name.empty()) throw bad("empty");
    if (name.size() > 128) throw bad("longer than 128 characters");
    if (name.front() == '.' || name.front() == '-') throw bad("must not start with '.' or '-'");
    for (const char c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '+' &&
            c != '-')
            throw bad("only letters, digits and . _ + - are allowed");
    }
}

std::string normalise_arch(std::string_view arch) {
    const auto a = ascii_lower(arch);
    if (a == "amd64" || a == "x86_64" || a == "x64") return "x86_64";
    if (a == "arm64" || a == "aarch64") return "aarch64";
    if (a == "x86" || a == "i386" || a == "i486" || a == "i586" || a == "i686") return "i686";
    return a;
}

Manifest parse_manifest(std::string_view document, const std::string& origin) {
    pugi::xml_document doc;
    xml::load(doc, document, origin);
    const auto root = doc.document_element();
    if (local_name(root.name()) != "softpkg")
        throw Error(Exit::usage, origin + ": root element is <" + std::string(root.name()) +
                                     ">, expected <SOFTPKG>");
    Manifest m;
    m.name = attr(root, "name").value_or("");
    m.version = attr(root, "version").value_or("");
    with_context(
        origin,
        [&] {
            check_name("package name", m.name);
            check_name("package version", m.version);
            check_name("package id", m.id());
        },
        Exit::usage);
    m.title = text(child(root, "title"));

    auto impl = child(root, "implementation");
    if (!impl) impl = root;
    for (const auto& n : children(impl, "os"))
        m.os.push_back(ascii_lower(attr(n, "value").value_or("")));
    for (const auto& n : children(impl, "processor"))
        m.arch.push_back(normalise_arch(attr(n, "value").value_or("")));
    for (const auto& n : children(impl, "language"))
        m.language.push_back(ascii_lower(attr(n, "value").value_or("")));
    if (const auto n = child(impl, "disksize")) {
        const auto v = attr(n, "value").value_or("");
        char* end = nullptr;
        errno = 0;
        const auto bytes = std::strtoull(v.c_str(), &end, 10);
        if (v.empty() || *end != '\0' || errno != 0 || v.front() == '-')
            throw Error(Exit::usage, origin + ": DISKSIZE '" + v + "' is not a number of bytes");
        m.disk_bytes = bytes;
    }
    for (const auto& n : children(impl, "dependency")) {
        Dependency d;
        const auto type = ascii_lower(attr(n, "type").value_or("install"));
        if (type == "asset")
            d.kind = Dependency::Kind::asset;
        else if (type == "install")
            d.kind = Dependency::Kind::install;
        else
            throw Error(Exit::usage,
                        origin + ": DEPENDENCY type '" + type + "' is not asset or install");
        d.name = attr(n, "name").value_or("");
        d.version = attr(n, "version").value_or("");
        with_context(
            origin,
            [&] {
                check_name("dependency", d.name);
                if (!d.version.empty()) check_name("dependency version", d.version);
            },
            Exit::usage);
        m.dependencies.push_back(std::move(d));
    }

    std::set<std::string> destinations;
    const auto unique = [&](const std::string& dest) {
        const auto key = beneath::join(beneath::split_relative(dest));
        if (!destinations.insert(key).second)
            throw Error(Exit::usage, origin + ": destination '" + dest + "' appears twice");
    };
    for (const auto& codebase : children(impl, "codebase")) {
        for (const auto& n : codebase.children()) {
            if (n.type() != pugi::node_element) continue;
            const auto kind = local_name(n.name());
            if (kind == "dir") {
                Directory d;
                auto dest = attr(n, "destination");
                if (!dest) dest = uri_path(child(n, "destination"));
                d.destination = require_path(dest, origin, "DIR destination");
                d.access = read_access(n, origin);
                m.directories.push_back(std::move(d));
            } else if (kind == "file") {
                File f;
                auto dest = attr(n, "destination");
                if (!dest) dest = uri_path(child(n, "destination"));
                f.destination = require_path(dest, origin, "FILE destination");
                unique(f.destination);
                f.source = require_path(attr(n, "source"), origin,
                                        "FILE source (for " + f.destination + ")");
                f.overwrite = yes(attr(n, "overwrite").value_or("Y"));
                auto backup = attr(n, "backup");
                if (!backup) backup = uri_path(child(n, "backup"));
                if (backup && !backup->empty())
                    f.backup_dir = require_path(backup, origin, "FILE backup");
                f.sha256 = ascii_lower(attr(n, "sha256").value_or(""));
                if (!is_hex64(f.sha256))
                    throw Error(Exit::usage, origin + ": FILE " + f.destination +
                                                 ": sha256 missing or not 64 hex digits");
                for (const auto& u : children(n, "url"))
                    f.urls.push_back(text(u));
                if (const auto src = child(n, "source")) {
                    for (const auto& uri : children(src, "uri"))
                        for (const auto& u : children(uri, "url"))
                            f.urls.push_back(text(u));
                }
                f.access = read_access(n, origin);
                m.files.push_back(std::move(f));
            }
        }
    }
    for (const auto& n : children(impl, "script")) {
        const auto type = ascii_lower(attr(n, "type").value_or(""));
        std::optional<Script>* slot = type == "pre"       ? &m.pre
                                      : type == "command" ? &m.command
                                      : type == "post"    ? &m.post
                                                          : nullptr;
        if (!slot)
            throw Error(Exit::usage,
                        origin + ": SCRIPT type '" + type + "' is not pre, command or post");
        if (*slot) throw Error(Exit::usage, origin + ": two SCRIPT elements of type " + type);
        *slot = read_script(n, origin);
    }
    return m;
}

Package open(const std::filesystem::path& dir) {
    return with_context(
        dir.string(),
        [&] {
            const auto root = beneath::open_root(dir);
            struct stat st {};
            if (!beneath::stat_at(root.fd(), manifest_name, st))
                throw Error(Exit::usage, std::string("no ") + manifest_name);
            if (!S_ISREG(st.st_mode))
                throw Error(Exit::usage, std::string(manifest_name) + " is not a regular file");
            const auto xml = beneath::read_file_at(root.fd(), manifest_name);
            Package p;
            p.manifest = parse_manifest(xml, manifest_name);
            p.dir = dir;
            p.manifest_sha256 = digest::sha256_hex(xml);
            return p;
        },
        Exit::usage);
}

void verify(const Package& pkg) {
    with_context(
        pkg.manifest.id(),
        [&] {
            const auto root = beneath::open_root(pkg.dir);
            for (const auto& f : pkg.manifest.files) {
                with_context(
                    f.source,
                    [&] {
                        auto parts = beneath::split_relative(f.source);
                        const std::string name = parts.back();
                        parts.pop_back();
                        const auto dir = beneath::open_dir(root.fd(), parts, false);
                        struct stat st {};
                        if (!beneath::stat_at(dir.fd(), name, st))
                            throw Error(Exit::usage, "payload file missing");
                        if (!S_ISREG(st.st_mode)) throw Error(Exit::usage, "not a regular file");
                        const auto sum = beneath::sha256_at(dir.fd(), name);
                        if (sum != f.sha256)
                            throw Error(Exit::usage, "sha256 mismatch (manifest " +
                                                         f.sha256.substr(0, 12) + "..., file " +
                                                         sum.substr(0, 12) + "...)");
                    },
                    Exit::usage);
            }
        },
        Exit::usage);
}

}  // namespace swd::package
