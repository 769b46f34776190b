// Small text helpers shared by the tools: ASCII case folding and trimming. Host names, device
// names, header keywords and config words are ASCII; these never look at the locale.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace swd {

/// `s` with A-Z turned into a-z; every other byte unchanged.
std::string ascii_lower(std::string_view s);
/// ascii_lower without a copy.
void lower_in_place(std::string& s);

/// `s` without the leading and trailing bytes found in `blanks`.
std::string_view trim(std::string_view s, std::string_view blanks = " \t\r\n\v\f");

/// `s` on one line: CR, LF and TAB become spaces (a mail header value, a `Key: Value` line of
/// an alert body: no header injection, no line of its own).
std::string one_line(std::string_view s);

/// The candidate closest to `word` for a did-you-mean (ninja's SpellcheckString): the fewest
/// edits (insert, delete, replace, swap two neighbours), at most 2 and at most half of `word`'s
/// length; the first of the closest on a tie. Empty when none is close enough.
std::string nearest(std::string_view word, const std::vector<std::string>& candidates);

/// The refusal of a name the user typed that names nothing known, the same way everywhere:
/// "unknown failure type 'conection'; did you mean 'connection'?", else "unknown device 'x'
/// (known: a, b, c)" (the first ten), else "unknown building 'x' (none known yet)".
std::string unknown_name(std::string_view what, std::string_view name,
                         const std::vector<std::string>& known);

/// `s` fit for one line on a terminal or in a log: control characters (a newline in a Maildir
/// file name, an escape sequence) written as C escapes (\n, \r, \t, \x1b).
std::string escape_controls(std::string_view s);

}  // namespace swd
