#include "libcore/base/text.hpp"

#include <algorithm>

namespace swd {

void lower_in_place(std::string& s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
}

std::string ascii_lower(std::string_view s) {
    std::string out(s);
    lower_in_place(out);
    return out;
}

std::string_view trim(std::string_view s, std::string_view blanks) {
    const auto first = s.find_first_not_of(blanks);
    if (first == std::string_view::npos) return {};
    return s.substr(first, s.find_last_not_of(blanks) - first + 1);
}

std::string one_line(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    return out;
}

std::string escape_controls(std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(s.size());
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x20 && u != 0x7F) {
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else {
            out += "\\x";
            out += hex[u >> 4];
            out += hex[u & 15];
        }
    }
    return out;
}

namespace {

/// Optimal string alignment distance: Levenshtein, and a swap of two neighbours costs one.
std::size_t edits(std::string_view a, std::string_view b) {
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i)
        d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j)
        d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.size()][b.size()];
}

}  // namespace

std::string nearest(std::string_view word, const std::vector<std::string>& candidates) {
    const std::size_t limit = std::min<std::size_t>(2, word.size() / 2);
    std::string best;
    std::size_t best_edits = limit + 1;
    for (const auto& c : candidates) {
        const std::size_t e = edits(word, c);
        if (e < best_edits) {
            best = c;
            best_edits = e;
        }
    }
    return best_edits <= limit ? best : std::string();
}

std::string unknown_name(std::string_view what, std::string_view name,
                         const std::vector<std::string>& known) {
    std::string out = "unknown " + std::string(what) + " '" + escape_controls(name) + "'";
    // Case does not count as a difference: the nearest by lower case, shown as it is known.
    std::vector<std::string> lowered;
    for (const auto& k : known)
        lowered.push_back(ascii_lower(k));
    if (const auto near = nearest(ascii_lower(name), lowered); !near.empty()) {
        const auto at = std::find(lowered.begin(), lowered.end(), near) - lowered.begin();
        return out + "; did you mean '" + known[static_cast<std::size_t>(at)] + "'?";
    }
    if (known.empty()) return out + " (none known yet)";
    out += " (known: ";
    for (std::size_t i = 0; i < known.size() && i < 10; ++i)
        out += (i ? ", " : "") + known[i];
    return out + (known.size() > 10 ? ", ...)" : ")");
}

}  // namespace swd
