#include "libcore/redist/command.hpp"

#include <algorithm>
#include <array>
#include <filesystem>

#include "libcore/base/error.hpp"
#include "libcore/base/process.hpp"
#include "libcore/base/text.hpp"

namespace swd::redist {

namespace {

// The options `swd-queue submit` takes (queue::add_submit_options and the common ones it
// accepts and ignores): those with a value, and flags.
constexpr std::array<std::string_view, 12> value_options{
    "--dist",         "--package",        "--target",     "--push-retries",
    "--pull-retries", "--retry-interval", "--not-before", "--origin",
    "--redist-of",    "--state",          "--config",     "--format"};
constexpr std::array<std::string_view, 5> flag_options{"-v", "--verbose", "-q", "--quiet",
                                                       "--dry-run"};

bool multi(std::string_view name) {
    return name == "--target" || name == "--package";
}

// The option a word names ("--dist" for "--dist=D-1"), or empty when it names none.
std::string_view option_of(std::string_view word) {
    const auto name = word.substr(0, word.find('='));
    if (std::find(value_options.begin(), value_options.end(), name) != value_options.end())
        return name;
    if (word.find('=') == std::string_view::npos &&
        std::find(flag_options.begin(), flag_options.end(), word) != flag_options.end())
        return word;
    // Clustered short flags ("-vv", "-vq").
    if (word.size() > 1 && word[0] == '-' && word[1] != '-' &&
        word.find_first_not_of("vq", 1) == std::string_view::npos)
        return word;
    return {};
}

bool takes_value(std::string_view name) {
    return std::find(value_options.begin(), value_options.end(), name) != value_options.end();
}

// One option occurrence: the words [first, end) of the command, its name, and the indexes of
// its values (an inline "--opt=value" value is at `first`).
struct Occurrence {
    std::size_t first = 0, end = 0;
    std::string_view name;
    bool inline_value = false;
    std::vector<std::size_t> values;
};

std::string value_at(const std::vector<std::string>& words, const Occurrence& o, std::size_t i) {
    if (o.inline_value && i == o.first) return words[i].substr(words[i].find('=') + 1);
    return words[i];
}

// Where the options start: after a leading "swd-queue" and "submit".
std::size_t start_of(const std::vector<std::string>& words) {
    std::size_t i = 0;
    if (i < words.size() && std::filesystem::path(words[i]).filename() == "swd-queue") ++i;
    if (i < words.size() && words[i] == "submit") ++i;
    return i;
}

std::vector<Occurrence> scan(const std::vector<std::string>& words) {
    std::vector<Occurrence> out;
    std::size_t i = start_of(words);
    while (i < words.size()) {
        if (words[i] == "--") break;  // the rest are not options
        const auto name = option_of(words[i]);
        if (name.empty() || !takes_value(name)) {
            ++i;
            continue;
        }
        Occurrence o;
        o.first = i;
        o.name = name;
        o.inline_value = words[i].size() > name.size();
        if (o.inline_value) o.values.push_back(i);
        ++i;
        if (!o.inline_value) {
            if (i >= words.size()) throw Error(Exit::usage, std::string(name) + " has no value");
            o.values.push_back(i++);
        }
        // Further values, as CLI11 takes them: up to the next word that looks like an option,
        // known or not ("--note keep-me" of another manager is never a target).
        if (multi(name)) {
            while (i < words.size() && !(words[i].size() > 1 && words[i][0] == '-'))
                o.values.push_back(i++);
        }
        o.end = i;
        out.push_back(std::move(o));
    }
    return out;
}

}  // namespace

CommandView read_command(const std::vector<std::string>& words) {
    CommandView v;
    for (const auto& o : scan(words)) {
        for (const auto i : o.values) {
            auto value = value_at(words, o, i);
            if (o.name == "--dist") {
                v.dist = std::move(value);
            } else if (o.name == "--redist-of") {
                v.redist_of = std::move(value);
            } else if (o.name == "--package") {
                v.packages.push_back(std::move(value));
            } else if (o.name == "--target") {
                const auto name = value.substr(0, value.find(':'));
                v.targets.push_back({name, std::move(value)});
            }
        }
    }
    if (v.dist.empty()) throw Error(Exit::usage, "the command has no --dist");
    return v;
}

std::vector<std::string> rebuild(const std::vector<std::string>& words, const std::string& new_dist,
                                 const std::string& redist_of, const std::set<std::string>& keep) {
    std::set<std::string> keep_lower;
    for (const auto& k : keep)
        keep_lower.insert(ascii_lower(k));
    const auto occurrences = scan(words);
    const bool has_redist_of =
        std::any_of(occurrences.begin(), occurrences.end(),
                    [](const Occurrence& o) { return o.name == "--redist-of"; });

    std::vector<std::string> out;
    std::size_t next = 0;  // words before it are done
    for (const auto& o : occurrences) {
        out.insert(out.end(), words.begin() + static_cast<std::ptrdiff_t>(next),
                   words.begin() + static_cast<std::ptrdiff_t>(o.first));
        next = o.end;
        const std::string name(o.name);
        if (o.name == "--dist" || o.name == "--redist-of") {
            const auto& value = o.name == "--dist" ? new_dist : redist_of;
            if (o.inline_value) {
                out.push_back(name + "=" + value);
            } else {
                out.push_back(words[o.first]);
                out.push_back(value);
            }
            if (o.name == "--dist" && !has_redist_of) {
                out.emplace_back("--redist-of");
                out.push_back(redist_of);
            }
        } else if (o.name == "--target") {
            std::vector<std::string> kept;
            for (const auto i : o.values) {
                auto value = value_at(words, o, i);
                if (keep_lower.count(ascii_lower(value.substr(0, value.find(':')))))
                    kept.push_back(std::move(value));
            }
            if (kept.empty()) continue;
            if (o.inline_value) {
                out.push_back(name + "=" + kept.front());
                out.insert(out.end(), kept.begin() + 1, kept.end());
            } else {
                out.push_back(words[o.first]);
                out.insert(out.end(), kept.begin(), kept.end());
            }
        } else {
            out.insert(out.end(), words.begin() + static_cast<std::ptrdiff_t>(o.first),
                       words.begin() + static_cast<std::ptrdiff_t>(o.end));
        }
    }
    out.insert(out.end(), words.begin() + static_cast<std::ptrdiff_t>(next), words.end());
    return out;
}

ManagerTemplate::ManagerTemplate(std::string_view text) {
    const auto bad = [&](const std::string& why) {
        return Error(Exit::usage, "manager template '" + std::string(text) + "': " + why);
    };
    words_ = with_context(
        "manager template '" + std::string(text) + "'", [&] { return process::split_words(text); },
        Exit::usage);
    if (words_.empty()) throw bad("empty");
    for (const auto& w : words_) {
        if (w == "{argv}") {
            has_command_ = true;
            continue;
        }
        for (std::size_t open = w.find('{'); open != std::string::npos;
             open = w.find('{', open + 1)) {
            const auto close = w.find('}', open);
            if (close == std::string::npos) break;
            const auto name = w.substr(open + 1, close - open - 1);
            if (name == "cmd")
                has_command_ = true;
            else if (name != "dist" && name != "redist_of")
                throw bad("unknown placeholder {" + name +
                          "} (known: {argv} as a word of its own, {cmd} {dist} {redist_of})");
        }
    }
}

std::vector<std::string> ManagerTemplate::expand(const std::vector<std::string>& command,
                                                 const std::string& dist,
                                                 const std::string& redist_of) const {
    const std::string cmd = process::shell_join(command);
    const std::pair<std::string_view, const std::string*> values[] = {
        {"{cmd}", &cmd}, {"{dist}", &dist}, {"{redist_of}", &redist_of}};
    std::vector<std::string> out;
    for (const auto& w : words_) {
        if (w == "{argv}") {
            out.insert(out.end(), command.begin(), command.end());
            continue;
        }
        std::string word;
        for (std::size_t i = 0; i < w.size();) {
            bool replaced = false;
            for (const auto& [key, value] : values) {
                if (w.compare(i, key.size(), key) == 0) {
                    word += *value;
                    i += key.size();
                    replaced = true;
                    break;
                }
            }
            if (!replaced) word += w[i++];
        }
        out.push_back(std::move(word));
    }
    if (!has_command_) out.insert(out.end(), command.begin(), command.end());
    return out;
}

}  // namespace swd::redist
