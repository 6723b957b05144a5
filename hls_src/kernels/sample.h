// sample kernel: the next token from the LM head's logits (NUMERICS.md §2.12), one token per call:
// greedy (top_k <= 1) or seeded top-k with SplitMix64, over decode beats of `lanes` int32 logits.
// Same steps as rtl_gen/sv/flexllm_sample.sv: per beat a compare tree (lowest index wins ties);
// top-k: one sorted list per lane, k pops through the compare tree, the EXP2 weights, a restoring
// remainder and the scan of the cumulative weights.
#pragma once

#include <ap_int.h>
#include <hls_stream.h>
#include <hls_vector.h>

#include <bit>
#include <cstdint>

#include "hls_src/kernels/beats.h"

namespace flexllm::kern {

// ---- numeric contract -------------------------------------------------------------------------
// in : state, the SplitMix64 state before this token (64 bits)
//      l[i], int32 (the logits), i < vocab, vocab a multiple of lanes
//      top_k: 0, 1 greedy; else 2 <= top_k <= min(KMax, vocab)
//      mult = {shift[21:16], m[15:0]} (shift <= 62); exp2[j] = round(2^15 * 2^(-j/256)), j < 256
// out: greedy: token = the lowest i among the maximal l[i]; state' = state (the RNG not advanced)
//      top-k: (v_j, i_j), j < top_k: the top_k largest logits, value descending, index ascending
//        d_j = v_0 - v_j                                    (0 .. 2^32 - 1)
//        u_j = min((d_j * m + bias) >> shift, 8191)         (d * m < 2^48, + bias < 2^62)
//              bias = 2^(shift - 1), or 0 for shift = 0     (round half up)
//        e_j = (exp2[u_j & 255] + 2^(s - 1)) >> s, s = u_j >> 8 (no bias for s = 0; 0 for s > 16)
//        cum_j = e_0 + ... + e_j                            (total = cum_{top_k-1}: 2^15 ..
//                                                            KMax * 2^15, 16 + log2 KMax bits)
//        state' = state + 0x9e3779b97f4a7c15                (mod 2^64)
//        z = mix(state'): z = (z ^ z >> 30) * 0xbf58476d1ce4e5b9, z = (z ^ z >> 27) *
//            0x94d049bb133111eb, z ^ z >> 31                (mod 2^64)
//        r = z mod total                                    (restoring remainder: z >> 49 < 2^15
//                                                            <= total seeds it, 49 steps)
//        token = i_j of the first j with cum_j > r
// stream: 1 state beat and vocab / lanes logits beats in (element e of beat b: logit
//         b * lanes + e); 1 token beat and 1 state beat out, per token
// ---------------------------------------------------------------------------------------------
using SampleStateBeat = hls::vector<ap_uint<64>, 1>;
using SampleTokenBeat = hls::vector<ap_uint<32>, 1>;

// Shapes the kernel takes: decode beats of one token; top_k fits the 8-bit cfg_top_k of the RTL.
constexpr bool sample_shape_ok(const VectorShape& s, int k_max) {
    return s.tokens == 1 && s.lanes >= 1 && k_max >= 2 && k_max <= 255;
}

namespace sample_detail {

// One compare-tree operand: an entry (list head or logit) with its lane.
struct Cand {
    bool valid = false;
    ap_int<32> v = 0;
    ap_uint<32> i = 0;
    int lane = 0;
};

// a strictly ahead of b in golden order: value descending, then index ascending; empty is last.
inline bool ahead(const Cand& a, const Cand& b) {
    return a.valid && (!b.valid || a.v > b.v || (a.v == b.v && a.i < b.i));
}

// The RTL's tree: node i takes node i + s when that one is ahead; the winner ends in node 0.
template <int N>
Cand tree(Cand (&c)[N]) {
    for (int s = 1; s < N; s *= 2)
        for (int i = 0; i + s < N; i += 2 * s)
            if (ahead(c[i + s], c[i])) c[i] = c[i + s];
    return c[0];
}

// a ^ b (the compat subset has no ^): (a | b) - (a & b), the bits set in exactly one.
inline ap_uint<64> xor64(const ap_uint<64>& a, const ap_uint<64>& b) {
    return ap_uint<64>((a | b) - (a & b));
}

}  // namespace sample_detail

template <VectorShape S, int KMax>
requires(sample_shape_ok(S, KMax)) void sample(hls::stream<SampleStateBeat>& state_in,
                                               hls::stream<ActVecBeat<S>>& logits,
                                               hls::stream<SampleTokenBeat>& token,
                                               hls::stream<SampleStateBeat>& state_out,
                                               const uint16_t* exp2, int vocab, int top_k,
                                               ap_uint<22> mult) {
    using sample_detail::Cand;
    constexpr int kL = S.lanes;
    constexpr int kCw = 16 + std::bit_width(static_cast<unsigned>(KMax - 1));  // cum_j, total
    constexpr int kZs = 49;                                                    // remainder steps
    const ap_uint<64> kGolden = 0x9e3779b97f4a7c15ull, kMix1 = 0xbf58476d1ce4e5b9ull,
                      kMix2 = 0x94d049bb133111ebull;
    const bool topk = top_k > 1;

    const ap_uint<64> st = state_in.read()[0];

    // ---- logits: the running maximum (greedy) or the lane lists (top-k) ------------------------
    ap_int<32> lv[kL][KMax];
    ap_uint<32> li[kL][KMax];
    bool lvd[kL][KMax] = {};
    ap_int<32> best_v = 0;
    ap_uint<32> best_i = 0;
    for (int b = 0; b < vocab / kL; ++b) {
        const ActVecBeat<S> x = logits.read();
        const bool first = b == 0;
        const ap_uint<32> elems = ap_uint<32>(b) * ap_uint<32>(kL);
        Cand c[kL];
        for (int l = 0; l < kL; ++l) c[l] = Cand{true, x[l], ap_uint<32>(elems + l), l};
        const Cand w = sample_detail::tree(c);
        if (first || sample_detail::ahead(w, Cand{true, best_v, best_i, 0})) {
            best_v = w.v;
            best_i = w.i;
        }
        if (!topk) continue;
        for (int l = 0; l < kL; ++l) {
            const ap_int<32> xv = x[l];
            const ap_uint<32> xi = ap_uint<32>(elems + l);
            bool ev[KMax], gt[KMax];
            for (int i = 0; i < KMax; ++i) {
                ev[i] = !first && lvd[l][i];  // the lists start empty at a token's first beat
                gt[i] = !ev[i] || xv > lv[l][i];
            }
            ap_int<32> nv[KMax];
            ap_uint<32> ni[KMax];
            bool nvd[KMax];
            for (int i = 0; i < KMax; ++i) {
                if (i > 0 && gt[i - 1]) {
                    nv[i] = lv[l][i - 1];
                    ni[i] = li[l][i - 1];
                    nvd[i] = ev[i - 1];
                } else if (gt[i]) {
                    nv[i] = xv;
                    ni[i] = xi;
                    nvd[i] = true;
                } else {
                    nv[i] = lv[l][i];
                    ni[i] = li[l][i];
                    nvd[i] = ev[i];
                }
            }
            for (int i = 0; i < KMax; ++i) {
                lv[l][i] = nv[i];
                li[l][i] = ni[i];
                lvd[l][i] = nvd[i];
            }
        }
    }

    SampleTokenBeat tok;
    SampleStateBeat st_out;
    if (!topk) {
        tok[0] = best_i;
        st_out[0] = st;
        token.write(tok);
        state_out.write(st_out);
        return;
    }

    // ---- k pops in golden order, the weights and their running sum -----------------------------
    const ap_uint<16> m = mult.range(15, 0);
    const int shift = mult.range(21, 16).to_int();
    const ap_uint<62> half = shift == 0 ? ap_uint<62>(0) : ap_uint<62>(1) << (shift - 1);
    ap_uint<kCw> cum[KMax];
    ap_uint<32> sidx[KMax];
    ap_uint<kCw> acc = 0;
    ap_int<32> mx = 0;
    for (int j = 0; j < top_k; ++j) {
        Cand c[kL];
        for (int l = 0; l < kL; ++l) c[l] = Cand{lvd[l][0], lv[l][0], li[l][0], l};
        const Cand w = sample_detail::tree(c);
        for (int i = 0; i + 1 < KMax; ++i) {  // the winning lane's list moves up
            lv[w.lane][i] = lv[w.lane][i + 1];
            li[w.lane][i] = li[w.lane][i + 1];
            lvd[w.lane][i] = lvd[w.lane][i + 1];
        }
        lvd[w.lane][KMax - 1] = false;
        if (j == 0) mx = w.v;
        const ap_uint<32> d = j == 0 ? ap_uint<32>(0) : ap_uint<32>(mx - w.v);
        const ap_uint<48> prod = d * m;
        const ap_uint<62> scaled = (ap_uint<62>(prod) + half) >> shift;
        const ap_uint<13> u = scaled > 8191 ? ap_uint<13>(8191) : ap_uint<13>(scaled);
        const int s = u.range(12, 8).to_int();
        const ap_uint<17> e_half =
            (s == 0 || s > 16) ? ap_uint<17>(0) : ap_uint<17>(ap_uint<17>(1) << (s - 1));
        const ap_uint<17> e = ap_uint<17>(ap_uint<17>(exp2[u.range(7, 0).to_int()]) + e_half) >> s;
        acc = acc + e;
        cum[j] = acc;
        sidx[j] = w.i;
    }

    // ---- SplitMix64 and r = z mod total --------------------------------------------------------
    const ap_uint<64> adv = st + kGolden;
    const ap_uint<64> z1 = sample_detail::xor64(adv, adv >> 30) * kMix1;
    const ap_uint<64> z2 = sample_detail::xor64(z1, z1 >> 27) * kMix2;
    const ap_uint<64> z = sample_detail::xor64(z2, z2 >> 31);
    ap_uint<kCw> rem = ap_uint<kCw>(z >> kZs);
    ap_uint<kZs> zlo = z;
    for (int i = 0; i < kZs; ++i) {
        const ap_uint<kCw + 1> sh = (ap_uint<kCw + 1>(rem) << 1) | ap_uint<1>(zlo[kZs - 1]);
        const bool fits = sh >= acc;
        rem = fits ? ap_uint<kCw>(sh - acc) : ap_uint<kCw>(sh);
        zlo = zlo << 1;
    }

    // ---- the first cumulative weight above r ---------------------------------------------------
    bool gt_r[KMax];
    for (int j = 0; j < KMax; ++j) gt_r[j] = j >= top_k || cum[j] > rem;
    ap_uint<32> t = 0;
    for (int j = 0; j < KMax; ++j)
        if (gt_r[j] && (j == 0 || !gt_r[j - 1])) t = t | sidx[j];
    tok[0] = t;
    st_out[0] = adv;
    token.write(tok);
    state_out.write(st_out);
}

}  // namespace flexllm::kern
