// Distribution commands as swd-redist reads and rebuilds them (seed 002, FIG. 2 step 134): the
// words of a `swd-queue submit` command from the distribution log, taken apart without any
// expansion, and put back together for a redistribution with every other word kept as it was.
#pragma once

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace swd::redist {

/// One `--target` value: "pos-0042:replace" is name "pos-0042" with its parameters kept in spec.
struct TargetSpec {
    std::string name;  ///< before the first ':'
    std::string spec;  ///< the word as given
};

/// What a submit command says, read the way swd-queue's option parser reads it: `--opt value`,
/// `--opt=value`, and for --target and --package several values after one option (up to the
/// next word that starts with '-', as CLI11 reads them). Words of options it does not know are
/// left alone.
struct CommandView {
    std::string dist;
    std::string redist_of;
    std::vector<std::string> packages;
    std::vector<TargetSpec> targets;
};

/// Reads `words` (argv, optionally led by "swd-queue" and "submit"). Throws Error(Exit::usage)
/// when a value is missing after an option, or when the command has no --dist.
CommandView read_command(const std::vector<std::string>& words);

/// The command for a redistribution: `words` with the --dist value replaced by `new_dist`,
/// --redist-of set to `redist_of` (its value replaced, or the option added after the --dist
/// value), and only the --target values whose name is in `keep` (compared case-insensitively);
/// an option left without values is dropped. Every other word is kept as it was, in its place.
std::vector<std::string> rebuild(const std::vector<std::string>& words, const std::string& new_dist,
                                 const std::string& redist_of, const std::set<std::string>& keep);

/// A --manager template: split once (process::split_words). A word that is exactly "{argv}"
/// becomes the command's words, one argument each; "{cmd}" inside a word becomes the command
/// shell-quoted (for ssh, which hands its arguments to a shell); "{dist}" the new distribution
/// id and "{redist_of}" the original's. Without {argv} or {cmd}, the command's words are
/// appended. Throws Error(Exit::usage, "manager template 'T': why") for an unknown placeholder
/// or an empty template.
class ManagerTemplate {
  public:
    explicit ManagerTemplate(std::string_view text);
    std::vector<std::string> expand(const std::vector<std::string>& command,
                                    const std::string& dist, const std::string& redist_of) const;

  private:
    std::vector<std::string> words_;
    bool has_command_ = false;
};

}  // namespace swd::redist
