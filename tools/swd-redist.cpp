// swd-redist: batch redistribution from a repaired intermediate server (DESIGN §8, seed 002
// FIG. 2 steps 120-154).
#include "libcore/base/cli.hpp"
#include "libcore/redist/cli.hpp"

int main(int argc, char** argv) {
    swd::Tool tool("swd-redist", "batch redistribution from a repaired intermediate server",
                   swd::redist::config_keys());
    swd::redist::Options opt;
    swd::redist::add_options(tool, opt);
    return tool.run(argc, argv, [&] { return swd::redist::run(tool, opt); });
}
