// One redistribution job, planned (seed 002, FIG. 2 step 134; claims 1, 9): who gets the
// packages again and why, and the new command built from the original one.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "libcore/redist/command.hpp"
#include "libcore/redist/log.hpp"
#include "libcore/redist/store.hpp"

namespace swd::redist {

/// A target of the original distribution and why it is, or is not, in the redistribution.
struct Recipient {
    std::string name;
    std::string spec;  ///< the --target word, with its parameters
    std::string why;
};

struct Choice {
    std::vector<Recipient> recipients;  ///< in the original order
    std::vector<Recipient> left_out;
    /// Devices of failed records that are not targets of the distribution (left out).
    std::vector<std::string> strangers;
};

/// Chooses the recipients among `original`'s targets (names compared case-insensitively). A
/// target did not complete when, for some package, its latest failure (a failed record, or a
/// `result=failed` line) is later than its latest success (`result=success`, also in
/// redistributions of the job, whose results are in `results` too); a failure without a date
/// is older than any success. A failed record without a package counts for every package.
/// `all`: every target, with the same reasons where there are any.
Choice choose(const CommandView& original, const std::vector<Failure>& failures,
              const std::vector<Result>& results, bool all);

/// A job as shown to the operator and recorded.
struct Plan {
    std::string id;  ///< X-...
    std::string dist;
    std::string redist_of;
    std::string new_dist;
    std::string original_cmd;  ///< as in the log
    std::string log_where;     ///< "PATH:LINE" of the received line
    std::vector<std::string> original_packages;
    std::vector<std::string> packages;  ///< of the command to issue
    std::vector<std::string> argv;      ///< the command to issue
    Choice choice;
    std::vector<Failure> failures;
    std::string status;  ///< as in the `redist` record
    std::string reason;
};

/// The recipients of `argv` (its --target names), each with its reason from `plan`'s choice,
/// or "added by the operator".
std::vector<Recipient> recipients_of(const Plan& plan, const std::vector<std::string>& argv);

/// A word for the terminal, safe to copy into a shell: process::shell_quote, or when it holds
/// control characters, $'...' with \\xHH escapes (bash, zsh, ksh), so that no escape sequence
/// reaches the terminal.
std::string display_quote(std::string_view word);
/// display_quote of each word, joined by spaces.
std::string display_join(const std::vector<std::string>& argv);

/// The job for people: original and new command (shell-quoted), recipients with why each is
/// included, those left out, packages.
std::string describe(const Plan& plan);

}  // namespace swd::redist
