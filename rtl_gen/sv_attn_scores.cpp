// SystemVerilog of attn_scores: a generated top around the hand-written core flexllm_attn_scores
// (rtl_gen/sv/flexllm_attn_scores.sv: R x K int8 MACs, d-serial over head_dim, the causal mask).
#include "rtl_gen/sv_util.h"

namespace flexllm::rtlgen {

void emit_attn_scores(Module& m, const EmitContext& c) {
    const kern::Phase phase = variant_phase(m);
    const kern::AttnShape s = kern::attn_shape(c.arch, phase, c.bounds);
    attn_ports(m, s, {{"cfg_head_dim", true, 16}});
    m.streams.push_back({"s_axis_q", true, s.rows, 8, true, "cfg_head_dim"});
    m.streams.push_back({"s_axis_k", true, s.sets * s.keys, 8, true, "nblk*cfg_head_dim"});
    m.streams.push_back({"m_axis_s", false, s.rows * s.keys, 32, true, "nblk"});
    auto params = attn_params(s, {"R", "K", "SETS", "TOKEN_ROWS", "HD_MAX", "P_MAX"});
    params.push_back(
        {"FAULT", std::to_string(fault_code(c.fault, {"mask-plus-one", "pop-stalled"}))});
    wrap_core(m, "flexllm_attn_scores", params);
}

}  // namespace flexllm::rtlgen
