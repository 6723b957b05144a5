// Offline preparation: fold RMSNorm gains, fold the Hadamard rotations (R1 on the residual stream,
// R2 per head on V/O, R4 into down_proj), quantize linears to int4 with a clipping search, and
// calibrate the static int8 scales on synthetic prompts with the float reference.
#pragma once

#include <cstdint>

#include "golden/float_ref.h"
#include "golden/quant_model.h"
#include "golden/weights.h"

namespace flexllm::golden {

struct QuantizeOptions {
    bool rotate = true;  // R1/R2 (R4 is always folded: the FHT stage is in the datapath)
    uint64_t rotation_seed = 0x5eed;
    int calib_prompts = 4;
    int calib_len = 32;
    uint64_t calib_seed = 0xca11b;
    int positions = 0;  // RoPE table length; 0 = calib_len
};

// Gains folded into the following linears (all norm gains become 1) and rotations folded in.
ModelWeightsF rotate_and_fold(const ModelWeightsF& w, const QuantizeOptions& opt);

// int4 symmetric per output channel with a clipping search; returns the weights with rowsum and
// mult = s_w / 15 * extra_scale (activation units).
LinearParamsRef quantize_linear(const std::vector<float>& w, int d_out, int d_in,
                                double extra_scale);

struct Prepared {
    ModelWeightsF folded;  // float weights in the rotated basis (the float reference runs these)
    QuantModel qm;
};
Prepared prepare_model(const ModelWeightsF& w, const QuantizeOptions& opt);

}  // namespace flexllm::golden
