// SystemVerilog of kv_cache: a generated top around the hand-written core flexllm_kv_cache
// (rtl_gen/sv/flexllm_kv_cache.sv: one layer's int8 K or V cache in K byte-lane banks, written in
// the phase's vector layout, read in words of K consecutive positions of one (KV head, dim)).
#include <fmt/format.h>

#include "rtl_gen/sv_util.h"

namespace flexllm::rtlgen {

void emit_kv_cache(Module& m, const EmitContext& c) {
    const kern::Phase phase = variant_phase(m);
    const kern::KvCacheShape s = kern::kv_cache_shape(c.arch, phase, c.bounds);
    m.scalars = {{"cfg_kv_dim", true, 16}, {"cfg_head_dim", true, 16}, {"status_err", false, 1}};
    m.streams = {{"s_axis_cmd", true, 1, 33, false, "1"},
                 {"s_axis_x", true, s.tokens * s.lanes, 8, true, "ceil(count/T)*cfg_kv_dim/L"},
                 {"m_axis_kv", false, s.keys, 8, true, "ceil(count/K)*cfg_kv_dim"}};
    m.shape = {{"tokens", s.tokens},
               {"lanes", s.lanes},
               {"keys", s.keys},
               {"head_dim_max", s.head_dim_max},
               {"kv_dim_max", s.kv_dim_max},
               {"positions_max", s.positions_max}};
    m.csim_shape = fmt::format("kern::KvCacheShape{{{}, {}, {}, {}, {}, {}}}", s.tokens, s.lanes,
                               s.keys, s.head_dim_max, s.kv_dim_max, s.positions_max);
    wrap_core(m, "flexllm_kv_cache",
              {{"T", std::to_string(s.tokens)},
               {"L", std::to_string(s.lanes)},
               {"K", std::to_string(s.keys)},
               {"HD_MAX", std::to_string(s.head_dim_max)},
               {"KVD_MAX", std::to_string(s.kv_dim_max)},
               {"P_MAX", std::to_string(s.positions_max)},
               {"FAULT", std::to_string(fault_code(c.fault, {"clobber-word", "drop-stalled"}))}});
}

}  // namespace flexllm::rtlgen
