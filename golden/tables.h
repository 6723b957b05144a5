// Lookup tables of the numeric contract (golden/NUMERICS.md §3), generated once from their
// definitions in double precision and then frozen into the golden container.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "golden/model_config.h"

namespace flexllm::golden {

// EXP2[k] = round(2^15 * 2^(-k/256)), k = 0..255: the fractional part of 2^-u (u in Q8).
inline constexpr int kExp2Frac = 8;
inline constexpr int kExp2OutFrac = 15;
const std::array<uint16_t, 256>& exp2_table();

// SIGMOID[k] = round(2^16 * sigmoid(-16 + k/64)), k = 0..2048; linear interpolation between.
inline constexpr int kSigmoidEntries = 2049;
inline constexpr int kSigmoidStepBits = 10;  // step 1/64 = 2^10 in Q16
inline constexpr int kSigmoidRangeQ16 = 16 << 16;
const std::array<int32_t, kSigmoidEntries>& sigmoid_table();

// RoPE inverse frequencies with llama3 scaling (as Hugging Face computes them, in double).
std::vector<double> rope_inv_freq(const ModelConfig& cfg);

// cos/sin tables [positions][head_dim/2], Q16 (round half away from zero of cos*2^16).
inline constexpr int kRopeFrac = 16;
struct RopeTables {
    int positions = 0;
    int half = 0;
    std::vector<int32_t> cos, sin;
    int32_t c(int pos, int j) const { return cos[static_cast<size_t>(pos) * half + j]; }
    int32_t s(int pos, int j) const { return sin[static_cast<size_t>(pos) * half + j]; }
};
RopeTables make_rope_tables(const ModelConfig& cfg, int positions);

}  // namespace flexllm::golden
