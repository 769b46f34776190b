// Helpers for the package, installer and queue tests: files, package directories with a correct
// manifest, and tarballs built byte by byte (so hostile ones can be made too); with them
// temp_dir.hpp, for the temporary directories they are made in.
#pragma once

#include <sys/stat.h>
#include <zlib.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "libcore/base/beneath.hpp"
#include "libcore/base/digest.hpp"
#include "temp_dir.hpp"

namespace swd::test {

inline void write_file(const std::filesystem::path& p, const std::string& content,
                       mode_t mode = 0644) {
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary | std::ios::trunc) << content;
    ::chmod(p.c_str(), mode);
}

inline std::string read_file(const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

inline mode_t mode_of(const std::filesystem::path& p) {
    struct stat st {};
    ::lstat(p.c_str(), &st);
    return st.st_mode & 07777;
}

/// One payload file of a test package.
struct Payload {
    std::string source;       ///< inside the package
    std::string destination;  ///< inside the root
    std::string content;
    std::string extra;  ///< more attributes or children, raw XML
    std::string children;
};

/// Writes DIR/swd-package.xml and the payload; `implementation` is extra XML inside
/// IMPLEMENTATION (dependencies, scripts, constraints).
inline void make_package(const std::filesystem::path& dir, const std::string& name,
                         const std::string& version, const std::vector<Payload>& files,
                         const std::string& implementation = "") {
    std::string xml = "<?xml version=\"1.0\"?>\n<SOFTPKG NAME=\"" + name + "\" VERSION=\"" +
                      version + "\">\n<TITLE>" + name + "</TITLE>\n<IMPLEMENTATION>\n" +
                      implementation + "<CODEBASE>\n";
    for (const auto& f : files) {
        write_file(dir / f.source, f.content);
        xml += "<FILE SOURCE=\"" + f.source + "\" DESTINATION=\"" + f.destination + "\" SHA256=\"" +
               swd::digest::sha256_hex(f.content) + "\" " + f.extra + ">" + f.children +
               "</FILE>\n";
    }
    xml += "</CODEBASE>\n</IMPLEMENTATION>\n</SOFTPKG>\n";
    write_file(dir / "swd-package.xml", xml);
}

/// A tar entry: type '0' file, '5' directory, '2' symlink, ...
struct TarEntry {
    TarEntry(std::string n, std::string c = "", char t = '0', std::string l = "", unsigned m = 0644)
        : name(std::move(n)), content(std::move(c)), type(t), link(std::move(l)), mode(m) {}
    std::string name;
    std::string content;
    char type;
    std::string link;
    unsigned mode;
};

inline std::string tar_bytes(const std::vector<TarEntry>& entries, bool end_marker = true) {
    std::string out;
    for (const auto& e : entries) {
        char h[512];
        std::memset(h, 0, sizeof h);
        std::snprintf(h, 100, "%s", e.name.c_str());
        std::snprintf(h + 100, 8, "%07o", e.mode);
        std::snprintf(h + 108, 8, "%07o", 0u);
        std::snprintf(h + 116, 8, "%07o", 0u);
        std::snprintf(h + 124, 12, "%011lo", static_cast<unsigned long>(e.content.size()));
        std::snprintf(h + 136, 12, "%011o", 0u);
        h[156] = e.type;
        std::snprintf(h + 157, 100, "%s", e.link.c_str());
        std::memcpy(h + 257, "ustar", 6);
        std::memcpy(h + 263, "00", 2);
        std::memset(h + 148, ' ', 8);
        unsigned sum = 0;
        for (unsigned char c : h)
            sum += c;
        std::snprintf(h + 148, 8, "%06o", sum);
        out.append(h, 512);
        out += e.content;
        out.append((512 - e.content.size() % 512) % 512, '\0');
    }
    if (end_marker) out.append(1024, '\0');
    return out;
}

inline void write_gzip(const std::filesystem::path& p, const std::string& data) {
    gzFile f = gzopen(p.c_str(), "wb");
    gzwrite(f, data.data(), static_cast<unsigned>(data.size()));
    gzclose(f);
}

}  // namespace swd::test
