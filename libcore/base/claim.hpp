// Claims a process holds on rows of the state file: who holds them, and whether that holder
// still runs. A claim that dies with its process lets the next run take over at once after a
// kill -9, instead of waiting out a stale-claim time.
#pragma once

#include <string>
#include <string_view>

namespace swd::claim {

/// This process as a claim token: "BOOT_ID/PID/START", the kernel's boot id, the process id and
/// the process's start time in clock ticks since boot (field 22 of /proc/PID/stat), so that a
/// reused pid or a reboot never passes for the holder.
const std::string& self();

/// Whether the process a token names still runs: same boot, a process with that pid, started at
/// that time. A token that cannot be read (empty, or from another format) counts as alive, so
/// that the caller's stale-claim time still decides for it.
bool alive(std::string_view token);

}  // namespace swd::claim
