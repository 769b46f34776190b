// swd-validate: drop what is not a real alert (DESIGN §8, seed 002 "validation 214").
#include "libcore/alert/validate.hpp"
#include "libcore/alert/validate_cli.hpp"
#include "libcore/base/cli.hpp"

int main(int argc, char** argv) {
    swd::Tool tool("swd-validate", "drop what is not a real alert", swd::validate::config_keys());
    swd::validate::Options opt;
    swd::validate::add_options(tool.app(), opt);
    return tool.run(argc, argv, [&] { return swd::validate::run(tool, opt); });
}
