// Fixed pipeline-fill latencies of every stage, kept in ONE place: the constants the RTL engineer
// adjusts so the per-stage formulas of tb/perf/stage_model.h match the generated RTL (±2%).
#pragma once

#include <cstdint>

namespace flexllm::perf {

// How a stage's fixed latencies enter its cycle count (see stage_model.h for each formula):
//   fixed          cycles added once per call (input/output registers, handshakes, FSM start).
//   per_block      cycles added once per block: a channel block of a linear engine, a token
//                  group of quant_token and of the row-reduction vector stages, a head pass of
//                  attention. quant_token's is the bit-serial division (49 quotient steps) plus
//                  the zero/range beat. May be negative to remove a structural term the RTL hides.
//   serial_blocks  true when a block's drain (linear: channel-parameter and output beats;
//                  quant_token/row reductions: the emit pass) does NOT overlap the next block's
//                  compute, as in the C++ kernels (hls_src/kernels/*.h: load, reduce, drain).
//                  Set false for RTL that double-buffers the accumulators / row buffers.
struct StageFill {
    int64_t fixed = 0;
    int64_t per_block = 0;
    bool serial_blocks = true;
};

// Placeholder values until RTL lands: estimates from the C++ kernels' loop structure plus a few
// register stages. Calibrate against `flexllm regress --json` cycle records (tb/perf/README.md).
namespace fill {

// Stages with RTL being generated (quant_token, linear_prefill, linear_decode, rmsnorm, residual).
// Calibrated against the generated RTL (rtl_gen/sv_quant.cpp, rtl_gen/sv_linear.cpp) by
// `flexllm regress --stall-prob 0 --json` (no stalls): quant_token loads, divides in 49 steps plus
// one FSM transition, then emits (serial); the linear engines move each channel block's sums to a
// drain bank, so the drain and the next block's channel parameters overlap the next reduction.
inline constexpr StageFill kQuantToken{.fixed = 0, .per_block = 50, .serial_blocks = true};
inline constexpr StageFill kLinearPrefill{.fixed = 4, .per_block = 0, .serial_blocks = false};
inline constexpr StageFill kLinearDecode{.fixed = 10, .per_block = 0, .serial_blocks = false};
// rmsnorm (rtl_gen/sv/flexllm_rmsnorm.sv): load, then per group the mean division (63 steps), the
// reciprocal division (81) and the square root (41), each plus its start cycle, and two FSM
// transitions; the emit pass is serial; the next group's first beat overlaps the last output.
inline constexpr StageFill kRmsNorm{.fixed = 1, .per_block = 188, .serial_blocks = true};
// quant_static (rtl_gen/sv/flexllm_quant_static.sv): the heads' multiplier beats, then one beat
// per cycle into an output register (quant_static_cycles adds the heads per group).
inline constexpr StageFill kQuantStatic{.fixed = 1, .per_block = 0, .serial_blocks = true};
// rope (rtl_gen/sv/flexllm_rope.sv): one beat per cycle into an output register; rope_cycles
// adds the first table load and the last head's drain.
inline constexpr StageFill kRope{.fixed = 1, .per_block = 0, .serial_blocks = true};
// swiglu (rtl_gen/sv/flexllm_swiglu.sv): a four-stage pipeline (table read, interpolation,
// silu, product), one beat per cycle.
inline constexpr StageFill kSwiglu{.fixed = 4, .per_block = 0, .serial_blocks = true};
// fht (rtl_gen/sv/flexllm_fht.sv): streamed, one beat per cycle; fht_cycles adds the delay lines.
inline constexpr StageFill kFht{.fixed = 1, .per_block = 0, .serial_blocks = true};
// residual (rtl_gen/sv/flexllm_residual.sv): one beat per cycle into an output register.
inline constexpr StageFill kResidual{.fixed = 1, .per_block = 0, .serial_blocks = true};

// attn_scores (rtl_gen/sv/flexllm_attn_scores.sv): the MAC register and the output register.
inline constexpr StageFill kAttnScores{.fixed = 2, .per_block = 0, .serial_blocks = true};
// softmax (rtl_gen/sv/flexllm_softmax.sv): the header beat, the exp pipeline, the 11-stage
// reciprocal and its queue, the emit multiplier and the output register; no per-group cost.
inline constexpr StageFill kSoftmax{.fixed = 19, .per_block = 0, .serial_blocks = true};
// attn_context (rtl_gen/sv/flexllm_attn_context.sv): each output beat leaves as the last block
// finishes its dimension; the multiplier stage and the output register.
inline constexpr StageFill kAttnContext{.fixed = 3, .per_block = 0, .serial_blocks = true};
// sample (rtl_gen/sv/flexllm_sample.sv): the output register.
inline constexpr StageFill kSample{.fixed = 1, .per_block = 0, .serial_blocks = true};
// embedding (rtl_gen/sv/flexllm_embedding.sv): embed_cycles schedules the rows and the output
// beats (their bank read and output register included); nothing is added.
inline constexpr StageFill kEmbed{.fixed = 0, .per_block = 0, .serial_blocks = true};
// kv_cache (rtl_gen/sv/flexllm_kv_cache.sv): the read register.
inline constexpr StageFill kKvCache{.fixed = 1, .per_block = 0, .serial_blocks = true};

// Stages without RTL yet (modelled from DESIGN.md §4/§5; no measurement to calibrate against).
inline constexpr StageFill kAttention{.fixed = 8, .per_block = 4, .serial_blocks = true};
inline constexpr StageFill kKvWrite{.fixed = 2, .per_block = 0, .serial_blocks = true};

// Prefill -> decode hand-off on the device: drain the prefill engines, switch the decode engine's
// channel arbitration to the KV cache, start the decode controller.
inline constexpr int64_t kPrefillDecodeHandoff = 64;

}  // namespace fill
}  // namespace flexllm::perf
