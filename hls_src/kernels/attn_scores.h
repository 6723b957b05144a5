// attn_scores kernel: Q * K^T of one attention group (R query rows x the group's causal keys),
// int8 x int8 -> int32 exact, masked and padding entries 0. Same steps as
// rtl_gen/sv/flexllm_attn_scores.sv.
#pragma once

#include <ap_int.h>
#include <hls_stream.h>
#include <hls_vector.h>

#include "hls_src/kernel_params.h"

namespace flexllm::kern {

// ---- attention stream beats (shared by attn_scores, softmax, attn_context) ---------------------
// Group header: {nrows[31:16], qpos0[15:0]}, one beat per group.
using AttnHdrBeat = hls::vector<ap_uint<32>, 1>;
// Query beat: dimension d of the A.rows rows, element r = q[r][d].
template <AttnShape A>
using AttnQBeat = hls::vector<ap_int<8>, A.rows>;
// Key / value beat: element s * A.keys + k = set s, key j = blk * A.keys + k, at one dimension d.
template <AttnShape A>
using AttnKvBeat = hls::vector<ap_int<8>, A.sets * A.keys>;
// Score beat: element r * A.keys + k = S[r][blk * A.keys + k] (0 where masked or padding).
template <AttnShape A>
using AttnScoreBeat = hls::vector<ap_int<32>, A.rows * A.keys>;

// ---- numeric contract -------------------------------------------------------------------------
// in : hdr = {nrows[31:16], qpos0[15:0]}: rows r < nrows (1 <= nrows <= A.rows) are valid; row r
//      is at position p_r = qpos0 + r (A.token_rows) or qpos0, and p_{nrows-1} < A.positions_max
//      q[r][d], int8, d < head_dim (1 <= head_dim <= A.head_dim_max)
//      k[s][j][d], int8, set s < A.sets, key j; row r uses set(r) = 0 (A.sets == 1) or r
// out: S[r][j] = sum_d q[r][d] * k[set(r)][j][d]          (int32, exact: |S| <= head_dim * 2^14)
//      for r < nrows and j <= p_r (causal); every other entry (mask, padding) is 0
// stream: per group, 1 hdr beat; head_dim q beats (beat d, element r: q[r][d]);
//         nblk * head_dim k beats (beat blk * head_dim + d, element s * keys + k: k[s][j][d] with
//         j = blk * keys + k; keys j >= n_max are don't-care); nblk score beats out (beat blk,
//         element r * keys + k: S[r][j]); n_max = p_{nrows-1} + 1, nblk = ceil(n_max / keys).
//         q beat d is taken with k beat (0, d) and buffered for blocks 1..nblk-1.
// ---------------------------------------------------------------------------------------------

constexpr int attn_clog2(int v) {
    int b = 0;
    while ((1LL << b) < v) ++b;
    return b;
}

// Shapes the kernel takes: sets 1 or rows, head_dim fits the 16-bit cfg_head_dim of the RTL,
// positions fit the 16-bit qpos0 of the header.
constexpr bool attn_scores_shape_ok(const AttnShape& a) {
    return a.rows >= 1 && a.rows <= 65535 && a.keys >= 1 && (a.sets == 1 || a.sets == a.rows) &&
           a.head_dim_max >= 1 && a.head_dim_max <= 65535 && a.positions_max >= 1 &&
           a.positions_max <= 65536;
}

template <AttnShape A>
requires(attn_scores_shape_ok(A)) void attn_scores(hls::stream<AttnHdrBeat>& hdr,
                                                   hls::stream<AttnQBeat<A>>& q,
                                                   hls::stream<AttnKvBeat<A>>& k,
                                                   hls::stream<AttnScoreBeat<A>>& s, int head_dim) {
    constexpr int kR = A.rows, kK = A.keys;
    constexpr int kAW = 16 + attn_clog2(A.head_dim_max);            // accumulator (exact)
    constexpr int kPW = attn_clog2(A.positions_max + kR + kK) + 1;  // positions, differences
    const ap_uint<32> h = hdr.read()[0];
    const ap_uint<16> nrows = h.range(31, 16);
    const ap_uint<kPW> qpos0 = h.range(15, 0);
    const ap_uint<kPW> plast = A.token_rows ? ap_uint<kPW>(qpos0 + nrows - 1) : qpos0;
    AttnQBeat<A> qbuf[A.head_dim_max];
    ap_int<kAW> acc[kR * kK];
    bool last_blk = false;
    for (ap_uint<kPW> base = 0; !last_blk; base += kK) {  // base = blk * keys
        last_blk = base + kK > plast;
        for (int d = 0; d < head_dim; ++d) {
            if (base == 0) qbuf[d] = q.read();
            const AttnKvBeat<A> kb = k.read();
            for (int r = 0; r < kR; ++r) {
                const int set = A.sets == 1 ? 0 : r;
                for (int kk = 0; kk < kK; ++kk) {
                    const ap_int<16> p = qbuf[d][r] * kb[set * kK + kk];
                    acc[r * kK + kk] = (d == 0 ? ap_int<kAW>(0) : acc[r * kK + kk]) + p;
                }
            }
        }
        AttnScoreBeat<A> out;
        for (int r = 0; r < kR; ++r) {
            const ap_uint<kPW> p_r = A.token_rows ? ap_uint<kPW>(qpos0 + r) : qpos0;
            const ap_int<kPW> lim = p_r - base;  // key blk * keys + kk is kept for kk <= lim
            for (int kk = 0; kk < kK; ++kk) {
                const bool keep = nrows > r && lim >= kk;
                out[r * kK + kk] = keep ? ap_int<32>(acc[r * kK + kk]) : ap_int<32>(0);
            }
        }
        s.write(out);
    }
}

}  // namespace flexllm::kern
