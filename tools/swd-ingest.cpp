// swd-ingest: alert mail in, alert records out (DESIGN §8, seed 002 "parsing 216").
#include "libcore/alert/ingest.hpp"
#include "libcore/alert/ingest_cli.hpp"
#include "libcore/base/cli.hpp"

int main(int argc, char** argv) {
    swd::Tool tool("swd-ingest", "turn alert mail into alert records", swd::ingest::config_keys());
    tool.add_dry_run();
    swd::ingest::Options opt;
    swd::ingest::add_options(tool.app(), opt);
    return tool.run(argc, argv, [&] { return swd::ingest::run(tool, opt); });
}
