// The float reference: fp32 weights and activations (fp64 accumulation) of the same model, used to
// measure what quantization and each integer approximation cost, and to calibrate static scales.
#pragma once

#include <span>
#include <vector>

#include "golden/weights.h"

namespace flexllm::golden {

// Float counterparts of the integer ops (same layouts).
void rmsnorm_f(std::span<const float> x, std::span<const float> gain, double eps,
               std::span<float> y);
void linear_f(std::span<const float> w, int d_out, int d_in, std::span<const float> x,
              std::span<float> y);
void rope_f(std::span<const float> x, std::span<const double> inv_freq, int pos,
            std::span<float> y);
void softmax_f(std::span<const float> s, std::span<float> p);
float silu_f(float x);
// Normalized Walsh-Hadamard transform (H / sqrt(n)), Sylvester order.
void fht_f(std::span<float> v);

// Per-head maxima seen during a float run (calibration of the static int8 scales).
struct CalibStats {
    std::vector<std::vector<float>> q_max, k_max, v_max;  // [layer][head or kv head]
};

// Full forward pass with a float KV cache. `online_hadamard` applies fht_f before down_proj (the
// rotated model has R4 folded into w_down). Norm gains may be all ones (folded into weights).
class FloatModel {
  public:
    FloatModel(const ModelWeightsF& w, bool online_hadamard);
    // Runs tokens at positions [position(), position()+n); returns logits of the last token.
    std::vector<float> forward(std::span<const int> tokens, CalibStats* stats = nullptr);
    int position() const { return pos_; }

  private:
    const ModelWeightsF& w_;
    bool online_hadamard_;
    std::vector<double> inv_freq_;
    std::vector<std::vector<float>> k_cache_, v_cache_;  // [layer][pos * kv_dim + ...]
    int pos_ = 0;
};

}  // namespace flexllm::golden
