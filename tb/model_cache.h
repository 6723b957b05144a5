// Verilated models built on demand: RTL that is not compiled into this binary (an arch config or a
// model shape the build did not generate, a mutant of another config, the RTL of an --rtl-dir) is
// Verilated and compiled into a shared library in a cache keyed by everything that goes into it,
// then loaded with dlopen.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "rtl_gen/generator.h"
#include "tb/dut.h"

namespace flexllm::tb {

// One module's RTL as the model build takes it: its manifest (rtl_gen's schema: module, sources,
// streams, scalars) and the text of every source the manifest lists, in its order.
struct RtlModule {
    std::string module;
    std::string manifest;                                      // JSON text
    std::vector<std::pair<std::string, std::string>> sources;  // plain file name, text
    std::string origin;  // the folder the sources came from (named in errors), or a description
};

// $FLEXLLM_MODEL_CACHE, else $XDG_CACHE_HOME/flexllm/models, else $HOME/.cache/flexllm/models.
std::string model_cache_root();

struct OnDemandModel {
    DutFactory make = nullptr;
    std::string dir;     // the cache entry: src/ (what was Verilated), model.so, build.log
    bool built = false;  // false: found in the cache
    double seconds = 0;  // build time
};

// The module's model from the cache entry of its key (SV sources, manifest, harness binding and
// headers, Verilator and compiler versions, flags), built there first when absent; a build prints
// one line on stderr (what, how long, where). Safe across threads and processes (a lock per key,
// the entry renamed into place when complete). Throws Error: Verilator or the compiler missing
// (with the install hint), a malformed manifest (naming the key), Verilator's first error (naming
// the source file in `origin`), a failing compile or link.
OnDemandModel on_demand_model(const RtlModule& rtl);

// The module name and ports of the manifest, checked (the rtl_gen conventions: clk, rst active
// high, AXI-Stream ports <name>_tvalid/_tready/_tdata/_tlast with their lanes and element widths,
// scalar ports); throws Error naming the key.
rtlgen::Module manifest_ports(const RtlModule& rtl);

// Reads `<dir>/<module>.json`, checks its ports (manifest_ports) and reads the sources it lists
// (plain file names in `dir`).
RtlModule read_rtl_module(const std::string& dir, const std::string& module);

}  // namespace flexllm::tb
