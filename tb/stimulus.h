// Stage stimulus for the quant_token and linear stages: inputs, weights and expected outputs of
// one role, either seeded-random (with golden _ref ops as the oracle) or tapped from the golden
// model. Shared by the C-sim tests, the RTL harness and `flexllm regress`.
#pragma once

#include <cstdint>
#include <vector>

#include "golden/ops_ref.h"

namespace flexllm::tb {

// One linear role applied to `tokens` tokens: x (int32 activations, pre-quantization), the
// quantized tokens, and the expected output y = linear_ref(quant_token_ref(x)).
struct LinearStimulus {
    golden::LinearParamsRef w;
    std::vector<std::vector<int32_t>> x;  // [token][d_in]
    std::vector<golden::TokenQuant> xq;   // [token]
    std::vector<std::vector<int32_t>> y;  // [token][d_out]
};

// Seeded random stimulus: int4 weights, scales as Multipliers, activations with a few outliers;
// token 1 (of 2 or more) has range 0, with more than 4 tokens token 3 spans the int32 range;
// channel 5 of every 8 has a scale that saturates most of its outputs both ways.
LinearStimulus random_linear_stimulus(int d_in, int d_out, int tokens, uint64_t seed);
// Recomputes xq and y from x and w with the golden reference ops.
void complete_with_golden(LinearStimulus& s);

}  // namespace flexllm::tb
