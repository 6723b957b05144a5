// flexllm-rtlgen: the build-time RTL generator (the same command as `flexllm rtlgen`, without the
// harness, so CMake can run it before the Verilated models exist).
#include <fmt/format.h>

#include <cstdio>

#include "golden/error.h"
#include "rtl_gen/rtlgen_options.h"

int main(int argc, char** argv) {
    CLI::App app{"flexllm-rtlgen: SystemVerilog + manifests for one architecture config"};
    flexllm::rtlgen::RtlgenOptions o;
    flexllm::rtlgen::add_rtlgen_options(app, o);
    CLI11_PARSE(app, argc, argv);
    try {
        return flexllm::rtlgen::run_rtlgen(o);
    } catch (const flexllm::Error& e) {
        fmt::print(stderr, "flexllm-rtlgen: error: {}\n", e.what());
        return 2;
    }
}
