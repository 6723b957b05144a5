// quant_static kernel: static symmetric int8 quantization of Q, K and V rows with one Multiplier
// {m, shift} per head. Prefill shape carries TP tokens per beat (one element each); decode carries
// `lanes` elements of one token. Same steps as rtl_gen/sv/flexllm_quant_static.sv.
#pragma once

#include <ap_int.h>
#include <hls_stream.h>
#include <hls_vector.h>

#include "hls_src/kernels/beats.h"

namespace flexllm::kern {

// ---- numeric contract -------------------------------------------------------------------------
// in : mult[h] = {shift[21:16], m[15:0]}, one per head h < d / head_dim (shift <= 62)
//      x[t][i], int32 (activation format), i < d, tokens t of one beat group; head h = i / head_dim
// out: p = x[t][i] * m_h                                    (exact; |p| < 2^47)
//      q[t][i] = clamp((p + bias_h) >> shift_h, -128, 127)  (int8, round half up)
//      bias_h = 2^(shift_h - 1), or 0 for shift_h = 0       (|p + bias_h| < 2^62: 64 bits)
// stream: d / head_dim mult beats, then d / lanes beats in and d / lanes beats out, per group;
//         head_dim a multiple of lanes, so every beat lies in one head
// ---------------------------------------------------------------------------------------------
using QuantStaticMultBeat = hls::vector<ap_uint<22>, 1>;
template <VectorShape S>
using QuantStaticCodeBeat = hls::vector<ap_int<8>, S.tokens * S.lanes>;

// Shapes the kernel takes: lanes divide the longest row, d fits the 16-bit cfg_d of the RTL.
constexpr bool quant_static_shape_ok(const VectorShape& s) {
    return s.tokens >= 1 && s.lanes >= 1 && s.d_max >= s.lanes && s.d_max % s.lanes == 0 &&
           s.d_max <= 65535;
}

template <VectorShape S>
requires(quant_static_shape_ok(S)) void quant_static(hls::stream<QuantStaticMultBeat>& mult,
                                                     hls::stream<ActVecBeat<S>>& x,
                                                     hls::stream<QuantStaticCodeBeat<S>>& q, int d,
                                                     int head_dim) {
    constexpr int kN = S.tokens * S.lanes, kL = S.lanes, kHeadsMax = S.d_max / S.lanes;
    ap_uint<22> mults[kHeadsMax];
    for (int h = 0; h < d / head_dim; ++h) mults[h] = mult.read()[0];
    const ap_int<65> kMax = 127, kMin = -128;
    int head = 0, head_elems = 0;
    for (int b = 0; b < d / kL; ++b) {
        const ap_uint<16> m = mults[head].range(15, 0);
        const int shift = mults[head].range(21, 16).to_int();
        const ap_int<64> bias = shift == 0 ? ap_int<64>(0) : ap_int<64>(1) << (shift - 1);
        const ActVecBeat<S> v = x.read();
        QuantStaticCodeBeat<S> out;
        for (int e = 0; e < kN; ++e) {
            const ap_int<48> p = v[e] * m;
            const ap_int<65> y = (ap_int<64>(p) + bias) >> shift;
            out[e] = y > kMax ? ap_int<8>(kMax) : y < kMin ? ap_int<8>(kMin) : ap_int<8>(y);
        }
        q.write(out);
        head_elems += kL;
        if (head_elems == head_dim) {
            head_elems = 0;
            ++head;
        }
    }
}

}  // namespace flexllm::kern
