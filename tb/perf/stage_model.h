// Per-stage cycle formulas of the performance model: pure functions of the shared *Params that the
// RTL harness calls to compare measured cycles with the model (DESIGN.md §5, §8: |residual| <= 2%).
#pragma once

#include <algorithm>
#include <cstdint>

#include "hls_src/params.h"
#include "tb/perf/pipeline_fill.h"

namespace flexllm::perf {

using kern::DecodeParams;
using kern::MemChannelParams;

// Byte sizes of the numeric formats (golden/NUMERICS.md, hls_src/kernels/linear_engine.h).
inline constexpr int kWeightBits = 4;         // int4 weights, streamed
inline constexpr int kChannelParamBytes = 8;  // per output channel: rowsum int32, m uint16, shift
inline constexpr int kKvBytes = 1;            // int8 K and V cache entries
inline constexpr int kActBytes = 4;           // 32-bit fixed point between stages (on chip)

// Cycles of one call of a stage. `total` is what the harness's cycle tracer measures: first input
// accepted to last output. The scheduler of the whole-model uses the other fields.
struct StageCycles {
    int64_t compute = 0;    // datapath cycles at full rate, every block and phase included
    int64_t memory = 0;     // cycles the stage's memory channels need for its off-chip bytes
    int64_t fill = 0;       // added once: StageFill::fixed + memory request latency
    int64_t total = 0;      // max(compute, memory) + fill
    int64_t first_out = 0;  // cycles from the start to the first output beat
    int64_t in_span = 0;    // cycles from the start to the last input beat consumed
    // Work counts for the energy model.
    int64_t bytes = 0;    // off-chip bytes moved
    int64_t macs4 = 0;    // uint4 x int4 MACs executed (padding included)
    int64_t macs8 = 0;    // int8 MACs (attention)
    int64_t vec_ops = 0;  // element operations of vector stages

    int64_t busy() const { return std::max(compute, memory); }
    bool memory_bound() const { return memory > compute; }
};

// Sustained bytes per cycle of a channel group: channels * bytes_per_cycle * efficiency.
double sustained_bytes_per_cycle(const MemChannelParams& m);
// ceil(bytes / bytes_per_cycle); 0 bytes -> 0 cycles.
int64_t transfer_cycles(double bytes, double bytes_per_cycle);

// ---- linear engines (hls_src/kernels/linear_engine.h) ------------------------------------------
// One call processes a block of `rows` tokens; `lanes` weight streams of `wp` channels each
// (cols = lanes*wp output channels per channel block), one reduction index k per cycle.
//   n_cb      = ceil(d_out / cols)                         channel blocks (d_out padded to cols)
//   calls     = ceil(tokens / rows)                        token blocks
//   skew      = rows - 1 + wp - 1 for the systolic prefill array (PE (r, j) reduces r + j
//               cycles after PE (0, 0)), 0 for the broadcast decode GEMV
//   per block = lanes (channel-parameter beats) + d_in (reduce) + skew + rows*lanes (output
//               beats) + fill.per_block
//   compute   = calls * n_cb * per_block                               (fill.serial_blocks)
//             = calls * n_cb * max(d_in + fill.per_block, skew + rows*lanes + 1)
//               + lanes + skew + rows*lanes                                        (overlapped)
//               (overlapped: a block's last step waits until the previous block's wavefront
//               has left the array and its sums have drained; the next token block streams in
//               while the last one drains, so the tail is paid once per call of the stage)
//   memory    = calls * ceil(lane_bytes / (channels*bytes_per_cycle*efficiency / lanes)),
//               lane_bytes = n_cb * (d_in*wp*4/8 + wp*kChannelParamBytes): every lane streams its
//               own weights, padded channels included (zeros in the weight layout); the channel
//               group's sustained bandwidth is shared evenly by the lanes.
//   fill      = fill.fixed + mem.latency_cycles;   total = max(compute, memory) + fill
// Ideal (DESIGN.md §5): prefill l_p*d_in*d_out/(TP*WP), decode d_in*d_out/(BP*WP); the formula
// above adds padding, the per-block beats and the fill.
struct EngineShape {
    int rows = 1;           // tokens per call (prefill TP, decode 1)
    int lanes = 1;          // weight streams (prefill: FFN blocks, 1 for K|Q and V|O; decode: BP)
    int wp = 1;             // output channels per stream per cycle
    bool systolic = false;  // prefill: skewed wavefront (skew = rows + wp - 2)
    int skew() const { return systolic ? rows - 1 + wp - 1 : 0; }
};
StageCycles linear_engine_cycles(int tokens, int d_in, int d_out, const EngineShape& shape,
                                 const MemChannelParams& mem, const StageFill& f);

// Decode GEMV: rows 1, lanes BP, wp WP, activations broadcast, weights on p.weight_mem.
StageCycles linear_decode_cycles(int d_in, int d_out, const DecodeParams& p,
                                 const StageFill& f = fill::kLinearDecode);

// Prefill TP x WP output-stationary array; `streams` weight streams share the WP channels
// (the FFN engines' blocks; must divide wp).
StageCycles linear_prefill_cycles(int tokens, int d_in, int d_out, int tp, int wp,
                                  const MemChannelParams& mem,
                                  const StageFill& f = fill::kLinearPrefill, int streams = 1);

// ---- quant_token (hls_src/kernels/quant_token.h) -----------------------------------------------
// A beat carries `lanes` elements of `tokens_per_beat` tokens; per token group: load ceil(d/lanes)
// beats, divide and emit the zero/range beat (fill.per_block), emit ceil(d/lanes) code beats.
//   groups  = ceil(tokens / tokens_per_beat),  beats = ceil(d / lanes)
//   compute = groups * (2*beats + fill.per_block)                       (fill.serial_blocks)
//           = groups * (beats + fill.per_block) + beats                       (double-buffered)
//   total   = compute + fill.fixed;  first_out = beats + fill.per_block + fill.fixed
// Decode: one token, `lanes` = decode.lanes. Prefill: tokens_per_beat = TP, lanes = 1.
StageCycles quant_token_cycles(int tokens, int d, int lanes,
                               const StageFill& f = fill::kQuantToken);
StageCycles quant_token_prefill_cycles(int tokens, int d, int tp,
                                       const StageFill& f = fill::kQuantToken);

// ---- vector stages (rmsnorm, rope, quant_static, residual, swiglu, fht) -------------------------
// kStream: one pass, compute = groups * (beats + per_block), first output after fill.fixed.
// kRowReduce: needs the whole row (a statistic or a transform over it) before emitting, so it
//             is shaped like quant_token: load pass, per_block, emit pass.
enum class VectorKind { kStream, kRowReduce };
StageCycles vector_cycles(int tokens, int d, int lanes, int tokens_per_beat, VectorKind kind,
                          const StageFill& f);
// quant_static (rtl_gen/sv/flexllm_quant_static.sv): per token group one multiplier beat per
// head, then the rows' beats, one per cycle, into an output register:
//   compute = groups * (heads + ceil(d / lanes) + per_block);  total = compute + fill.fixed
StageCycles quant_static_cycles(int tokens, int d, int heads, int lanes, int tokens_per_beat,
                                const StageFill& f = fill::kQuantStatic);
// rope (rtl_gen/sv/flexllm_rope.sv): the cos/sin of a group load into one of two banks while the
// previous group streams; a head's first half is buffered, its second half completes the pairs,
// and the buffered second-half outputs leave while the next head's first half arrives:
//   compute = groups * (ceil(d / lanes) + per_block);  total = compute + fill.fixed +
//             head_dim / lanes (the first table load and the last head's drain)
StageCycles rope_cycles(int tokens, int d, int head_dim, int lanes, int tokens_per_beat,
                        const StageFill& f = fill::kRope);
// Fast Walsh-Hadamard transform of size n (power of two), streamed (rtl_gen/sv/flexllm_fht.sv):
// the strides inside a beat in an input register, one delay-line stage per stride of 1, 2, 4, ...
// beats; groups overlap, so with B = ceil(n / lanes) beats per row:
//   compute = groups * (B + per_block);  total = compute + B + log2(B) + fill.fixed
StageCycles fht_cycles(int tokens, int n, int lanes, int tokens_per_beat, const StageFill& f);

// ---- attention -------------------------------------------------------------------------------
// Scores (Q.K^T), softmax and context (A.V) are separate units pipelined over head passes:
//   compute = passes * (max(S, M, C) + per_block) + (S + M + C - max(S, M, C))
// Decode (one query, ctx keys): passes = ceil(heads / heads_parallel), each head consumes
//   kv_parallel int8 elements per cycle: S = C = ceil(ctx*head_dim / kv_parallel),
//   M = 2*ceil(ctx / lanes) (exp-and-sum pass, normalize pass; the max follows the scores).
//   K and V are read once per KV head (heads_parallel covers whole GQA groups) or group /
//   heads_parallel times when heads_parallel < group.
// Prefill (queries x keys of one token tile, causal rectangle): heads one at a time on an
//   attn_tp x attn_kv array per unit: R = ceil(queries / attn_tp),
//   S = R*ceil(keys/attn_kv)*head_dim, C = R*ceil(head_dim/attn_kv)*keys,
//   M = R*2*ceil(min(queries, attn_tp)*keys / lanes); K and V re-read per query head and row.
// memory = K/V bytes over `kv_mem`; fill = fill.fixed + kv_mem.latency_cycles.
// shared_array: scores and context time-share one array (a pass occupies it S + C cycles):
//   compute = passes * (max(S + C, M) + per_block) + (S + M + C - max(S + C, M)).
struct AttnShape {
    int heads = 1;
    int kv_heads = 1;
    int head_dim = 1;
    bool shared_array = false;
};
StageCycles attention_decode_cycles(int ctx, const AttnShape& a, int heads_parallel,
                                    int kv_parallel, int lanes, const MemChannelParams& kv_mem,
                                    const StageFill& f = fill::kAttention);
StageCycles attention_prefill_cycles(int queries, int keys, const AttnShape& a, int attn_tp,
                                     int attn_kv, int lanes, const MemChannelParams& kv_mem,
                                     const StageFill& f = fill::kAttention);

// ---- the attention kernels (per query group: the rows of one shape pass, its key blocks) -------
// attn_scores (rtl_gen/sv/flexllm_attn_scores.sv): every block's head_dim key beats, one per cycle
// (block 0 joined with the q beats), groups back to back:
//   compute = blocks * head_dim;  total = compute + fill.fixed
StageCycles attn_scores_cycles(int groups, int64_t blocks, int head_dim,
                               const StageFill& f = fill::kAttnScores);
// softmax (rtl_gen/sv/flexllm_softmax.sv): groups pipelined through load (with the max), exp and
// sum, a pipelined reciprocal and emit, one score beat in and one probability beat out per cycle;
// the largest group's exp and emit passes follow its last score:
//   compute = blocks + 2 * max_blocks + groups * per_block;  total = compute + fill.fixed
StageCycles softmax_cycles(int groups, int64_t blocks, int64_t max_blocks,
                           const StageFill& f = fill::kSoftmax);
// attn_context (rtl_gen/sv/flexllm_attn_context.sv): every block's head_dim value beats, one per
// cycle; a group's output beat d leaves as its last block finishes dimension d:
//   compute = blocks * head_dim + groups * per_block;  total = compute + fill.fixed
StageCycles attn_context_cycles(int groups, int64_t blocks, int head_dim,
                                const StageFill& f = fill::kAttnContext);
// kv_cache (rtl_gen/sv/flexllm_kv_cache.sv): a command beat, then a write beat per `lanes` cycles
// (one element of each of its tokens per cycle) or a read word per cycle:
//   compute = commands + write_beats * lanes + words;  total = compute + fill.fixed
StageCycles kv_cache_cycles(int commands, int64_t write_beats, int lanes, int64_t words,
                            const StageFill& f = fill::kKvCache);

// ---- memory-side stages -----------------------------------------------------------------------
// KV cache append: tokens*2*kv_dim int8 bytes written; memory-bound only.
StageCycles kv_write_cycles(int tokens, int kv_dim, const MemChannelParams& mem,
                            const StageFill& f = fill::kKvWrite);
// Embedding lookup (rtl_gen/sv/flexllm_embedding.sv): the int32 rows of the table (hidden * 4
// bytes per token) read through a read channel, in groups of `tokens_per_beat` tokens (the last
// one partial). Per group the token beat is taken, one row request per token follows per cycle,
// each row arrives in hidden / (T * L) beats at r = min(1, sustained bytes / beat bytes) per cycle
// in request order, no earlier than `latency` after its request nor before the first beat's bytes
// have accrued (latency - 1 + beat bytes / channel bytes); the group's hidden / lanes output beats
// follow its last row as it arrives (cut through), one per cycle, while the other row buffer
// loads the next group (two buffers: a group waits for the emission two groups back). The total
// is that schedule's last output + fill.fixed; compute = output beats, memory = the rows' bytes.
StageCycles embed_cycles(int tokens, int hidden, int tokens_per_beat, int lanes,
                         const MemChannelParams& mem, const StageFill& f = fill::kEmbed);
// Sampling (rtl_gen/sv/flexllm_sample.sv) over the streamed logits, B = ceil(vocab / lanes) beats
// at one per cycle: greedy (top_k <= 1) compute = B; top-k compute = B + top_k pops + kSampleDraw
// (the weight pipeline, the 49-step remainder of the draw, the scan); total = compute + fill.fixed.
inline constexpr int kSampleDraw = 52;
StageCycles sample_cycles(int vocab, int lanes, int top_k, const StageFill& f = fill::kSample);

}  // namespace flexllm::perf
