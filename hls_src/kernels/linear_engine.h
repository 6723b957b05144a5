// linear engine kernel: the numeric contract, dequant and drain shared by the output-stationary
// W4A4 engines -- linear_prefill (TP x WP systolic array per FFN block, linear_prefill.h) and
// linear_decode (BP lanes x WP, activations broadcast, one weight stream per lane: the broadcast
// engine below). One call processes one token block of `rows` tokens.
#pragma once

#include <ap_int.h>
#include <hls_stream.h>

#include "hls_src/kernels/beats.h"

namespace flexllm::kern {

// ---- numeric contract -------------------------------------------------------------------------
// in : codes q[r][i] uint4 (i < d_in), per-token zero_r int32 / range_r uint32, weights
//      w[j][i] int4, per-channel rowsum_j int32 (= sum_i w[j][i]), m_j uint16, shift_j 0..63
// acc[r][j] = sum_i q[r][i] * w[j][i]                          int32 (|acc| <= 120 * d_in)
// t = range_r * acc + 15 * zero_r * rowsum_j                   exact, 72-bit signed
// y[r][j] = sat32((t * m_j + (shift_j ? 2^(shift_j - 1) : 0)) >> shift_j)  arithmetic shift,
//           round half up (toward +inf), saturate to int32
// order: for each channel block cb (cols = lanes * wp channels): for k < d_in one MAC step per
//        PE; then rows x lanes output beats of wp channels, row-major (row, lane)
// stream: act d_in / act_lanes beats (token block), zr 1 beat, w[l] n_cb * d_in beats each,
//         chan n_cb * lanes beats, out n_cb * rows * lanes beats
// ---------------------------------------------------------------------------------------------
// Dequantizes one accumulator: the t, rounding and saturation steps of the contract above.
inline ap_int<32> dequant(const ap_int<32>& acc, const ZeroRange& zr, const ChanParam& p) {
    const ap_int<72> t =
        ap_int<72>(zr.range * acc) + ap_int<72>(zr.zero * p.rowsum * ap_uint<4>(15));
    const ap_int<88> prod = t * p.m;
    ap_int<90> rnd = prod;
    if (p.shift != 0) rnd = (prod + (ap_int<89>(1) << (p.shift.to_int() - 1))) >> p.shift.to_int();
    const ap_int<32> lo = ap_int<32>(-2147483647 - 1), hi = ap_int<32>(2147483647);
    return rnd < lo ? lo : rnd > hi ? hi : ap_int<32>(rnd);
}

// Drains one channel block: rows x lanes output beats of wp dequantized channels, row-major.
template <LinearShape S>
void drain_block(const ap_int<32> (&acc)[S.rows][S.lanes * S.wp], const ZeroRangeBeat<S.rows>& zrb,
                 const ChanBeat<S> (&cp)[S.lanes], hls::stream<OutBeat<S>>& out) {
    for (int r = 0; r < S.rows; ++r)
        for (int l = 0; l < S.lanes; ++l) {
            OutBeat<S> y;
            for (int c = 0; c < S.wp; ++c) y[c] = dequant(acc[r][l * S.wp + c], zrb[r], cp[l][c]);
            out.write(y);
        }
}

// The broadcast engine (linear_decode): every PE sees the same reduction index k in the same
// cycle; the activation codes are broadcast to every lane.
template <LinearShape S>
requires(S.rows >= 1 && S.act_lanes >= 1 && S.lanes >= 1 && S.wp >= 1 &&
         S.d_max >= S.act_lanes) void linear_engine(hls::stream<ActBeat<S>>& act,
                                                    hls::stream<ZeroRangeBeat<S.rows>>& zr,
                                                    hls::stream<WeightBeat<S>> (&w)[S.lanes],
                                                    hls::stream<ChanBeat<S>>& chan,
                                                    hls::stream<OutBeat<S>>& out, int d_in,
                                                    int n_cb) {
    constexpr int kR = S.rows, kA = S.act_lanes, kC = S.lanes * S.wp;
    ap_uint<4> abuf[kR][S.d_max];
    ap_int<32> acc[kR][kC];
    const ZeroRangeBeat<kR> zrb = zr.read();
    // channel_blocks
    for (int cb = 0; cb < n_cb; ++cb) {
        ChanBeat<S> cp[S.lanes];
        for (int l = 0; l < S.lanes; ++l) cp[l] = chan.read();
        // reduce
        for (int k = 0; k < d_in; ++k) {
            if (cb == 0 && k % kA == 0) {  // the first block streams the activations in
                const ActBeat<S> a = act.read();
                for (int r = 0; r < kR; ++r)
                    for (int e = 0; e < kA; ++e) abuf[r][k + e] = a[r * kA + e];
            }
            WeightBeat<S> wb[S.lanes];
            for (int l = 0; l < S.lanes; ++l) wb[l] = w[l].read();
            for (int r = 0; r < kR; ++r)
                for (int l = 0; l < S.lanes; ++l)
                    for (int c = 0; c < S.wp; ++c) {
                        const ap_int<9> prod = abuf[r][k] * wb[l][c];
                        ap_int<32>& a = acc[r][l * S.wp + c];
                        a = (k == 0 ? ap_int<32>(0) : a) + prod;
                    }
        }
        drain_block<S>(acc, zrb, cp, out);
    }
}

}  // namespace flexllm::kern
