// Multiplier construction and the exact integer square root.
#include "golden/fixed_point.h"

#include <fmt/format.h>

#include <cmath>

#include "golden/error.h"

namespace flexllm::golden {

double Multiplier::value() const { return std::ldexp(static_cast<double>(m), -shift); }

Multiplier to_multiplier(double v) {
    if (!std::isfinite(v) || v < 0)
        throw Error(fmt::format("scale {} is not a finite non-negative number", v));
    if (v == 0) return {};
    int e = 0;
    std::frexp(v, &e);   // v = f * 2^e, f in [0.5, 1)
    int shift = 16 - e;  // v * 2^shift in [2^15, 2^16)
    if (shift < 0) throw Error(fmt::format("scale {} is too large for a 16-bit multiplier", v));
    if (shift > 62) shift = 62;
    double scaled = std::ldexp(v, shift);
    uint64_t m = static_cast<uint64_t>(std::floor(scaled + 0.5));
    if (m >= (1u << 16)) {  // rounding carried into bit 16
        m >>= 1;
        --shift;
        if (shift < 0) throw Error(fmt::format("scale {} is too large for a 16-bit multiplier", v));
    }
    return {static_cast<uint32_t>(m), shift};
}

u128 isqrt_u128(u128 v) {
    u128 res = 0;
    u128 bit = static_cast<u128>(1) << 126;
    while (bit > v) bit >>= 2;
    while (bit != 0) {
        if (v >= res + bit) {
            v -= res + bit;
            res = (res >> 1) + bit;
        } else {
            res >>= 1;
        }
        bit >>= 2;
    }
    return res;
}

}  // namespace flexllm::golden
