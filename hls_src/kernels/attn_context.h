// attn_context kernel: A * V of one attention group (rows query rows x the group's causal keys):
// each row's uint8 probabilities times its value set's int8 values, summed exactly per dimension,
// then the row's Multiplier to the activation format. Prefill rows are consecutive tokens of one
// head (one value set), decode rows are heads of the one token (a value set per row). Same steps
// as rtl_gen/sv/flexllm_attn_context.sv.
#pragma once

#include <ap_int.h>
#include <hls_stream.h>
#include <hls_vector.h>

#include "hls_src/kernel_params.h"
#include "hls_src/kernels/attn_scores.h"

namespace flexllm::kern {

// ---- numeric contract -------------------------------------------------------------------------
// in : hdr = {nrows[31:16], qpos0[15:0]}, 1 <= nrows <= rows; row r < nrows is at position
//      p_r = qpos0 + r (token_rows) or qpos0 and sees keys j < n_r = p_r + 1 (n_r = 0: r >= nrows)
//      mult[r] = {shift[21:16], m[15:0]}, row r's context Multiplier (shift <= 62)
//      p8[r][j], uint8 (softmax output), taken as 0 where j >= n_r (whatever the stream holds)
//      v8[s][j][d], int8; row r uses set s_r = 0 (sets == 1) or s_r = r; j >= n_max don't-care
// out: acc[r][d] = sum_{j < n_r} p8[r][j] * v8[s_r][j][d]          (int32, exact: < 2^31 in size)
//      ctx[r][d] = sat32((acc[r][d] * m_r + bias_r) >> shift_r)     (48-bit product, 64-bit sum)
//      bias_r = 2^(shift_r - 1), or 0 for shift_r = 0               (round half up); 0: r >= nrows
// stream: per group 1 hdr beat, 1 mult beat, then per block blk < nblk = ceil(n_max / keys)
//         (n_max = n_{nrows-1}; at least 1) one p beat (element r * keys + k: p8[r][blk*keys + k])
//         and head_dim v beats d = 0.. (element s * keys + k: v8[s][blk*keys + k][d]); then
//         head_dim ctx beats, beat d element r = ctx[r][d]; 1 <= head_dim <= head_dim_max
// ---------------------------------------------------------------------------------------------
template <AttnShape A>
using AttnMultBeat = hls::vector<ap_uint<22>, A.rows>;
template <AttnShape A>
using AttnProbBeat = hls::vector<ap_uint<8>, A.rows * A.keys>;
template <AttnShape A>
using AttnCtxBeat = hls::vector<ap_int<32>, A.rows>;

// Shapes the kernel takes: one value set or one per row, head_dim within the RTL's 16-bit
// cfg_head_dim, positions within the 16-bit qpos0 (int32 accumulators exact: 255 * 128 * 2^16 <
// 2^31; key counts fit the RTL's 18 bits).
constexpr bool attn_context_shape_ok(const AttnShape& a) {
    return a.rows >= 1 && a.rows <= 65536 && a.keys >= 1 && a.keys <= 65536 &&
           (a.sets == 1 || a.sets == a.rows) && a.head_dim_max >= 1 && a.head_dim_max <= 65535 &&
           a.positions_max >= 1 && a.positions_max <= 65536;
}

constexpr int attn_context_log2_ceil(int x) {
    int b = 0;
    while ((1 << b) < x) ++b;
    return b;
}

template <AttnShape A>
requires(attn_context_shape_ok(A)) void attn_context(hls::stream<AttnHdrBeat>& hdr,
                                                     hls::stream<AttnMultBeat<A>>& mult,
                                                     hls::stream<AttnProbBeat<A>>& p,
                                                     hls::stream<AttnKvBeat<A>>& v,
                                                     hls::stream<AttnCtxBeat<A>>& ctx,
                                                     int head_dim) {
    constexpr int kR = A.rows, kK = A.keys, kHd = A.head_dim_max;
    constexpr int kSw = 16 + attn_context_log2_ceil(kK);  // a row's block sum, as the RTL's SW
    const ap_uint<32> h = hdr.read()[0];
    const ap_uint<16> nrows = h.range(31, 16), qpos0 = h.range(15, 0);
    ap_uint<18> n[kR];  // keys of row r
    for (int r = 0; r < kR; ++r)
        n[r] = nrows > r ? ap_uint<18>(qpos0 + (A.token_rows ? r + 1 : 1)) : ap_uint<18>(0);
    const ap_uint<18> n_max = qpos0 + (A.token_rows ? ap_uint<18>(nrows) : ap_uint<18>(1));
    const AttnMultBeat<A> m = mult.read();

    ap_int<32> acc[kR][kHd];
    bool last = false;
    for (ap_uint<18> base = 0; !last; base += kK) {  // blk * keys; the block holding n_max - 1 ends
        last = base + kK >= n_max;
        const AttnProbBeat<A> pb = p.read();
        ap_uint<8> pm[kR][kK];  // masked: 0 where j >= n_r
        for (int r = 0; r < kR; ++r)
            for (int k = 0; k < kK; ++k)
                pm[r][k] = base + k < n[r] ? pb[r * kK + k] : ap_uint<8>(0);
        for (int d = 0; d < head_dim; ++d) {
            const AttnKvBeat<A> vb = v.read();
            for (int r = 0; r < kR; ++r) {
                const int s = A.sets == 1 ? 0 : r;
                ap_int<kSw> sum = 0;  // |sum| <= 255 * 128 * keys
                for (int k = 0; k < kK; ++k) {
                    const ap_int<16> prod = pm[r][k] * vb[s * kK + k];  // -32640 .. 32385
                    sum += prod;
                }
                acc[r][d] = (base == 0 ? ap_int<32>(0) : acc[r][d]) + sum;
            }
        }
    }

    const ap_int<65> kMax = 2147483647, kMin = -2147483647 - 1;
    for (int d = 0; d < head_dim; ++d) {
        AttnCtxBeat<A> out;
        for (int r = 0; r < kR; ++r) {
            const ap_uint<16> mr = m[r].range(15, 0);
            const int shift = m[r].range(21, 16).to_int();
            const ap_int<64> bias = shift == 0 ? ap_int<64>(0) : ap_int<64>(1) << (shift - 1);
            const ap_int<48> prod = acc[r][d] * mr;  // exact, |acc * m| < 2^47
            const ap_int<65> y = (ap_int<64>(prod) + bias) >> shift;
            out[r] = y > kMax ? ap_int<32>(kMax) : y < kMin ? ap_int<32>(kMin) : ap_int<32>(y);
        }
        ctx.write(out);
    }
}

}  // namespace flexllm::kern
