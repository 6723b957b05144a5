// embedding kernel: the embedding lookup before the first decoder layer, a token group's rows of
// the int32 act table in off-chip memory emitted in the vector-stage layout (prefill: TP tokens,
// one element each per beat; decode: one token, `lanes` elements per beat).
#pragma once

#include <ap_int.h>
#include <hls_stream.h>

#include <cstdint>

#include "hls_src/kernels/beats.h"

namespace flexllm::kern {

// A token group's ids, one lane per token; kNoToken marks a lane without one.
template <VectorShape S>
using TokenBeat = hls::vector<ap_uint<32>, S.tokens>;
inline constexpr uint32_t kNoToken = 0xffffffffu;

// ---- numeric contract -------------------------------------------------------------------------
// in : ids[t] of one token group (t < S.tokens, kNoToken for none); the table, row-major, d
//      int32 elements per row, `vocab` rows, as beats of S.tokens * S.lanes elements (table[id *
//      d / (T * L) + k] is beat k of row id)
// out: x[t][i] = table[ids[t]][i] (golden/NUMERICS.md §2.13; exact), 0 for a lane without a
//      token or with an id >= vocab (an error: the function returns false)
// stream: one token beat in, d / lanes beats out, per group
// ---------------------------------------------------------------------------------------------
template <VectorShape S>
requires(S.tokens >= 1 && S.lanes >= 1 &&
         S.d_max % (S.tokens * S.lanes) ==
             0) bool embedding(hls::stream<TokenBeat<S>>& tok, const ActVecBeat<S>* table, int d,
                               uint32_t vocab, hls::stream<ActVecBeat<S>>& x) {
    constexpr int kT = S.tokens, kL = S.lanes, kN = kT * kL;
    constexpr int kRowBeats = S.d_max / kN;
    ActVecBeat<S> rows[kT][kRowBeats];  // the group's rows, beat k of token t's row
    const int rb = d / kN;
    const TokenBeat<S> ids = tok.read();
    bool ok = true;
    bool live[kT];
    for (int t = 0; t < kT; ++t) {
        const uint32_t id = ids[t].to_uint();
        live[t] = id != kNoToken && id < vocab;
        ok = ok && (id == kNoToken || id < vocab);
        if (live[t])
            for (int k = 0; k < rb; ++k) rows[t][k] = table[static_cast<size_t>(id) * rb + k];
    }
    for (int b = 0; b < d / kL; ++b) {
        ActVecBeat<S> out;
        for (int t = 0; t < kT; ++t)
            for (int l = 0; l < kL; ++l)
                out[t * kL + l] = live[t] ? rows[t][b / kT][(b % kT) * kL + l] : ap_int<32>(0);
        x.write(out);
    }
    return ok;
}

}  // namespace flexllm::kern
