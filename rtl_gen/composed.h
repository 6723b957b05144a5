// The composed tops: the registry's kernels wired into the accelerator's sub-pipelines by the
// netlist builder (rtl_gen/netlist.h), generated from the architecture config. Each top's
// instances are the variants' generated modules; a fault kind mutates the one instance of the
// variant it belongs to (rtl_gen/kernels.txt).
#pragma once

#include <string>
#include <vector>

#include "hls_src/kernel_params.h"
#include "hls_src/params.h"
#include "rtl_gen/generator.h"

namespace flexllm::rtlgen {

// One instance of a composed top: its name (the instance u_<inst>), its RTL variant, and the
// registry role whose golden taps feed and check it (tb/kernel_registry.h).
struct ComposedStage {
    std::string inst, variant, role;
};

struct ComposedTop {
    // shape: "instances" (inst -> module), "ports" (top port -> "inst.stream"), "links" (an
    // internal input "inst.stream" -> the output "inst.stream" driving it)
    Module module;
    std::vector<ComposedStage> stages;  // in dataflow order
    std::vector<Module> stage_modules;  // the stages' generated modules, in the same order
};

// ffn_act_<phase>_<arch>: the FFN's activation path into down_proj, swiglu (s_axis_g, s_axis_u)
// -> fht (R4, the online Hadamard transform) -> quant_token (down's int4 codes m_axis_q and
// {range, zero} m_axis_zr), with taps m_axis_tap_swiglu_h and m_axis_tap_fht_y on the internal
// streams. `fault`: a fault kind of swiglu, fht or quant_token of that phase.
ComposedTop ffn_act_top(const kern::ArchParams& arch, const kern::ModelBounds& bounds,
                        kern::Phase phase, const std::string& fault = {});

}  // namespace flexllm::rtlgen
