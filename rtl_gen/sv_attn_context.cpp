// SystemVerilog of attn_context: a generated top around the hand-written core flexllm_attn_context
// (rtl_gen/sv/flexllm_attn_context.sv: R x K uint8 x int8 MACs per value beat into R x head_dim
// accumulators, then one Multiplier per row and saturation).
#include <fmt/format.h>

#include "golden/error.h"
#include "rtl_gen/sv_util.h"

namespace flexllm::rtlgen {

void emit_attn_context(Module& m, const EmitContext& c) {
    const kern::Phase phase = variant_phase(m);
    const kern::AttnShape s = kern::attn_shape(c.arch, phase, c.bounds);
    // The core's int32 accumulators sum one uint8 weight x int8 value per position.
    const int acc_w = signed_sum_width(255 * 128, s.positions_max);
    if (acc_w > 32)
        throw Error(
            fmt::format("{}: {} positions need a {}-bit context accumulator; the core's is "
                        "int32 (golden/NUMERICS.md)",
                        m.name, s.positions_max, acc_w));
    attn_ports(m, s, {{"cfg_head_dim", true, 16}});
    m.streams.push_back({"s_axis_m", true, s.rows, 22, false, "1"});
    m.streams.push_back({"s_axis_p", true, s.rows * s.keys, 8, false, "nblk"});
    m.streams.push_back({"s_axis_v", true, s.sets * s.keys, 8, true, "nblk*cfg_head_dim"});
    m.streams.push_back({"m_axis_ctx", false, s.rows, 32, true, "cfg_head_dim"});
    auto params = attn_params(s, {"R", "K", "SETS", "TOKEN_ROWS", "HD_MAX"});
    params.push_back(
        {"FAULT", std::to_string(fault_code(c.fault, {"ctx-truncate", "ctx-lose-stalled"}))});
    wrap_core(m, "flexllm_attn_context", params);
}

}  // namespace flexllm::rtlgen
