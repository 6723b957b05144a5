// RTL generator: SystemVerilog for the quant_token and linear engines of one architecture config,
// a manifest JSON per module (ports, lanes, element widths, beats per transaction, params hash)
// and a C++ port binding per module for the Verilator harness. Optionally injects a fault.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "hls_src/kernel_params.h"
#include "hls_src/params.h"

namespace flexllm::rtlgen {

inline constexpr const char* kGeneratorVersion = "1.1";

// Deliberate RTL bugs for the harness self-test (DESIGN.md: a regression must catch each).
enum class Fault { kNone, kAccBit, kDropBeat, kSwapLanes, kStuckTready };
Fault parse_fault(const std::string& kind);  // acc-bit, drop-beat, swap-lanes, stuck-tready
std::string fault_name(Fault f);
std::vector<Fault> all_faults();
// The module a fault mutates (its kernel name) and the module-name suffix of the mutant.
std::string fault_kernel(Fault f);

struct StreamPort {
    std::string name;  // s_axis_<x> or m_axis_<x>
    bool input = true;
    int lanes = 1;
    int elem_width = 1;
    bool elem_signed = false;
    std::string beats;  // beats per transaction, as an expression of the cfg ports
    int data_width() const { return lanes * elem_width; }
};
struct ScalarPort {
    std::string name;
    bool input = true;
    int width = 1;
};

// A module the top instantiates, written to <name>.sv beside the top (one module per file, so
// that `verilator -y DIR` finds it and -Wall's DECLFILENAME holds). Named <top>_<role>.
struct SubModule {
    std::string name;
    std::string sv;
};

struct Module {
    std::string kernel;  // quant_token_prefill, linear_decode, ...
    std::string name;    // SystemVerilog module name: <kernel>_<arch>[_fault_<kind>]
    Fault fault = Fault::kNone;
    std::vector<StreamPort> streams;
    std::vector<ScalarPort> scalars;
    nlohmann::json shape;
    std::string sv;
    std::vector<SubModule> submodules;  // synthesized once each by a hierarchical synth
};

// Source files of module `m` written into `dir`: the top first, then its submodules. The
// manifest lists the same file names under "sources".
std::vector<std::string> module_sources(const Module& m, const std::string& dir);

// The kernels generated for every config (fixed list: CMake builds one model per entry).
std::vector<std::string> kernel_names();

// Every module of `arch` sized for activation length up to d_max. With a fault, only the
// mutated module, named <kernel>_<arch>_fault_<kind>.
std::vector<Module> generate(const kern::ArchParams& arch, int d_max, Fault fault = Fault::kNone);

// Key order is kept; "generated_by" comes first (JSON has no comments).
nlohmann::ordered_json manifest(const Module& m, const kern::ArchParams& arch, int d_max);
std::string binding_cpp(const Module& m);

// Writes <name>.sv, <name>.json and <name>_bind.cpp for each module into dir (created);
// returns the written paths. Files are rewritten only when their content changed.
std::vector<std::string> write_modules(const std::vector<Module>& mods,
                                       const kern::ArchParams& arch, int d_max,
                                       const std::string& dir);

// Sanitized config name usable in module identifiers.
std::string ident(const std::string& s);

}  // namespace flexllm::rtlgen
