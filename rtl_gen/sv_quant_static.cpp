// SystemVerilog of quant_static: a generated top around the hand-written core
// flexllm_quant_static (rtl_gen/sv/flexllm_quant_static.sv: the group's per-head multipliers,
// then clamp(rshift_rnd(x * m_h, shift_h), -128, 127) per element, one beat per cycle).
#include <fmt/format.h>

#include "rtl_gen/sv_util.h"

namespace flexllm::rtlgen {

namespace {
constexpr int kMaxHeads = 64;  // the core's multiplier file (Llama-3.2: 32 heads)
}

void emit_quant_static(Module& m, const EmitContext& c) {
    const kern::Phase phase = variant_phase(m);
    const kern::VectorShape s = kern::vector_shape(c.arch, phase, c.bounds.d_max);
    vector_ports(m, s, {"s_axis_x"}, {}, {{"cfg_head_dim", true, 16}});
    m.streams.insert(m.streams.begin(), {"s_axis_m", true, 1, 22, false, "cfg_d/cfg_head_dim"});
    m.streams.push_back({"m_axis_q", false, s.tokens * s.lanes, 8, true, "cfg_d/lanes"});
    m.shape["hmax"] = kMaxHeads;
    wrap_core(m, "flexllm_quant_static",
              {{"T", std::to_string(s.tokens)},
               {"L", std::to_string(s.lanes)},
               {"HMAX", std::to_string(kMaxHeads)},
               {"FAULT", std::to_string(fault_code(c.fault, {"no-round", "lose-stalled"}))}});
}

}  // namespace flexllm::rtlgen
