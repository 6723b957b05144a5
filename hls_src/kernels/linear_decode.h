// linear_decode kernel: BP lanes x WP GEMV with dequant; the activation vector is broadcast to
// every lane, each lane reads its own weight stream (its own memory channel).
#pragma once

#include "hls_src/kernels/linear_engine.h"

namespace flexllm::kern {

// ---- numeric contract: linear_engine.h, with rows = 1, act_lanes = decode lanes, lanes = BP ---
template <LinearShape S>
requires(S.rows == 1) void linear_decode(hls::stream<ActBeat<S>>& act,
                                         hls::stream<ZeroRangeBeat<1>>& zr,
                                         hls::stream<WeightBeat<S>> (&w)[S.lanes],
                                         hls::stream<ChanBeat<S>>& chan,
                                         hls::stream<OutBeat<S>>& out, int d_in, int n_cb) {
    linear_engine<S>(act, zr, w, chan, out, d_in, n_cb);
}

}  // namespace flexllm::kern
