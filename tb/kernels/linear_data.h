// The stage data of one linear role, shared by the quant_token and linear kernel entries: the
// role's int32 input tokens, their quantization, the weights and the expected outputs.
#pragma once

#include <memory>

#include "golden/model_config.h"
#include "hls_src/kernel_params.h"
#include "tb/kernel_registry.h"
#include "tb/stimulus.h"

namespace flexllm::tb {

struct LinearData : StageData {
    LinearStimulus st;
};

// The linear roles as case roles: q..down per layer (their slots), lm_head after the last layer.
const std::vector<Role>& linear_roles();
kern::LinearRole linear_role(const CaseSpec& c);

// Role `c.role` of layer `c.layer` (the LM head: after the last layer) over the phase's steps.
std::shared_ptr<const LinearData> golden_linear_data(const CaseSpec& c, const GoldenTaps& g);
// Seeded random tokens (prefill: prompt_len, the LM head 1; decode: decode_tokens) and weights,
// expected values from quant_token_ref / linear_ref.
std::shared_ptr<const LinearData> random_linear_data(const CaseSpec& c,
                                                     const golden::ModelConfig& m,
                                                     const RandomSpec& r);

}  // namespace flexllm::tb
