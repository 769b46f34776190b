// swd-queue: the queue manager and distribution manager of an intermediate server (DESIGN §8,
// seed 004).
#include "libcore/base/cli.hpp"
#include "libcore/queue/cli.hpp"
#include "libcore/queue/settings.hpp"

int main(int argc, char** argv) {
    swd::Tool tool("swd-queue", "queue manager and distribution manager of an intermediate server",
                   swd::queue::config_keys());
    swd::queue::Options opt;
    opt.raw_argv.assign(argv, argv + argc);
    swd::queue::add_options(tool, opt);
    return tool.run(argc, argv, [&] { return swd::queue::run(tool, opt); });
}
