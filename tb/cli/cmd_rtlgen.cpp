// `flexllm rtlgen`: SystemVerilog + manifests (+ harness bindings) for one architecture config.
#include "rtl_gen/rtlgen_options.h"
#include "tb/cli/command.h"

namespace flexllm::cli {
namespace {
Registrar reg({"rtlgen", "Generate SystemVerilog and manifests for an architecture config",
               [](CLI::App& sub) -> std::function<int()> {
                   auto o = std::make_shared<rtlgen::RtlgenOptions>();
                   rtlgen::add_rtlgen_options(sub, *o);
                   return [o] { return rtlgen::run_rtlgen(*o); };
               },
               30});
}  // namespace
}  // namespace flexllm::cli
