// residual kernel: the residual add of a decoder layer, z = sat32(x + y) element-wise, one beat
// of tokens x lanes int32 per step (prefill: TP tokens, one element each; decode: lanes elements).
#pragma once

#include <ap_int.h>
#include <hls_stream.h>

#include "hls_src/kernels/beats.h"

namespace flexllm::kern {

// ---- numeric contract -------------------------------------------------------------------------
// in : x[t][i], y[t][i], int32 (activation format), i < d, tokens t of one beat group
// out: z[t][i] = sat32(x + y): the exact 33-bit sum clamped to [-2^31, 2^31 - 1]
// stream: d / lanes beats on each input, d / lanes beats out, per group
// ---------------------------------------------------------------------------------------------
template <VectorShape S>
requires(S.tokens >= 1 && S.lanes >= 1) void residual(hls::stream<ActVecBeat<S>>& x,
                                                      hls::stream<ActVecBeat<S>>& y,
                                                      hls::stream<ActVecBeat<S>>& z, int d) {
    constexpr int kN = S.tokens * S.lanes;
    const ap_int<34> kMax = 2147483647, kMin = -2147483648LL;
    for (int b = 0; b < d / S.lanes; ++b) {
        const ActVecBeat<S> a = x.read(), c = y.read();
        ActVecBeat<S> out;
        for (int e = 0; e < kN; ++e) {
            const ap_int<34> sum = ap_int<34>(a[e]) + ap_int<34>(c[e]);
            out[e] = sum > kMax   ? ap_int<32>(kMax)
                     : sum < kMin ? ap_int<32>(kMin)
                                  : ap_int<32>(sum);
        }
        z.write(out);
    }
}

}  // namespace flexllm::kern
