// SystemVerilog of fht: a generated top around the hand-written core flexllm_fht
// (rtl_gen/sv/flexllm_fht.sv: load the rows, log2(n) butterfly passes, emit the rounded and
// saturated transform).
#include <fmt/format.h>

#include <bit>

#include "rtl_gen/sv_util.h"

namespace flexllm::rtlgen {

void emit_fht(Module& m, const EmitContext& c) {
    const kern::Phase phase = variant_phase(m);
    const kern::VectorShape s = kern::vector_shape(c.arch, phase, c.bounds.d_max);
    const int nmax = static_cast<int>(std::bit_ceil(static_cast<unsigned>(s.d_max)));
    vector_ports(m, s, {"s_axis_x"}, {"m_axis_y"}, {{"cfg_log2n", true, 5}});
    m.shape["nmax"] = nmax;
    wrap_core(m, "flexllm_fht",
              {{"T", std::to_string(s.tokens)},
               {"L", std::to_string(s.lanes)},
               {"NMAX", std::to_string(nmax)},
               {"FAULT", std::to_string(fault_code(c.fault, {"round-floor", "advance-stalled"}))}});
}

}  // namespace flexllm::rtlgen
