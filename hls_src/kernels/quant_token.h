// quant_token kernel: per-token asymmetric uint4 quantization of int32 activations. Prefill shape
// carries TP tokens per beat (one element each); decode carries `lanes` elements of one token.
#pragma once

#include <ap_int.h>
#include <hls_stream.h>

#include "hls_src/kernels/beats.h"

namespace flexllm::kern {

// ---- numeric contract -------------------------------------------------------------------------
// in : x[t][i], int32 (activation format), i < d, tokens t of one beat group
// out: zero_t = min_i x[t][i] (int32); range_t = max - min (uint32)
//      inv_t = floor(2^48 / range_t) (exact, bit-serial division); range_t == 0 -> every code 0
//      q[t][i] = min(15, (15 * ((x - zero_t) * inv_t) + 2^47) >> 48)      (uint4, round half up)
// widths: x - zero < 2^32; (x - zero) * inv <= 2^48; 15 * that + 2^47 < 2^52 (no overflow)
// stream: d / lanes beats in, then one ZeroRange beat and d / lanes code beats out, per group
// ---------------------------------------------------------------------------------------------
template <VectorShape S>
requires(S.tokens >= 1 && S.lanes >= 1 &&
         S.d_max >= S.lanes) void quant_token(hls::stream<QuantInBeat<S>>& in,
                                              hls::stream<QuantCodeBeat<S>>& codes,
                                              hls::stream<ZeroRangeBeat<S.tokens>>& zr, int d) {
    constexpr int kT = S.tokens, kL = S.lanes, kBeats = S.d_max / S.lanes;
    static_assert(kBeats >= 1);
    QuantInBeat<S> buf[kBeats];
    ap_int<32> mn[kT], mx[kT];
    const int beats = d / kL;
    // load
    for (int b = 0; b < beats; ++b) {
        const QuantInBeat<S> v = in.read();
        buf[b] = v;
        for (int t = 0; t < kT; ++t)
            for (int l = 0; l < kL; ++l) {
                const ap_int<32> x = v[t * kL + l];
                if ((b == 0 && l == 0) || x < mn[t]) mn[t] = x;
                if ((b == 0 && l == 0) || x > mx[t]) mx[t] = x;
            }
    }
    ZeroRangeBeat<kT> zrb;
    ap_uint<49> inv[kT];
    // divide
    for (int t = 0; t < kT; ++t) {
        const ap_uint<32> range = mx[t] - mn[t];
        zrb[t].zero = mn[t];
        zrb[t].range = range;
        // Restoring division of 2^48 by range, one quotient bit per step (as the RTL does it).
        ap_uint<33> rem = 0;
        ap_uint<49> q = 0;
        for (int i = 48; i >= 0; --i) {
            rem = (rem << 1) + ap_uint<1>(i == 48 ? 1 : 0);
            if (range != 0 && rem >= range) {
                rem = rem - range;
                q.set_bit(i, true);
            }
        }
        inv[t] = range == 0 ? ap_uint<49>(0) : q;
    }
    zr.write(zrb);
    // emit
    for (int b = 0; b < beats; ++b) {
        QuantCodeBeat<S> out;
        for (int t = 0; t < kT; ++t)
            for (int l = 0; l < kL; ++l) {
                const ap_uint<32> off = buf[b][t * kL + l] - mn[t];
                const ap_uint<81> prod = off * inv[t];
                const ap_uint<86> rounded = prod * ap_uint<4>(15) + (ap_uint<49>(1) << 47);
                const ap_uint<38> code = rounded >> 48;
                out[t * kL + l] = code > 15 ? ap_uint<4>(15) : ap_uint<4>(code);
            }
        codes.write(out);
    }
}

}  // namespace flexllm::kern
