// Float model weights in Hugging Face layout (row-major [out, in] for linears), from a seed
// (synthetic, LLM-like statistics) or from a safetensors checkpoint.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "golden/model_config.h"

namespace flexllm::golden {

struct LayerWeightsF {
    std::vector<float> attn_norm;  // [hidden]                      input_layernorm.weight
    std::vector<float> wq;         // [heads*head_dim, hidden]       self_attn.q_proj.weight
    std::vector<float> wk;         // [kv_heads*head_dim, hidden]    self_attn.k_proj.weight
    std::vector<float> wv;         // [kv_heads*head_dim, hidden]    self_attn.v_proj.weight
    std::vector<float> wo;         // [hidden, heads*head_dim]       self_attn.o_proj.weight
    std::vector<float> ffn_norm;   // [hidden]                      post_attention_layernorm.weight
    std::vector<float> w_gate;     // [intermediate, hidden]         mlp.gate_proj.weight
    std::vector<float> w_up;       // [intermediate, hidden]         mlp.up_proj.weight
    std::vector<float> w_down;     // [hidden, intermediate]         mlp.down_proj.weight
};

struct ModelWeightsF {
    ModelConfig cfg;
    std::vector<float> embed;  // [vocab, hidden]   model.embed_tokens.weight
    std::vector<LayerWeightsF> layers;
    std::vector<float> final_norm;  // [hidden]          model.norm.weight
    std::vector<float> lm_head;     // [vocab, hidden]   lm_head.weight; empty when tied to embed

    const std::vector<float>& lm_head_or_embed() const { return lm_head.empty() ? embed : lm_head; }
};

// Synthetic weights from a seed with LLM-like statistics: Gaussian linears scaled 1/sqrt(fan_in),
// RMSNorm gains near 1, and a few outlier channels of the residual stream 20-100x larger
// (embedding and o/down output rows), so that rotation and per-token quantization matter. An
// untied model's head predicts a fixed successor of the state's token (a learned bigram), so its
// greedy output is varied; a tied head predicts the input token again (the output repeats).
ModelWeightsF synthetic_weights(const ModelConfig& cfg, uint64_t seed);

// "synthetic:SEED" or a path to a .safetensors file (HF Llama names); throws Error on bad input.
ModelWeightsF load_weights(const ModelConfig& cfg, const std::string& spec);

}  // namespace flexllm::golden
