// linear_prefill kernel: a TP x WP output-stationary systolic array per weight stream (the FFN
// engine's blocks; one block for K|Q and V|O), W4A4, dequant per the linear engine's contract.
// A beat carries the same element of TP tokens.
//
// Dataflow (the RTL in rtl_gen/sv_linear.cpp has the same registers):
//   - token r's code enters row r of every block after r skew registers, then moves one PE to the
//     right per step; column j's weight enters after j skew registers, then moves one PE down per
//     step. PE (r, j) therefore sees the pair issued r + j steps earlier, and every PE of a block
//     reduces k = 0 .. d_in-1 in order, the wavefront one step later per row and per column.
//   - the step flags (valid, first k, last k) travel with the codes; a PE accumulates only on a
//     valid pair, so input gaps become bubbles in the wavefront and change no sum.
//   - PE (TP-1, WP-1) finishes kSkew = TP + WP - 2 steps after PE (0, 0).
#pragma once

#include "hls_src/kernels/linear_engine.h"

namespace flexllm::kern {

// One wavefront register: the code of one token and the step flags.
struct SystolicAct {
    bool valid = false, first = false, last = false;
    ap_uint<4> code = 0;
};

// ---- numeric contract: linear_engine.h, with rows = TP, act_lanes = 1, lanes = FFN blocks -----
template <LinearShape S>
requires(S.act_lanes == 1 && S.rows >= 1 && S.lanes >= 1 && S.wp >= 1 &&
         S.d_max >= 1) void linear_prefill(hls::stream<ActBeat<S>>& act,
                                           hls::stream<ZeroRangeBeat<S.rows>>& zr,
                                           hls::stream<WeightBeat<S>> (&w)[S.lanes],
                                           hls::stream<ChanBeat<S>>& chan,
                                           hls::stream<OutBeat<S>>& out, int d_in, int n_cb) {
    constexpr int kR = S.rows, kW = S.wp, kC = S.lanes * S.wp;
    constexpr int kSkew = kR - 1 + kW - 1;
    constexpr int kDepth = kSkew > 0 ? kSkew : 1;  // longest register chain (>= 1 to declare)
    ap_uint<4> abuf[kR][S.d_max];
    ap_int<32> acc[kR][kC];
    SystolicAct a_reg[kR][kDepth];  // a_reg[r][d]: row r's pair issued d + 1 steps ago
    ap_int<4> w_reg[kC][kDepth];    // w_reg[c][d]: column c's weight issued d + 1 steps ago
    const ZeroRangeBeat<kR> zrb = zr.read();
    // channel_blocks
    for (int cb = 0; cb < n_cb; ++cb) {
        ChanBeat<S> cp[S.lanes];
        for (int l = 0; l < S.lanes; ++l) cp[l] = chan.read();
        // wavefront: d_in issue steps, then kSkew bubble steps until PE (TP-1, WP-1) is done
        for (int t = 0; t < d_in + kSkew; ++t) {
            SystolicAct a_in[kR];
            ap_int<4> w_in[kC];
            if (t < d_in) {
                if (cb == 0) {  // the first block streams the activations in
                    const ActBeat<S> a = act.read();
                    for (int r = 0; r < kR; ++r) abuf[r][t] = a[r];
                }
                for (int l = 0; l < S.lanes; ++l) {
                    const WeightBeat<S> wb = w[l].read();
                    for (int j = 0; j < kW; ++j) w_in[l * kW + j] = wb[j];
                }
                for (int r = 0; r < kR; ++r) a_in[r] = {true, t == 0, t == d_in - 1, abuf[r][t]};
            }
            // PE (r, c) of block c / WP, column j = c % WP: the pair issued r + j steps ago
            for (int r = 0; r < kR; ++r)
                for (int c = 0; c < kC; ++c) {
                    const int d = r + c % kW;
                    const SystolicAct& a = d == 0 ? a_in[r] : a_reg[r][d - 1];
                    if (!a.valid) continue;
                    const ap_int<4> wv = d == 0 ? w_in[c] : w_reg[c][d - 1];
                    const ap_int<9> prod = a.code * wv;
                    acc[r][c] = (a.first ? ap_int<32>(0) : acc[r][c]) + prod;
                }
            // step: every skew register takes its predecessor
            for (int r = 0; r < kR; ++r) {
                for (int d = kDepth - 1; d > 0; --d) a_reg[r][d] = a_reg[r][d - 1];
                a_reg[r][0] = a_in[r];
            }
            for (int c = 0; c < kC; ++c) {
                for (int d = kDepth - 1; d > 0; --d) w_reg[c][d] = w_reg[c][d - 1];
                w_reg[c][0] = w_in[c];
            }
        }
        drain_block<S>(acc, zrb, cp, out);
    }
}

}  // namespace flexllm::kern
