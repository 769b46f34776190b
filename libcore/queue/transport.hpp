// How the queue manager reaches an endpoint: `local:DIR` (a directory root on this host,
// installed into by the installer) or `exec` (argv templates for probing and installing).
// Templates are split once into words (process::split_words: shell-like quoting, no
// expansion); the placeholders {target} {address} {mac} {package} {package_dir} {params} are
// replaced inside each word at run time, so a value with spaces or shell metacharacters stays
// one argument. Nothing is ever run through a shell.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "libcore/package/installer.hpp"
#include "libcore/package/store.hpp"
#include "libcore/queue/db.hpp"

namespace swd::queue {

/// The placeholders a template may use.
inline constexpr const char* placeholders[] = {"target",  "address",     "mac",
                                               "package", "package_dir", "params"};

/// Checks a template: it splits, is not empty, and uses only known placeholders. Throws
/// Error(Exit::usage, "WHAT 'TEMPLATE': why").
void check_template(std::string_view what, std::string_view text);

/// Splits `text` once and replaces {name} inside each word with `values` (unknown names are
/// left as they are; check_template refuses them up front).
std::vector<std::string> expand(std::string_view text,
                                const std::map<std::string, std::string>& values);

/// The result of one step on an endpoint.
struct StepResult {
    bool ok = false;
    std::string failure;  ///< alert failure type when !ok
    std::string detail;
    bool already = false;    ///< install: the package was already installed
    std::string install_id;  ///< install through local:, the installer's record id
};

struct TransportSettings {
    std::chrono::seconds probe_timeout{10};
    std::chrono::seconds install_timeout{3600};
    std::chrono::seconds script_timeout{600};
};

/// Checks `transport` ("local:/DIR" with an absolute directory, or "exec"/"exec:").
/// Throws Error(Exit::usage).
void check_transport(const Target& t);

/// Is the endpoint reachable? local: the root exists, is a directory and writable; exec: the
/// probe command exits 0 (no probe command: yes).
StepResult probe(const Target& t, const TransportSettings& s);

/// Runs the wake-on-LAN template for the target.
StepResult wake(const Target& t, const std::string& wake_cmd, const TransportSettings& s);

/// Installs one package from the store on the target. `request` is recorded by the installer.
StepResult install(const Target& t, const package::Store& store, const std::string& package_id,
                   const std::vector<std::string>& params, const std::string& request,
                   const TransportSettings& s);

/// Undoes the install of `package_id` on a `local:` target through the installer (files
/// restored byte-identical with their modes, files that did not exist before removed). Throws
/// Error(Exit::usage) for another transport: an `exec` target's installs are its own.
installer::Outcome undo(const Target& t, const std::string& package_id);

}  // namespace swd::queue
