// Alert validation (seed 002, "validation 214"; DESIGN §8): drops what is not a real alert, in
// the seed's order: the sender's domain against the domain list, the subject (replies,
// forwards, out-of-office and automatic replies), the sending node against the node list.
#pragma once

#include <simdjson.h>

#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "libcore/base/config.hpp"
#include "libcore/base/error.hpp"

namespace swd::validate {

/// Why an input line is not passed on; the `reason` field of a `reject` record.
enum class Reason { domain, subject, node, incomplete, malformed };

/// "domain", "subject", "node", "incomplete", "malformed".
std::string_view reason_name(Reason reason);

struct Reject {
    Reason reason;
    std::string detail;  ///< for people: "subject starts with 'Re:'"
};

/// What the checks compare against. List entries are matched case-insensitively.
struct Rules {
    std::vector<std::string> domains;  ///< "example.com" accepts example.com and *.example.com
    std::vector<std::string> nodes;    ///< node names: the first label of the sender's host
    /// Extra regular expressions (ECMAScript, case-insensitive, searched anywhere in the
    /// subject) that mark a reply or forward, and an out-of-office or automatic reply.
    std::vector<std::string> reply_patterns;
    std::vector<std::string> auto_reply_patterns;
};

/// The reply or forward prefix a subject starts with, as written there ("Re:", "AW:",
/// "Fwd :", "Re[2]:", after leading "[TAG]"s that mail gateways add), or nullopt. Knows Re,
/// Fwd, Fw, AW, WG, SV and TR in any case, with an optional [n] or (n) counter.
std::optional<std::string_view> reply_prefix(std::string_view subject);

/// The built-in out-of-office or automatic-reply phrase (English, German, French) that the
/// subject contains, as written there ("Automatic reply", "Abwesenheitsnotiz"), or nullopt.
std::optional<std::string_view> auto_reply_phrase(std::string_view subject);

/// The three checks. Built once, then called for every record without allocating for a valid
/// one.
class Validator {
  public:
    /// Throws Error(Exit::config) when a pattern is not a valid regular expression.
    explicit Validator(const Rules& rules);

    /// nullopt when `record` is a valid alert; else why not. A record whose "type" is not
    /// "alert" is malformed. The sender's node and domain come from the "node" and "domain"
    /// fields, else from "from" (node = first label of the host, domain = the rest).
    std::optional<Reject> check(simdjson::dom::element record);

    /// Check (1): `domain` equals an entry or ends with "." + an entry (case-insensitive).
    bool domain_known(std::string_view domain);
    /// Check (2): the problem with a subject and Auto-Submitted value, or nullopt when fine.
    std::optional<std::string> subject_problem(std::string_view subject,
                                               std::string_view auto_submitted);
    /// Check (3): `node` is in the node list (case-insensitive).
    bool node_known(std::string_view node);

  private:
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept {
            return std::hash<std::string_view>{}(s);
        }
    };
    using Set = std::unordered_set<std::string, Hash, std::equal_to<>>;
    struct Pattern {
        std::string text;
        std::regex re;
    };

    Set domains_;
    Set nodes_;
    std::vector<Pattern> reply_;
    std::vector<Pattern> auto_reply_;
    std::string scratch_;  // the lower-cased name being looked up
};

/// Reads a domain or node list: one entry per line, "#" starts a comment, blank lines are
/// ignored; entries are lower-cased (domains also lose a leading "*." or "." and a trailing
/// "."). Throws Error(Exit::config, "PATH: why") when unreadable and
/// Error(Exit::config, "PATH:LINE: why") for an entry with blanks inside.
std::vector<std::string> read_list(const std::string& path, bool domains);

/// The [validate] configuration keys.
const ConfigKeys& config_keys();

}  // namespace swd::validate
