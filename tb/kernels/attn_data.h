// Shared by the attention kernel entries (kv_cache, attn_scores, softmax, attn_context): a case's
// attention tensors per step (a layer's golden taps, or seeded random int8 codes with the expected
// values from the golden _ref ops), the query groups an attention shape processes, and the beats
// their benches share (group headers, per-row multipliers, key/value words).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "golden/fixed_point.h"
#include "tb/bench_packing.h"
#include "tb/kernels/vector_data.h"

namespace flexllm::tb {

// One step (the prefill, or one decode token) of one layer's attention.
struct AttnStep {
    int pos0 = 0;    // position of the step's first token
    int tokens = 0;  // tokens of the step
    int row0 = 0;    // the case's token index of the step's first token (the "token" coordinate)
    Rows q8;         // [token][q_dim] int8 codes
    Rows k8, v8;     // [position][kv_dim] the cache after the step's write: positions < ctx()
    std::vector<int32_t> scores, probs;  // [token][head][ctx()], 0 past the causal limit
    Rows context;                        // [token][q_dim]
    int ctx() const { return pos0 + tokens; }
    int32_t score(int t, int h, int heads, int j) const {
        return scores[(static_cast<size_t>(t) * heads + h) * ctx() + j];
    }
    int32_t prob(int t, int h, int heads, int j) const {
        return probs[(static_cast<size_t>(t) * heads + h) * ctx() + j];
    }
};

struct AttnData : StageData {
    int heads = 0, kv_heads = 0, head_dim = 0;
    std::vector<golden::Multiplier> score_mult;  // [heads]: softmax's c2
    std::vector<golden::Multiplier> ctx_mult;    // [kv_heads]: attn_context's multiplier
    std::vector<AttnStep> steps;
    int group() const { return heads / kv_heads; }
};

// The layer's taps over the phase's steps (the decode cache starts with the prefill's rows).
std::shared_ptr<const AttnData> attn_golden_data(const CaseSpec& c, const GoldenTaps& g);
// Seeded random codes: prefill prompt_len tokens; decode the last decode_tokens positions of the
// context (a cache of max_positions - decode_tokens earlier positions). Keys repeat (scores that
// tie for the max), a query row is all zero (every score equal), rows sit at -128 and 127, and the
// multipliers saturate the context and clamp the exponent; expected values from the _ref ops.
std::shared_ptr<const AttnData> attn_random_data(const CaseSpec& c, const golden::ModelConfig& m,
                                                 const RandomSpec& r);

// The base of the attention kernel entries: their stage data is an AttnData, from the taps or
// the seeded random codes above.
class AttnKernel : public Kernel {
  public:
    std::shared_ptr<const StageData> golden_data(const CaseSpec& c,
                                                 const GoldenTaps& g) const override {
        return attn_golden_data(c, g);
    }
    std::shared_ptr<const StageData> random_data(const CaseSpec& c, const golden::ModelConfig& m,
                                                 const RandomSpec& r) const override {
        return attn_random_data(c, m, r);
    }
};

// One transaction of an attention engine: `nrows` rows of the step's tokens and heads. Row r is
// (token t0 + r, head h0) with token rows, else (token t0, head h0 + r).
struct AttnGroup {
    int step = 0;
    int t0 = 0, h0 = 0;
    int qpos0 = 0, nrows = 0;
    int nblk = 0;  // key blocks: ceil(keys of the last row / shape.keys)
    int token(const kern::AttnShape& s, int r) const { return s.token_rows ? t0 + r : t0; }
    int head(const kern::AttnShape& s, int r) const { return s.token_rows ? h0 : h0 + r; }
    int keys(const kern::AttnShape& s, int r) const { return qpos0 + (s.token_rows ? r : 0) + 1; }
};
// Per step: prefill head by head, each in groups of shape.rows tokens; decode the heads in
// groups of shape.rows. Throws Error when the model does not fit the shape.
std::vector<AttnGroup> attn_groups(const CaseSpec& c, const AttnData& d, const kern::AttnShape& s);

// The group's header beat {nrows[31:16], qpos0[15:0]}.
int64_t attn_header(const AttnGroup& g);
// The key (or value) beats of a group: per block and dimension, `sets` x `keys` int8 of the cache
// (positions past the step's cache are 0). `cache` selects k8 or v8.
void attn_kv_beats(Packer& p, const AttnData& d, const AttnGroup& g, const kern::AttnShape& s,
                   Rows AttnStep::*cache);
// The cycles of the perf model's attention formulas: per group the key blocks.
int64_t attn_blocks(const std::vector<AttnGroup>& groups);

}  // namespace flexllm::tb
