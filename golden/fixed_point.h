// Fixed-point building blocks of the numeric contract (golden/NUMERICS.md §1): the one rounding
// mode (round half up), saturation, and Multiplier, the mantissa/shift form of every real scale.
#pragma once

#include <cstdint>
#include <limits>

namespace flexllm::golden {

using i128 = __int128;
using u128 = unsigned __int128;

// Activation format of every stage boundary: int32, kActFrac fractional bits (Q15.16).
inline constexpr int kActFrac = 16;

// Round half up (toward +inf) arithmetic right shift: floor((a + 2^(s-1)) / 2^s); s == 0 is a.
// Exact on the full 128-bit value; saturate or clamp the result, never truncate it.
constexpr i128 rshift_rnd_wide(i128 a, int s) {
    if (s <= 0) return a;
    if (s >= 126) return 0;
    return (a + (static_cast<i128>(1) << (s - 1))) >> s;
}
// The same for results known to fit 64 bits (small operands).
constexpr int64_t rshift_rnd(i128 a, int s) { return static_cast<int64_t>(rshift_rnd_wide(a, s)); }

constexpr int32_t sat32(i128 v) {
    if (v > std::numeric_limits<int32_t>::max()) return std::numeric_limits<int32_t>::max();
    if (v < std::numeric_limits<int32_t>::min()) return std::numeric_limits<int32_t>::min();
    return static_cast<int32_t>(v);
}

constexpr int64_t clamp64(i128 v, int64_t lo, int64_t hi) {
    return static_cast<int64_t>(v < lo ? lo : v > hi ? hi : v);
}

// A non-negative real scale as m * 2^-shift: m in [2^15, 2^16) (16-bit mantissa), shift in
// [0, 62]; zero is {0, 0}. Applying it to an integer x is rshift_rnd(x * m, shift).
struct Multiplier {
    uint32_t m = 0;
    int32_t shift = 0;
    // Exact: |x * m| < 2^127 for every x this project applies a scale to (x < 2^110).
    constexpr i128 apply(i128 x) const { return rshift_rnd_wide(x * m, shift); }
    double value() const;  // m * 2^-shift
};

// Nearest Multiplier to v >= 0 (round half up on the mantissa); throws Error when v is negative,
// not finite, or >= 2^16 (shift would be negative). Values below 2^-62 * 2^15 lose mantissa bits.
Multiplier to_multiplier(double v);

// floor(sqrt(v)) exactly, for any unsigned 128-bit v (bit-serial, as the RTL does it).
u128 isqrt_u128(u128 v);

}  // namespace flexllm::golden
