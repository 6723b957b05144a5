// SystemVerilog of softmax: a generated top around the hand-written core flexllm_softmax
// (rtl_gen/sv/flexllm_softmax.sv: groups pipelined through max, exp and sum, a pipelined exact
// reciprocal per row and the uint8 output), and the generated ROM flexllm_exp2_rom of golden's
// EXP2 table.
#include "rtl_gen/sv_util.h"

namespace flexllm::rtlgen {

void emit_softmax(Module& m, const EmitContext& c) {
    const kern::Phase phase = variant_phase(m);
    const kern::AttnShape s = kern::attn_shape(c.arch, phase, c.bounds);
    attn_ports(m, s, {});
    m.streams.push_back({"s_axis_c2", true, s.rows, 22, false, "1"});
    m.streams.push_back({"s_axis_s", true, s.rows * s.keys, 32, true, "nblk"});
    m.streams.push_back({"m_axis_p", false, s.rows * s.keys, 8, false, "nblk"});
    m.generated.push_back(exp2_rom());
    auto params = attn_params(s, {"R", "K", "TOKEN_ROWS", "P_MAX"});
    params.push_back(
        {"FAULT", std::to_string(fault_code(c.fault, {"p8-floor", "overwrite-stalled"}))});
    wrap_core(m, "flexllm_softmax", params);
}

}  // namespace flexllm::rtlgen
