// The integer reference forward pass ("the spec" of the whole accelerator): prefill of a prompt
// and token-by-token decode with the int8 KV cache, every stage's output tapped.
//
// Taps are named "<step>/L<layer>/<stage>" ("<step>/<stage>" outside layers), where <step> is
// "prefill" or "decode/<position>", and hold one row per token of that step:
//   embed, attn_norm, attn_quant.{q,zero,range}, q_proj, k_proj, v_proj, q_rope, k_rope,
//   q_int8, k_int8, v_int8 (what kv_cache stores), attn_scores [T,heads,ctx] (entries past the
//   causal limit are 0 and not part of the contract), softmax [T,heads,ctx], attn_context,
//   o_quant.*, o_proj, attn_residual, ffn_norm, ffn_quant.*, gate_proj, up_proj, swiglu, fht,
//   down_quant.*, down_proj, ffn_residual; after the last layer, for the step's last token only:
//   final_norm, lm_quant.*, logits [1,vocab], token [1].
// The input of linear role R is tap `<R's quant>` and its output `<R>_proj` (lm_head: lm_quant
// and logits); see linear_taps().
#pragma once

#include <functional>
#include <span>
#include <string>
#include <vector>

#include "golden/quant_model.h"
#include "golden/tensor.h"

namespace flexllm::golden {

using TapFn = std::function<void(Tensor&&)>;

// Names of the input quant tap and output tap of a linear role ("q".."down", "lm_head").
struct LinearTapNames {
    std::string quant;   // e.g. "attn_quant" (tensors .q, .zero, .range)
    std::string output;  // e.g. "q_proj"
};
LinearTapNames linear_taps(const std::string& role);

struct SamplingParams {
    int top_k = 1;  // 1 = greedy
    uint64_t seed = 0;
};

class IntModel {
  public:
    // `max_positions` sizes the KV cache; it must not exceed the RoPE table length.
    IntModel(const QuantModel& qm, int max_positions);
    // Runs tokens at positions [position(), position()+n) and returns the logits of the last one.
    std::vector<int32_t> forward(std::span<const int> tokens, const std::string& step,
                                 const TapFn& tap);
    int position() const { return pos_; }
    const QuantModel& model() const { return *qm_; }
    // KV cache of a layer as [kv_heads, position(), head_dim].
    std::vector<int8_t> k_cache(int layer) const;
    std::vector<int8_t> v_cache(int layer) const;

  private:
    std::vector<int8_t> cache_rows(const std::vector<int8_t>& cache) const;  // [kv, pos, hd]
    void layer(int l, std::vector<int32_t>& x, int tokens, const std::string& pre,
               const TapFn& tap);
    const QuantModel* qm_;
    int max_pos_;
    int pos_ = 0;
    std::vector<std::vector<int8_t>> kc_, vc_;  // [layer][kv_head][max_pos][head_dim]
};

struct GenerateResult {
    std::vector<int> tokens;                   // generated tokens (gen_len of them)
    std::vector<std::vector<int32_t>> logits;  // logits that chose each generated token
};
// Prefill `prompt` then decode gen_len tokens, sampling each from the previous logits.
GenerateResult generate(IntModel& m, std::span<const int> prompt, int gen_len,
                        const SamplingParams& sp, const TapFn& tap);

}  // namespace flexllm::golden
