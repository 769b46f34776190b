// Small text helpers shared by the tools: ASCII case folding and trimming. Host names, device
// names, header keywords and config words are ASCII; these never look at the locale.
#pragma once

#include <string>
#include <string_view>

namespace swd {

/// `s` with A-Z turned into a-z; every other byte unchanged.
std::string ascii_lower(std::string_view s);
/// ascii_lower without a copy.
void lower_in_place(std::string& s);

/// `s` without the leading and trailing bytes found in `blanks`.
std::string_view trim(std::string_view s, std::string_view blanks = " \t\r\n\v\f");

}  // namespace swd
