// The quantized model: every integer parameter the accelerator needs (int4 weights with row sums
// and per-channel multipliers, static int8 scales, tables), and its container tensors.
#pragma once

#include <string>
#include <vector>

#include "golden/model_config.h"
#include "golden/ops_ref.h"
#include "golden/tensor.h"

namespace flexllm::golden {

// The linear roles of one decoder layer, in stage order, plus the LM head.
inline const std::vector<std::string> kLayerLinearRoles = {"q",    "k",  "v",   "o",
                                                           "gate", "up", "down"};

struct LayerQ {
    LinearParamsRef q, k, v, o, gate, up, down;
    std::vector<Multiplier> q_mult;      // [heads]    Q16 activation -> int8 (1 / (s_q * 2^16))
    std::vector<Multiplier> k_mult;      // [kv_heads] Q16 activation -> int8
    std::vector<Multiplier> v_mult;      // [kv_heads] Q16 activation -> int8
    std::vector<Multiplier> score_mult;  // [heads]    score diff -> Q8 log2 units
    std::vector<Multiplier> ctx_mult;    // [kv_heads] sum p8*v8 -> Q16 activation

    LinearParamsRef& linear(const std::string& role);
    const LinearParamsRef& linear(const std::string& role) const;
};

struct QuantModel {
    ModelConfig cfg;
    std::vector<int32_t> embed;  // [vocab, hidden], Q16, R1-rotated
    std::vector<LayerQ> layers;
    LinearParamsRef lm_head;  // final norm gain and R1 folded
    int64_t eps_q32 = 1;
    Multiplier sample_mult;  // logit difference -> Q8 log2 units (temperature 1)
    RopeTables rope;

    // Tensors under "param/..." (the container's quantized parameters) and back.
    std::vector<Tensor> to_tensors() const;
    static QuantModel from_tensors(const ModelConfig& cfg, const std::vector<Tensor>& tensors);
};

}  // namespace flexllm::golden
