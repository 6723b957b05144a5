// linear_prefill kernel: TP x WP output-stationary array (W4A4, dequant per the linear engine's
// numeric contract); a beat carries the same element of TP tokens.
#pragma once

#include "hls_src/kernels/linear_engine.h"

namespace flexllm::kern {

// ---- numeric contract: linear_engine.h, with rows = TP, act_lanes = 1, lanes = FFN blocks -----
template <LinearShape S>
requires(S.act_lanes == 1) void linear_prefill(hls::stream<ActBeat<S>>& act,
                                               hls::stream<ZeroRangeBeat<S.rows>>& zr,
                                               hls::stream<WeightBeat<S>> (&w)[S.lanes],
                                               hls::stream<ChanBeat<S>>& chan,
                                               hls::stream<OutBeat<S>>& out, int d_in, int n_cb) {
    linear_engine<S>(act, zr, w, chan, out, d_in, n_cb);
}

}  // namespace flexllm::kern
