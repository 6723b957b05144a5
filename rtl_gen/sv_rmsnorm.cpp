// SystemVerilog of rmsnorm: a generated top around the hand-written core flexllm_rmsnorm
// (rtl_gen/sv/flexllm_rmsnorm.sv: load and sum squares, bit-serial mean division, reciprocal
// division and square root, then scale each element), which instantiates flexllm_divu and
// flexllm_isqrt.
#include <fmt/format.h>

#include "rtl_gen/sv_util.h"

namespace flexllm::rtlgen {

void emit_rmsnorm(Module& m, const EmitContext& c) {
    const kern::Phase phase = variant_phase(m);
    const kern::VectorShape s = kern::vector_shape(c.arch, phase, c.bounds.d_max);
    vector_ports(m, s, {"s_axis_x"}, {"m_axis_y"}, {{"cfg_eps", true, 40}});
    m.primitives = {"flexllm_divu", "flexllm_isqrt"};
    wrap_core(m, "flexllm_rmsnorm",
              {{"T", std::to_string(s.tokens)},
               {"L", std::to_string(s.lanes)},
               {"DMAX", std::to_string(s.d_max)},
               {"FAULT", std::to_string(fault_code(c.fault, {"rsqrt-bit", "reload-stalled"}))}});
}

}  // namespace flexllm::rtlgen
