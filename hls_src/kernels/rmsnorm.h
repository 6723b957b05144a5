// rmsnorm kernel (gain folded): y = x / rms(x) per token in fixed point, with an exact bit-serial
// reciprocal square root. Prefill shape carries TP tokens per beat (one element each); decode
// carries `lanes` elements of one token. Same steps as rtl_gen/sv/flexllm_rmsnorm.sv.
#pragma once

#include <ap_int.h>
#include <hls_stream.h>
#include <hls_vector.h>

#include <bit>
#include <cstdint>

#include "hls_src/kernels/beats.h"

namespace flexllm::kern {

// ---- numeric contract -------------------------------------------------------------------------
// in : x[t][i], int32 (activation format), i < d, tokens t of one beat group
//      eps_q32 >= 1 (40 bits; 42950 for eps 1e-5)
// out: ss_t = sum_i x[t][i]^2                  (exact; <= d * 2^62: 62 + bit_width(d_max) bits)
//      ms_t = floor(ss_t / d)                  (bit-serial division, 63 steps; ms_t <= 2^62)
//      v_t  = ms_t + eps_q32                   (< 2^63)
//      r_t  = isqrt(floor(2^80 / v_t))         (division 81 steps, isqrt 41 steps; r_t <= 2^40)
//      y[t][i] = sat32(rshift_rnd(x[t][i] * r_t, 24))   (round half up; |x * r| <= 2^71)
// stream: d / lanes beats in, then d / lanes beats out, per group; a zero row gives zeros
// ---------------------------------------------------------------------------------------------

namespace bitserial {

// Restoring division, one quotient bit per step, QW steps (as flexllm_divu does it):
// floor(n / den) for n >> QW < den; the high NW - QW bits of n seed the partial remainder.
template <int NW, int DW, int QW>
requires(DW < 128 && QW >= 2 && QW <= NW &&
         NW - QW <= DW) constexpr ap_uint<QW> divu(ap_uint<NW> n, ap_uint<DW> den) {
    ap_uint<DW> rem = ap_uint<DW>(n >> QW);
    ap_uint<QW> q = n;  // low dividend bits leave at the top, quotient bits enter at the bottom
    for (int i = 0; i < QW; ++i) {
        const ap_uint<DW + 1> sh = (ap_uint<DW + 1>(rem) << 1) | ap_uint<1>(q[QW - 1]);
        const bool fits = sh >= den;
        rem = fits ? ap_uint<DW>(sh - den) : ap_uint<DW>(sh);
        q = (q << 1) | ap_uint<1>(fits);
    }
    return q;
}

// Exact floor(sqrt(v)), restoring digit-by-digit, one root bit per step, (RW + 1) / 2 steps (as
// flexllm_isqrt does it): bring down two radicand bits, subtract 4 * root + 1 if it fits.
template <int RW>
requires(RW >= 3 && RW <= 125) constexpr ap_uint<(RW + 1) / 2> isqrt(ap_uint<RW> v) {
    constexpr int kOw = (RW + 1) / 2;
    ap_uint<2 * kOw> rad = v;
    ap_uint<kOw + 1> rem = 0;  // radicand prefix - root^2 <= 2 * root
    ap_uint<kOw> root = 0;
    for (int i = 0; i < kOw; ++i) {
        const ap_uint<kOw + 3> sh =
            (ap_uint<kOw + 3>(rem) << 2) | rad.range(2 * kOw - 1, 2 * kOw - 2);
        const ap_uint<kOw + 3> trial = (ap_uint<kOw + 3>(root) << 2) | ap_uint<1>(1);
        const bool fits = sh >= trial;
        rem = fits ? ap_uint<kOw + 1>(sh - trial) : ap_uint<kOw + 1>(sh);
        root = (root << 1) | ap_uint<1>(fits);
        rad = rad << 2;
    }
    return root;
}

}  // namespace bitserial

// Shapes the kernel takes: lanes divide the buffered length, d fits the 16-bit cfg_d of the RTL.
constexpr bool rmsnorm_shape_ok(const VectorShape& s) {
    return s.tokens >= 1 && s.lanes >= 1 && s.d_max >= s.lanes && s.d_max % s.lanes == 0 &&
           s.d_max <= 65535;
}

template <VectorShape S>
requires(rmsnorm_shape_ok(S)) void rmsnorm(hls::stream<ActVecBeat<S>>& in,
                                           hls::stream<ActVecBeat<S>>& out, int d,
                                           uint64_t eps_q32) {
    using Beat = ActVecBeat<S>;
    constexpr int kT = S.tokens, kL = S.lanes, kBeats = S.d_max / S.lanes;
    constexpr int kSsW = 62 + std::bit_width(static_cast<unsigned>(S.d_max));
    constexpr int kMsW = 63, kRecipW = 81, kRootW = (kRecipW + 1) / 2;
    Beat buf[kBeats];
    ap_uint<kSsW> ss[kT];
    for (int t = 0; t < kT; ++t) ss[t] = 0;
    const int beats = d / kL;
    // load: buffer the beats, sum each token's squares
    for (int b = 0; b < beats; ++b) {
        const Beat v = in.read();
        buf[b] = v;
        for (int t = 0; t < kT; ++t)
            for (int l = 0; l < kL; ++l) {
                const ap_int<32> x = v[t * kL + l];
                ss[t] += ap_uint<63>(x * x);
            }
    }
    // per token: mean square, epsilon, reciprocal, square root
    ap_uint<kRootW> r[kT];
    for (int t = 0; t < kT; ++t) {
        const ap_uint<kMsW> ms = bitserial::divu<kSsW, 16, kMsW>(ss[t], ap_uint<16>(d));
        const ap_uint<kMsW> v = ms + ap_uint<40>(eps_q32);
        const ap_uint<kRecipW> recip =
            bitserial::divu<kRecipW, kMsW, kRecipW>(ap_uint<kRecipW>(1) << 80, v);
        r[t] = bitserial::isqrt<kRecipW>(recip);
    }
    // emit: y = sat32(rshift_rnd(x * r, 24))
    const ap_int<32> kMax = INT32_MAX, kMin = INT32_MIN;
    for (int b = 0; b < beats; ++b) {
        Beat y;
        for (int t = 0; t < kT; ++t)
            for (int l = 0; l < kL; ++l) {
                const ap_int<74> prod = buf[b][t * kL + l] * r[t];
                const ap_int<49> sh = (prod + (ap_int<74>(1) << 23)) >> 24;
                y[t * kL + l] = sh > kMax ? kMax : sh < kMin ? kMin : ap_int<32>(sh);
            }
        out.write(y);
    }
}

}  // namespace flexllm::kern
