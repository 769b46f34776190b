#include "libcore/redist/plan.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "libcore/base/error.hpp"
#include "libcore/base/process.hpp"
#include "libcore/base/text.hpp"

namespace swd::redist {

namespace {

using timeutil::TimePoint;

// The latest failure and success of one package on one target.
struct Latest {
    std::optional<TimePoint> fail_at, ok_at;
    std::string fail_why;
};

void note_failure(Latest& l, TimePoint at, const std::string& why) {
    if (!l.fail_at || at >= *l.fail_at) {
        l.fail_at = at;
        l.fail_why = why;
    }
}

std::string join(const std::vector<std::string>& v, const char* sep) {
    std::string out;
    for (const auto& s : v)
        out += (out.empty() ? "" : sep) + s;
    return out;
}

bool control(char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
}

}  // namespace

Choice choose(const CommandView& original, const std::vector<Failure>& failures,
              const std::vector<Result>& results, bool all) {
    const auto& packages = original.packages;
    // (target, package) -> latest, for the targets of the distribution.
    std::map<std::pair<std::string, std::string>, Latest> latest;
    std::set<std::string> names;
    for (const auto& t : original.targets)
        names.insert(ascii_lower(t.name));

    Choice c;
    std::set<std::string> strangers;
    for (const auto& f : failures) {
        const auto device = ascii_lower(f.device);
        if (!names.count(device)) {
            if (strangers.insert(f.device).second) c.strangers.push_back(f.device);
            continue;
        }
        const auto at = f.failed_at.value_or(TimePoint::min());
        const auto when = f.failed_at ? " failed " + timeutil::format_rfc3339(*f.failed_at)
                                      : std::string(" failed");
        const auto by = " [failed record" + (f.alert.empty() ? "" : " " + f.alert) + "]";
        const bool known = std::find(packages.begin(), packages.end(), f.package) != packages.end();
        if (known) {
            note_failure(latest[{device, f.package}], at, f.package + when + by);
        } else {
            // No package, or one the command does not name: the target as a whole failed.
            for (const auto& p : packages)
                note_failure(
                    latest[{device, p}], at,
                    (f.package.empty() ? std::string("the distribution") : f.package) + when + by);
        }
    }

    // After the records, so that at the same time the log line, which says more, is shown.
    for (const auto& r : results) {
        auto& l = latest[{ascii_lower(r.target), r.package}];
        if (r.ok) {
            if (!l.ok_at || r.ts > *l.ok_at) l.ok_at = r.ts;
        } else {
            std::string why = r.package + " failed " + timeutil::format_rfc3339(r.ts);
            if (!r.failure.empty()) why += ": " + r.failure;
            if (!r.detail.empty()) why += " (" + r.detail + ")";
            note_failure(l, r.ts, why + " [" + r.where + "]");
        }
    }
    for (const auto& t : original.targets) {
        const auto name = ascii_lower(t.name);
        std::vector<std::string> failing, done;
        bool any_result = false;
        for (const auto& p : packages) {
            const auto it = latest.find({name, p});
            if (it == latest.end()) continue;
            any_result = true;
            const auto& l = it->second;
            if (l.fail_at && (!l.ok_at || *l.fail_at > *l.ok_at))
                failing.push_back(l.fail_why);
            else if (l.ok_at)
                done.push_back(p);
        }
        Recipient r{t.name, t.spec, {}};
        if (!failing.empty()) {
            r.why = join(failing, "; ");
            c.recipients.push_back(std::move(r));
            continue;
        }
        if (done.size() == packages.size() && !packages.empty())
            r.why = "completed: " + join(done, ", ") + " installed";
        else if (any_result)
            r.why = "no failure: " + (done.empty() ? std::string("nothing") : join(done, ", ")) +
                    " installed, the rest not tried yet";
        else
            r.why = "no failure and no result in the logs";
        if (all) {
            r.why = "in the original list (--all-recipients); " + r.why;
            c.recipients.push_back(std::move(r));
        } else {
            c.left_out.push_back(std::move(r));
        }
    }
    return c;
}

std::string display_quote(std::string_view word) {
    if (std::none_of(word.begin(), word.end(), control)) return process::shell_quote(word);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out = "$'";
    for (const char c : word) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '\\' || c == '\'') {
            out += '\\';
            out += c;
        } else if (control(c)) {
            out += "\\x";
            out += hex[u >> 4];
            out += hex[u & 15];
        } else {
            out += c;
        }
    }
    return out + "'";
}

std::string display_join(const std::vector<std::string>& argv) {
    std::string out;
    for (const auto& w : argv)
        out += (out.empty() ? "" : " ") + display_quote(w);
    return out;
}

std::vector<Recipient> recipients_of(const Plan& plan, const std::vector<std::string>& argv) {
    std::vector<Recipient> out;
    for (const auto& t : read_command(argv).targets) {
        Recipient r{t.name, t.spec, "added by the operator"};
        const auto name = ascii_lower(t.name);
        for (const auto* list : {&plan.choice.recipients, &plan.choice.left_out}) {
            for (const auto& known : *list)
                if (ascii_lower(known.name) == name) r.why = known.why;
        }
        out.push_back(std::move(r));
    }
    return out;
}

std::string describe(const Plan& plan) {
    std::string out = plan.dist;
    if (!plan.id.empty()) out += " (" + plan.id + ")";
    if (plan.status == "not-found") return out + ": not found in the logs: " + plan.reason + "\n";
    if (plan.argv.empty() && plan.status == "refused")
        return out + ": " + escape_controls(plan.reason) +
               "\n  original:   " + escape_controls(plan.original_cmd) + "\n";
    out += ": " + std::to_string(plan.choice.recipients.size()) + " of " +
           std::to_string(plan.choice.recipients.size() + plan.choice.left_out.size()) +
           " recipients\n";
    std::string original;
    try {
        original = display_join(process::split_words(plan.original_cmd));
    } catch (const Error&) {
        original = escape_controls(plan.original_cmd);
    }
    out += "  original:   " + original + "\n";
    if (!plan.log_where.empty()) out += "              (" + escape_controls(plan.log_where) + ")\n";
    if (!plan.argv.empty()) out += "  new:        " + display_join(plan.argv) + "\n";
    out += "  packages:   " + escape_controls(join(plan.packages, " ")) + "\n";
    std::size_t width = 0;
    for (const auto* list : {&plan.choice.recipients, &plan.choice.left_out})
        for (const auto& r : *list)
            width = std::max(width, display_quote(r.spec).size());
    const auto rows = [&](const char* title, const std::vector<Recipient>& list) {
        if (list.empty()) return;
        out += std::string("  ") + title + "\n";
        for (const auto& r : list) {
            const auto spec = display_quote(r.spec);
            out += "    " + spec + std::string(width - spec.size() + 2, ' ') +
                   escape_controls(r.why) + "\n";
        }
    };
    rows("recipients:", plan.choice.recipients);
    rows("left out:", plan.choice.left_out);
    for (const auto& s : plan.choice.strangers)
        out += "  note: " + escape_controls(s) + " has a failed record but is not a target of " +
               plan.dist + "\n";
    if (plan.status == "completed") out += "  nothing to redistribute: every target completed\n";
    if (!plan.reason.empty())
        out += "  " + plan.status + ": " + escape_controls(plan.reason) + "\n";
    return out;
}

}  // namespace swd::redist
