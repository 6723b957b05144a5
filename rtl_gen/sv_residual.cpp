// SystemVerilog of residual: a generated top around the hand-written core flexllm_residual
// (rtl_gen/sv/flexllm_residual.sv: the join of the residual stream x and the block output y into
// z = sat32(x + y), one beat per cycle).
#include <fmt/format.h>

#include "rtl_gen/sv_util.h"

namespace flexllm::rtlgen {

void emit_residual(Module& m, const EmitContext& c) {
    const kern::Phase phase = variant_phase(m);
    const kern::VectorShape s = kern::vector_shape(c.arch, phase, c.bounds.d_max);
    vector_ports(m, s, {"s_axis_x", "s_axis_y"}, {"m_axis_z"});
    wrap_core(m, "flexllm_residual",
              {{"T", std::to_string(s.tokens)},
               {"L", std::to_string(s.lanes)},
               {"FAULT", std::to_string(fault_code(c.fault, {"sum-bit", "ignore-tready"}))}});
}

}  // namespace flexllm::rtlgen
