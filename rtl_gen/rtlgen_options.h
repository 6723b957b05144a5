// The rtlgen command shared by `flexllm rtlgen` and the build-time tool flexllm-rtlgen.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace flexllm::rtlgen {

struct RtlgenOptions {
    std::string arch = "tiny_a";
    std::string model = "tiny";  // sizes the activation buffers (largest d_in of the model)
    std::string out;
    std::string kernel;          // empty: every kernel
    std::string fault = "none";  // a fault kind of rtl_gen/kernels.txt
    bool quiet = false;
    bool lint = false;      // run verilator --lint-only -Wall and yosys on every written module
    bool coarse = false;    // with lint: yosys stops after coarse synthesis (large configs)
    bool composed = false;  // also the composed tops (rtl_gen/composed.h)
};

void add_rtlgen_options(CLI::App& app, RtlgenOptions& o);
// Generates and writes; returns the exit code. Throws flexllm::Error on bad input.
int run_rtlgen(const RtlgenOptions& o);
// Writes the generated csim_shapes.h (rtl_gen/generator.h) for configs "ARCH[:MODEL]" (model
// default tiny) to `out`, rewriting it only when it changed.
void write_csim_shapes(const std::string& out, const std::vector<std::string>& configs);

}  // namespace flexllm::rtlgen
