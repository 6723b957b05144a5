// Test helper: signal-to-quantization-noise ratio in dB of `got` against `ref`.
#pragma once

#include <cmath>
#include <limits>
#include <vector>

namespace flexllm::testing {

inline double sqnr_db(const std::vector<double>& ref, const std::vector<double>& got) {
    double sig = 0, noise = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
        sig += ref[i] * ref[i];
        noise += (ref[i] - got[i]) * (ref[i] - got[i]);
    }
    if (noise == 0) return std::numeric_limits<double>::infinity();
    return 10 * std::log10(sig / noise);
}

}  // namespace flexllm::testing
