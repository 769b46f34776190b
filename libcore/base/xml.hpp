// XML input (package manifests now; fingerprints, inventories and OVAL next): parsed with
// pugixml, whose parser does not recurse, and refused past a documented nesting depth, so that
// no reader that walks the tree can exhaust the stack on hostile input. Walks here never
// recurse either.
#pragma once

#include <cstddef>
#include <pugixml.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace swd::xml {

/// The deepest nesting of elements a document may have (the root element is level 1).
inline constexpr std::size_t max_depth = 256;

/// Parses `text` into `doc`. Throws Error(Exit::usage) "ORIGIN: malformed XML at offset N: why",
/// or "ORIGIN: elements nested deeper than 256 levels (at offset N)".
void load(pugi::xml_document& doc, std::string_view text, const std::string& origin);

/// The element's name without its namespace prefix, in lower case: "GX:FILE" is "file".
std::string local_name(const char* name);

/// Every element below `node`, in document order, whose local_name() is `name`.
std::vector<pugi::xml_node> descendants(const pugi::xml_node& node, std::string_view name);

}  // namespace swd::xml
