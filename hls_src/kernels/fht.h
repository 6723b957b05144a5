// fht kernel: the online R4 rotation, the exact unnormalized Walsh-Hadamard transform of each token
// row in Sylvester order, rounded by ceil(log2(n) / 2) bits and saturated to int32. Same strides
// and order as rtl_gen/sv/flexllm_fht.sv (in-beat strides on load, then the beat strides largest
// first), over a buffered group instead of the RTL's delay lines.
#pragma once

#include <ap_int.h>
#include <hls_stream.h>

#include <bit>
#include <cstdint>

#include "hls_src/kernels/beats.h"

namespace flexllm::kern {

// ---- numeric contract -------------------------------------------------------------------------
// in : h[t][i], int32 (activation format), i < n; n a power of two, lanes <= n <= d_max; tokens t
//      of one beat group
// out: w_t = WHT(h[t]) exactly: butterflies (a, b) -> (a + b, a - b) for strides 1, 2, .., n / 2
//      (any order; |w| <= n * 2^31: 32 + log2(n) bits, 45 for n = 8192)
//      c = ceil(log2(n) / 2)                          (4 for n = 256, 7 for n = 8192)
//      y[t][i] = sat32(rshift_rnd(w_t[i], c))          (round half up)
// stream: n / lanes beats in, then n / lanes beats out, per group; a zero row gives zeros
// ---------------------------------------------------------------------------------------------

// Shapes the kernel takes: power-of-two lanes and buffer, at least two beats, n fits cfg_d.
constexpr bool fht_shape_ok(const VectorShape& s) {
    return s.tokens >= 1 && s.lanes >= 1 && std::has_single_bit(static_cast<unsigned>(s.lanes)) &&
           std::has_single_bit(static_cast<unsigned>(s.d_max)) && s.d_max >= 2 * s.lanes &&
           s.d_max <= 32768;
}

template <VectorShape S>
requires(fht_shape_ok(S)) void fht(hls::stream<ActVecBeat<S>>& x, hls::stream<ActVecBeat<S>>& y,
                                   int n) {
    using Beat = ActVecBeat<S>;
    constexpr int kT = S.tokens, kL = S.lanes;
    constexpr int kW = 32 + std::countr_zero(static_cast<unsigned>(S.d_max));  // |w| <= d_max 2^31
    using Wide = ap_int<kW>;
    Wide buf[kT][S.d_max];
    const int beats = n / kL;
    // load, with the strides inside a beat
    for (int b = 0; b < beats; ++b) {
        const Beat v = x.read();
        for (int t = 0; t < kT; ++t) {
            Wide* row = buf[t] + b * kL;
            for (int l = 0; l < kL; ++l) row[l] = v[t * kL + l];
            for (int h = 1; h < kL; h <<= 1)
                for (int l = 0; l < kL; ++l)
                    if ((l & h) == 0) {
                        const Wide p = row[l], q = row[l + h];
                        row[l] = p + q;
                        row[l + h] = p - q;
                    }
        }
    }
    // the strides of whole beats, largest first
    for (int h = n / 2; h >= kL; h >>= 1)
        for (int i = 0; i < n; i += 2 * h)
            for (int j = i; j < i + h; ++j)
                for (int t = 0; t < kT; ++t) {
                    const Wide p = buf[t][j], q = buf[t][j + h];
                    buf[t][j] = p + q;
                    buf[t][j + h] = p - q;
                }
    // emit: y = sat32(rshift_rnd(w, c))
    const int c = (std::countr_zero(static_cast<unsigned>(n)) + 1) / 2;
    const ap_int<kW + 1> half = (ap_int<kW + 1>(1) << c) >> 1;
    const ap_int<32> kMax = INT32_MAX, kMin = INT32_MIN;
    for (int b = 0; b < beats; ++b) {
        Beat v;
        for (int t = 0; t < kT; ++t)
            for (int l = 0; l < kL; ++l) {
                const ap_int<kW + 1> r = (buf[t][b * kL + l] + half) >> c;
                v[t * kL + l] = r > kMax ? kMax : r < kMin ? kMin : ap_int<32>(r);
            }
        y.write(v);
    }
}

}  // namespace flexllm::kern
