#include "libcore/base/xml.hpp"

#include "libcore/base/error.hpp"
#include "libcore/base/text.hpp"

namespace swd::xml {

namespace {

/// The node after `node` in document order within `top`'s subtree, tracking the depth below
/// `top`; an empty node at the end.
pugi::xml_node next(pugi::xml_node node, const pugi::xml_node& top, std::size_t& depth) {
    if (node.first_child()) {
        ++depth;
        return node.first_child();
    }
    while (node && node != top) {
        if (node.next_sibling()) return node.next_sibling();
        node = node.parent();
        --depth;
    }
    return {};
}

}  // namespace

void load(pugi::xml_document& doc, std::string_view text, const std::string& origin) {
    const auto parsed =
        doc.load_buffer(text.data(), text.size(), pugi::parse_default, pugi::encoding_utf8);
    if (!parsed)
        throw Error(Exit::usage, origin + ": malformed XML at offset " +
                                     std::to_string(parsed.offset) + ": " + parsed.description());
    std::size_t depth = 0;
    for (auto n = next(doc, doc, depth); n; n = next(n, doc, depth)) {
        if (depth <= max_depth) continue;
        const std::string why = origin + ": elements nested deeper than " +
                                std::to_string(max_depth) + " levels (at offset " +
                                std::to_string(n.offset_debug()) + ")";
        doc.reset();
        throw Error(Exit::usage, why);
    }
}

std::string local_name(const char* name) {
    std::string_view n(name);
    if (const auto colon = n.rfind(':'); colon != std::string_view::npos)
        n.remove_prefix(colon + 1);
    return ascii_lower(n);
}

std::vector<pugi::xml_node> descendants(const pugi::xml_node& node, std::string_view name) {
    std::vector<pugi::xml_node> out;
    std::size_t depth = 0;
    for (auto n = next(node, node, depth); n; n = next(n, node, depth))
        if (n.type() == pugi::node_element && local_name(n.name()) == name) out.push_back(n);
    return out;
}

}  // namespace swd::xml
