// SystemVerilog of sample: a generated top around the hand-written core flexllm_sample
// (rtl_gen/sv/flexllm_sample.sv: greedy argmax, or seeded top-k with SplitMix64 and the EXP2
// weights of golden/NUMERICS.md §2.12), and the generated ROM flexllm_exp2_rom.
#include <fmt/format.h>

#include "rtl_gen/sv_util.h"

namespace flexllm::rtlgen {

namespace {
constexpr int kMaxTopK = 64;  // the core's sorted list (tb/kernels/sample.cpp: kMaxK)
}

void emit_sample(Module& m, const EmitContext& c) {
    const kern::VectorShape s = kern::vector_shape(c.arch, kern::Phase::kDecode, c.bounds.d_max);
    m.scalars = {{"cfg_vocab", true, 32},
                 {"cfg_top_k", true, 8},
                 {"cfg_mult", true, 22},
                 {"status_err", false, 1}};
    m.streams = {{"s_axis_state", true, 1, 64, false, "1"},
                 {"s_axis_logits", true, s.lanes, 32, true, "cfg_vocab/lanes"},
                 {"m_axis_token", false, 1, 32, false, "1"},
                 {"m_axis_state", false, 1, 64, false, "1"}};
    m.shape = {{"tokens", 1}, {"lanes", s.lanes}, {"d_max", s.d_max}, {"k_max", kMaxTopK}};
    m.csim_shape = fmt::format("kern::VectorShape{{1, {}, {}}}", s.lanes, s.d_max);
    m.generated.push_back(exp2_rom());
    wrap_core(
        m, "flexllm_sample",
        {{"L", std::to_string(s.lanes)},
         {"KMAX", std::to_string(kMaxTopK)},
         {"FAULT", std::to_string(fault_code(c.fault, {"tie-high", "sample-lose-stalled"}))}});
}

}  // namespace flexllm::rtlgen
