// What quantization and each integer approximation cost: per-stage SQNR of the integer stage
// against its float counterpart on the same (dequantized) inputs, and end-to-end logit agreement
// of the integer model against the float reference.
#pragma once

#include <string>
#include <vector>

#include "golden/quantize.h"
#include "golden/tensor.h"

namespace flexllm::golden {

struct StageAccuracy {
    std::string stage;  // e.g. "q_proj (quant_token+linear)"
    int64_t elements = 0;
    double sqnr_db = 0;  // +inf when exact
};

struct AccuracyReport {
    std::vector<StageAccuracy> stages;
    int positions = 0;          // generated positions compared end to end
    double top1_agreement = 0;  // fraction of positions whose argmax agrees
    double mean_kl = 0;         // mean KL(float || integer) of the next-token distributions, nats
    double logits_sqnr_db = 0;  // integer logits vs float logits, all positions
    std::string to_table() const;
};

// `taps` from one IntModel run (prefill + decode); `float_logits[i]` are the float model's logits
// for the same positions as `int_logits[i]`.
AccuracyReport measure_accuracy(const Prepared& prep, const std::vector<Tensor>& taps,
                                const std::vector<std::vector<int32_t>>& int_logits,
                                const std::vector<std::vector<float>>& float_logits);

}  // namespace flexllm::golden
