// SystemVerilog of embedding: a generated top around the hand-written core flexllm_embedding
// (rtl_gen/sv/flexllm_embedding.sv: per token group, the rows of the int32 table read through an
// addressed read channel into two ping-pong row buffers, emitted in the vector-stage layout).
#include "rtl_gen/sv_util.h"

namespace flexllm::rtlgen {

void emit_embedding(Module& m, const EmitContext& c) {
    const kern::Phase phase = variant_phase(m);
    const kern::VectorShape s = kern::vector_shape(c.arch, phase, c.bounds.d_max);
    vector_ports(m, s, {}, {"m_axis_x"}, {{"cfg_vocab", true, 32}});
    const int lanes = s.tokens * s.lanes;
    m.streams.insert(m.streams.begin(),
                     {{"s_axis_tok", true, s.tokens, 32, false, "1"},
                      {"m_axis_rd", false, 2, 32, false, "tokens"},
                      {"s_axis_rd", true, lanes, 32, true, "tokens*cfg_d/(tokens*lanes)"}});
    wrap_core(m, "flexllm_embedding",
              {{"T", std::to_string(s.tokens)},
               {"L", std::to_string(s.lanes)},
               {"DMAX", std::to_string(s.d_max)},
               {"FAULT", std::to_string(fault_code(c.fault, {"id-bit", "emit-early"}))}});
}

}  // namespace flexllm::rtlgen
