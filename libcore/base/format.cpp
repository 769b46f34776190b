#include "libcore/base/format.hpp"

#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "libcore/base/error.hpp"
#include "libcore/base/jsonl.hpp"

namespace swd {

Format resolve_format(std::string_view flag) {
    if (flag == "jsonl" || flag == "json") return Format::jsonl;
    if (flag == "table") return Format::table;
    if (flag == "auto") return isatty(STDOUT_FILENO) ? Format::table : Format::jsonl;
    throw Error(Exit::usage,
                "unknown --format '" + std::string(flag) + "': expected auto, jsonl or table");
}

namespace {

[[noreturn]] void throw_write_error(int err) {
    if (err == EPIPE) throw OutputClosed();
    throw Error(Exit::partial, "writing output: " + errno_text(err));
}

/// Columns on a terminal: code points, which is right for everything but wide (CJK, emoji)
/// and combining characters.
std::size_t display_width(std::string_view s) {
    std::size_t n = 0;
    for (char c : s)
        n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return n;
}

/// A string is shown as is unless it holds control characters, which would break the layout
/// or drive the terminal: then it is shown as a JSON string literal.
std::string cell(simdjson::dom::element value) {
    switch (value.type()) {
        case simdjson::dom::element_type::NULL_VALUE:
            return "-";
        case simdjson::dom::element_type::STRING: {
            std::string_view s = value.get_string().value_unsafe();
            for (char c : s) {
                if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
                    std::string quoted;
                    jsonl::append_string(quoted, s);
                    return quoted;
                }
            }
            return std::string(s);
        }
        default:
            return jsonl::to_json(value);
    }
}

std::string render_table(const std::vector<std::string>& records,
                         std::vector<std::string> columns) {
    simdjson::dom::parser parser;
    std::vector<std::vector<std::string>> rows;
    rows.reserve(records.size() + 1);
    for (std::size_t i = 0; i < records.size(); ++i) {
        simdjson::dom::object obj;
        if (auto err = parser.parse(records[i]).get(obj)) {
            throw Error(Exit::partial, "rendering table: record " + std::to_string(i + 1) + ": " +
                                           simdjson::error_message(err));
        }
        if (rows.empty()) {
            if (columns.empty()) {
                for (auto field : obj) {
                    if (field.key != "type" && field.key != "v") columns.emplace_back(field.key);
                }
            }
            std::vector<std::string> header;
            for (const auto& name : columns) {
                std::string upper = name;
                for (char& c : upper) {
                    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
                }
                header.push_back(std::move(upper));
            }
            rows.push_back(std::move(header));
        }
        std::vector<std::string> row;
        row.reserve(columns.size());
        for (const auto& name : columns) {
            simdjson::dom::element value;
            row.push_back(obj.at_key(name).get(value) ? "-" : cell(value));
        }
        rows.push_back(std::move(row));
    }

    std::vector<std::size_t> widths(columns.size(), 0);
    for (const auto& row : rows) {
        for (std::size_t c = 0; c < row.size(); ++c)
            widths[c] = std::max(widths[c], display_width(row[c]));
    }
    std::string text;
    for (const auto& row : rows) {
        for (std::size_t c = 0; c < row.size(); ++c) {
            text += row[c];
            // The last column is not padded: no trailing blanks.
            if (c + 1 < row.size()) text.append(widths[c] - display_width(row[c]) + 2, ' ');
        }
        text += '\n';
    }
    return text;
}

}  // namespace

RecordOutput::RecordOutput(Format format, std::vector<std::string> columns, std::FILE* out)
    : format_(format), columns_(std::move(columns)), out_(out) {}

void RecordOutput::write(std::string_view json) {
    ++count_;
    if (format_ == Format::table) {
        pending_.emplace_back(json);
        return;
    }
    write_all(out_, json);
    write_all(out_, "\n");
}

void RecordOutput::finish() {
    if (format_ == Format::table && !pending_.empty()) {
        write_all(out_, render_table(pending_, columns_));
        pending_.clear();
    }
    if (std::fflush(out_) != 0) throw_write_error(errno);
}

void write_all(std::FILE* out, std::string_view data) {
    if (data.empty()) return;
    if (std::fwrite(data.data(), 1, data.size(), out) != data.size()) throw_write_error(errno);
}

}  // namespace swd
