// The micro Llama model of the safetensors fuzz targets and their seed corpus: the smallest
// config that validates, its weights (deterministic) and the two-shard split of the index target.
#pragma once

#include <string>
#include <vector>

#include "golden/model_config.h"
#include "golden/safetensors.h"
#include "golden/weights.h"

namespace flexllm::fuzz {

inline golden::ModelConfig micro_config() {
    golden::ModelConfig c;
    c.name = "micro";
    c.hidden = 4;
    c.layers = 1;
    c.heads = 2;
    c.kv_heads = 1;
    c.head_dim = 2;
    c.intermediate = 8;
    c.vocab = 4;
    c.max_positions = 16;
    return c;
}

// Every tensor load_safetensors reads for micro_config(), in HF order, F32 values i / 8.
inline std::vector<golden::SafetensorsEntry> micro_tensors(const std::string& dtype) {
    const golden::ModelConfig c = micro_config();
    std::vector<golden::SafetensorsEntry> out;
    auto add = [&](std::string name, std::vector<int64_t> shape) {
        int64_t n = 1;
        for (int64_t d : shape) n *= d;
        std::vector<float> v(static_cast<size_t>(n));
        for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = static_cast<float>(i % 16) / 8;
        out.emplace_back(std::move(name), dtype, std::move(shape), std::move(v));
    };
    add("model.embed_tokens.weight", {c.vocab, c.hidden});
    const std::string l = "model.layers.0.";
    add(l + "input_layernorm.weight", {c.hidden});
    add(l + "self_attn.q_proj.weight", {c.q_dim(), c.hidden});
    add(l + "self_attn.k_proj.weight", {c.kv_dim(), c.hidden});
    add(l + "self_attn.v_proj.weight", {c.kv_dim(), c.hidden});
    add(l + "self_attn.o_proj.weight", {c.hidden, c.q_dim()});
    add(l + "post_attention_layernorm.weight", {c.hidden});
    add(l + "mlp.gate_proj.weight", {c.intermediate, c.hidden});
    add(l + "mlp.up_proj.weight", {c.intermediate, c.hidden});
    add(l + "mlp.down_proj.weight", {c.hidden, c.intermediate});
    add("model.norm.weight", {c.hidden});
    return out;
}

inline constexpr size_t kMicroFirstShard = 6;  // tensors in shard 1: embedding .. o_proj

// Writes the two shards into `dir`: model-0000{1,2}-of-00002.safetensors (BF16).
inline void write_micro_shards(const std::string& dir) {
    const auto all = micro_tensors("BF16");
    const std::vector<golden::SafetensorsEntry> a(all.begin(), all.begin() + kMicroFirstShard);
    const std::vector<golden::SafetensorsEntry> b(all.begin() + kMicroFirstShard, all.end());
    golden::write_safetensors(dir + "/model-00001-of-00002.safetensors", a);
    golden::write_safetensors(dir + "/model-00002-of-00002.safetensors", b);
}

}  // namespace flexllm::fuzz
