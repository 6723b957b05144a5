// swiglu kernel: h = silu(gate) * up element-wise in fixed point, SiLU through the 2049-entry
// sigmoid table with linear interpolation; one beat of tokens x lanes int32 per step on each input
// (prefill: TP tokens, one element each; decode: lanes elements). Same steps as
// rtl_gen/sv/flexllm_swiglu.sv.
#pragma once

#include <ap_int.h>
#include <hls_stream.h>

#include <cstdint>

#include "hls_src/kernels/beats.h"

namespace flexllm::kern {

// ---- numeric contract -------------------------------------------------------------------------
// in : g[t][i] (gate_proj), u[t][i] (up_proj), int32 (activation format, Q16), i < d, tokens t of
//      one beat group; sigmoid[k], k = 0..2048: round(2^16 sigmoid(-16 + k/64)), 0..65536
// out: o = g + 16 * 2^16 (33 bits)
//      s = 65536                                      if o >= 2^21 (g >= 16)
//          sigmoid[0]                                 if o < 0
//          lo + rshift_rnd((hi - lo) * f, 10)         else; k = o >> 10, f = o & 1023,
//                                                     lo = sigmoid[k], hi = sigmoid[k + 1]
//      silu = rshift_rnd(g * s, 16)                   (|g * s| < 2^48; |silu| <= |g|, int32)
//      h[t][i] = sat32(rshift_rnd(silu * u, 16))      (exact 64-bit product, round half up)
// stream: d / lanes beats on each input, d / lanes beats out, per group; zero rows give zeros
// ---------------------------------------------------------------------------------------------
template <VectorShape S>
requires(S.tokens >= 1 &&
         S.lanes >= 1) void swiglu(hls::stream<ActVecBeat<S>>& gate, hls::stream<ActVecBeat<S>>& up,
                                   hls::stream<ActVecBeat<S>>& h, int d, const int32_t* sigmoid) {
    constexpr int kN = S.tokens * S.lanes;
    const ap_int<32> kMax = INT32_MAX, kMin = INT32_MIN;
    for (int b = 0; b < d / S.lanes; ++b) {
        const ActVecBeat<S> g = gate.read(), u = up.read();
        ActVecBeat<S> out;
        for (int e = 0; e < kN; ++e) {
            const ap_int<33> o = ap_int<33>(g[e]) + (1 << 20);
            const bool below = o < 0, top = o >= (1 << 21);
            const int k = below ? 0 : o.range(20, 10).to_int();
            const ap_uint<10> f = below ? ap_uint<10>(0) : ap_uint<10>(o.range(9, 0));
            const ap_uint<17> lo = sigmoid[k], hi = sigmoid[k + 1];
            const ap_int<18> diff = hi - lo;
            const ap_int<19> adj = (diff * f + 512) >> 10;
            const ap_uint<17> s = top ? ap_uint<17>(65536) : ap_uint<17>(lo + adj);
            const ap_int<50> gs = g[e] * s;
            const ap_int<32> silu = (gs + 32768) >> 16;
            const ap_int<64> su = silu * u[e];
            const ap_int<48> sh = (su + 32768) >> 16;
            out[e] = sh > kMax ? kMax : sh < kMin ? kMin : ap_int<32>(sh);
        }
        h.write(out);
    }
}

}  // namespace flexllm::kern
