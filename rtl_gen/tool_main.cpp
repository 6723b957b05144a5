// flexllm-rtlgen: the build-time RTL generator (the same command as `flexllm rtlgen`, without the
// harness, so CMake can run it before the Verilated models exist). `flexllm-rtlgen csim-shapes
// OUT ARCH[:MODEL]...` writes the C-sim engine's shape header instead.
#include <fmt/format.h>

#include <cstdio>
#include <string>

#include "golden/error.h"
#include "rtl_gen/rtlgen_options.h"

int main(int argc, char** argv) {
    if (argc >= 4 && std::string(argv[1]) == "csim-shapes") {
        try {
            flexllm::rtlgen::write_csim_shapes(argv[2], {argv + 3, argv + argc});
            return 0;
        } catch (const flexllm::Error& e) {
            fmt::print(stderr, "flexllm-rtlgen: error: {}\n", e.what());
            return 2;
        }
    }
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
