// Table generation from the definitions in golden/NUMERICS.md §3.
#include "golden/tables.h"

#include <cmath>
#include <numbers>

namespace flexllm::golden {

const std::array<uint16_t, 256>& exp2_table() {
    static const std::array<uint16_t, 256> t = [] {
        std::array<uint16_t, 256> a{};
        for (int k = 0; k < 256; ++k)
            a[k] =
                static_cast<uint16_t>(std::lround(std::ldexp(std::exp2(-k / 256.0), kExp2OutFrac)));
        return a;
    }();
    return t;
}

const std::array<int32_t, kSigmoidEntries>& sigmoid_table() {
    static const std::array<int32_t, kSigmoidEntries> t = [] {
        std::array<int32_t, kSigmoidEntries> a{};
        for (int k = 0; k < kSigmoidEntries; ++k) {
            double x = -16.0 + k / 64.0;
            a[k] = static_cast<int32_t>(std::lround(65536.0 / (1.0 + std::exp(-x))));
        }
        return a;
    }();
    return t;
}

std::vector<double> rope_inv_freq(const ModelConfig& cfg) {
    const int half = cfg.head_dim / 2;
    std::vector<double> inv(half);
    const auto& s = cfg.rope_scaling;
    for (int j = 0; j < half; ++j) {
        double f = std::pow(cfg.rope_theta, -2.0 * j / cfg.head_dim);
        if (s.llama3) {
            const double low_wavelen = s.original_max_positions / s.low_freq_factor;
            const double high_wavelen = s.original_max_positions / s.high_freq_factor;
            const double wavelen = 2 * std::numbers::pi / f;
            if (wavelen > low_wavelen) {
                f = f / s.factor;
            } else if (wavelen >= high_wavelen) {
                double smooth = (s.original_max_positions / wavelen - s.low_freq_factor) /
                                (s.high_freq_factor - s.low_freq_factor);
                f = (1 - smooth) * f / s.factor + smooth * f;
            }
        }
        inv[j] = f;
    }
    return inv;
}

RopeTables make_rope_tables(const ModelConfig& cfg, int positions) {
    RopeTables t;
    t.positions = positions;
    t.half = cfg.head_dim / 2;
    const auto inv = rope_inv_freq(cfg);
    t.cos.resize(static_cast<size_t>(positions) * t.half);
    t.sin.resize(t.cos.size());
    for (int p = 0; p < positions; ++p)
        for (int j = 0; j < t.half; ++j) {
            double a = p * inv[j];
            t.cos[static_cast<size_t>(p) * t.half + j] =
                static_cast<int32_t>(std::lround(std::ldexp(std::cos(a), kRopeFrac)));
            t.sin[static_cast<size_t>(p) * t.half + j] =
                static_cast<int32_t>(std::lround(std::ldexp(std::sin(a), kRopeFrac)));
        }
    return t;
}

}  // namespace flexllm::golden
