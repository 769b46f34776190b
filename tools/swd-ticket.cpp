// swd-ticket: from valid alerts to the right job tickets, delivered (DESIGN §8, seed 002 FIG. 3).
#include "libcore/base/cli.hpp"
#include "libcore/ticket/cli.hpp"

int main(int argc, char** argv) {
    swd::Tool tool("swd-ticket", "from valid alerts to the right job tickets, delivered",
                   swd::ticket::tool_config_keys());
    swd::ticket::Options opt;
    swd::ticket::add_options(tool, opt);
    return tool.run(argc, argv, [&] { return swd::ticket::run(tool, opt); });
}
