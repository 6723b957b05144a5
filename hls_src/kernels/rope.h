// rope kernel: rotary position embedding of q_proj / k_proj rows, half-split pairs j <-> j + hd/2
// within each head, with each token's cos/sin streamed in per group. Prefill carries TP tokens per
// beat (one element each); decode `lanes` elements of one token. Same order as flexllm_rope.sv.
#pragma once

#include <ap_int.h>
#include <hls_stream.h>
#include <hls_vector.h>

#include <cstdint>

#include "hls_src/kernels/beats.h"

namespace flexllm::kern {

// ---- numeric contract -------------------------------------------------------------------------
// in : x[t][i], int32 (activation format), i < d = heads * hd, tokens t of one beat group
//      cos[t][j], sin[t][j], int32 Q16 (the tables at token t's position), j < hd / 2
// out: for each head h and j < hd / 2, with a = x[t][h*hd + j], b = x[t][h*hd + j + hd/2]:
//      y[t][h*hd + j]        = sat32(rshift_rnd(a * cos - b * sin, 16))
//      y[t][h*hd + j + hd/2] = sat32(rshift_rnd(b * cos + a * sin, 16))
//      (exact 64-bit products, exact 65-bit sums; round half up; clamp to [-2^31, 2^31 - 1])
// stream: (hd/2) / lanes table beats {sin[63:32], cos[31:0]} (lane t * lanes + l of beat b: token
//         t, j = b * lanes + l), then d / lanes beats in and d / lanes beats out, per group
// ---------------------------------------------------------------------------------------------

template <VectorShape S>
using RopeCsBeat = hls::vector<ap_uint<64>, S.tokens * S.lanes>;

// Shapes the kernel takes: S.d_max bounds head_dim (half a head is buffered), 2 * lanes divides it.
constexpr bool rope_shape_ok(const VectorShape& s) {
    return s.tokens >= 1 && s.lanes >= 1 && s.d_max >= 2 * s.lanes &&
           s.d_max % (2 * s.lanes) == 0 && s.d_max <= 65535;
}

template <VectorShape S>
requires(rope_shape_ok(S)) void rope(hls::stream<RopeCsBeat<S>>& cs, hls::stream<ActVecBeat<S>>& x,
                                     hls::stream<ActVecBeat<S>>& y, int d, int head_dim) {
    using Beat = ActVecBeat<S>;
    constexpr int kN = S.tokens * S.lanes, kHalfBeats = S.d_max / (2 * S.lanes);
    const int half_beats = head_dim / (2 * S.lanes);
    const ap_int<32> kMax = INT32_MAX, kMin = INT32_MIN;
    const ap_int<65> kHalfLsb = 32768;
    RopeCsBeat<S> table[kHalfBeats];
    Beat first[kHalfBeats], second_out[kHalfBeats];
    for (int b = 0; b < half_beats; ++b) table[b] = cs.read();
    for (int h = 0; h < d / head_dim; ++h) {
        for (int b = 0; b < half_beats; ++b) first[b] = x.read();
        // each second-half beat completes its pairs: y[j] leaves now, y[j + hd/2] after the head
        for (int b = 0; b < half_beats; ++b) {
            const Beat v = x.read();
            Beat lo_out;
            for (int e = 0; e < kN; ++e) {
                const ap_int<32> a = first[b][e], bb = v[e];
                const ap_int<32> c = ap_int<32>(table[b][e].range(31, 0));
                const ap_int<32> s = ap_int<32>(table[b][e].range(63, 32));
                const ap_int<65> lo = a * c - bb * s;
                const ap_int<65> hi = bb * c + a * s;
                const ap_int<50> lo_sh = (lo + kHalfLsb) >> 16;
                const ap_int<50> hi_sh = (hi + kHalfLsb) >> 16;
                lo_out[e] = lo_sh > kMax ? kMax : lo_sh < kMin ? kMin : ap_int<32>(lo_sh);
                second_out[b][e] = hi_sh > kMax ? kMax : hi_sh < kMin ? kMin : ap_int<32>(hi_sh);
            }
            y.write(lo_out);
        }
        for (int b = 0; b < half_beats; ++b) y.write(second_out[b]);
    }
}

}  // namespace flexllm::kern
