// SystemVerilog of rope: a generated top around the hand-written core flexllm_rope
// (rtl_gen/sv/flexllm_rope.sv: the group's cos/sin streamed in, each head buffered until its
// second half has arrived, then the rotated pairs out).
#include <fmt/format.h>

#include "rtl_gen/sv_util.h"

namespace flexllm::rtlgen {

namespace {
constexpr int kMaxHeadDim = 128;  // the core's head buffer (Llama-3.2: 64)
}

void emit_rope(Module& m, const EmitContext& c) {
    const kern::Phase phase = variant_phase(m);
    const kern::VectorShape s = kern::vector_shape(c.arch, phase, c.bounds.d_max);
    vector_ports(m, s, {"s_axis_x"}, {"m_axis_y"}, {{"cfg_head_dim", true, 16}});
    m.streams.insert(m.streams.begin(),
                     {"s_axis_cs", true, s.tokens * s.lanes, 64, false, "cfg_head_dim/2/lanes"});
    m.shape["hdmax"] = kMaxHeadDim;
    wrap_core(m, "flexllm_rope",
              {{"T", std::to_string(s.tokens)},
               {"L", std::to_string(s.lanes)},
               {"HDMAX", std::to_string(kMaxHeadDim)},
               {"FAULT", std::to_string(fault_code(c.fault, {"sin-sign", "drain-overrun"}))}});
}

}  // namespace flexllm::rtlgen
