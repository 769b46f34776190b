#include "libcore/base/text.hpp"

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

}  // namespace swd
