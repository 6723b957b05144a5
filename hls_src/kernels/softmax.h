// softmax kernel: integer softmax of one attention group (A.rows query rows x the group's causal
// keys), int32 scores -> uint8 probabilities (static scale 1/255), with the EXP2 table and an exact
// bit-serial reciprocal per row. Same steps as rtl_gen/sv/flexllm_softmax.sv.
#pragma once

#include <ap_int.h>
#include <hls_stream.h>
#include <hls_vector.h>

#include <bit>
#include <cstdint>

#include "hls_src/kernels/attn_scores.h"
#include "hls_src/kernels/rmsnorm.h"  // bitserial::divu, as flexllm_divu does it

namespace flexllm::kern {

// ---- numeric contract -------------------------------------------------------------------------
// in : hdr = {nrows[31:16], qpos0[15:0]}, 1 <= nrows <= rows; row r < nrows has position
//      p_r = qpos0 + r (token_rows) or qpos0, keys j = 0..p_r; p_last = p_{nrows-1} < positions_max
//      c2[r] = {shift[21:16], m[15:0]} (shift <= 62), row r's Multiplier; lanes r >= nrows unused
//      S[r][j], int32; entries j > p_r or r >= nrows are not part of any row (ignored)
// out: mx_r = max_{j <= p_r} S[r][j]                       (int32)
//      d = mx_r - S[r][j]                                   (uint32, <= 2^32 - 1)
//      u = min(8191, (d * m + bias) >> shift)               (d * m < 2^48 exact; bias = 2^(shift-1)
//                                                            or 0 for shift 0; 64 bits)
//      e = (EXP2[u & 255] + bias') >> (u >> 8)              (bias' = 2^((u >> 8) - 1) or 0;
//                                                            uint16, <= 32768; 0 where masked)
//      sum_r = sum_j e                                      (2^15 .. positions_max * 2^15:
//                                                            16 + clog2(positions_max) bits)
//      inv_r = floor(2^47 / sum_r)                          (bit-serial, 33 steps; <= 2^32)
//      p16 = (e * inv_r + 2^30) >> 31                       (e * inv <= 2^47; p16 <= 2^16)
//      p8[r][j] = min(255, (p16 * 255 + 2^15) >> 16)        (uint8; 0 where j > p_r or r >= nrows)
// stream: 1 hdr beat and 1 c2 beat (lane r = row r), then nblk = p_last / keys + 1 score beats in
//         (element r * keys + k = S[r][blk * keys + k]), then nblk p8 beats out, the same layout
// ---------------------------------------------------------------------------------------------
template <AttnShape A>
using SoftmaxC2Beat = hls::vector<ap_uint<22>, A.rows>;
template <AttnShape A>
using SoftmaxProbBeat = hls::vector<ap_uint<8>, A.rows * A.keys>;

// Shapes the kernel takes: positions (and qpos0 + r) fit the 16-bit header fields.
constexpr bool softmax_shape_ok(const AttnShape& a) {
    return a.rows >= 1 && a.keys >= 1 && a.rows <= 65535 && a.positions_max >= 1 &&
           a.positions_max <= 65536;
}

template <AttnShape A>
requires(softmax_shape_ok(A)) void softmax(hls::stream<AttnHdrBeat>& hdr,
                                           hls::stream<SoftmaxC2Beat<A>>& c2,
                                           hls::stream<AttnScoreBeat<A>>& s,
                                           hls::stream<SoftmaxProbBeat<A>>& p,
                                           const uint16_t* exp2) {
    constexpr int kR = A.rows, kK = A.keys, kN = kR * kK;
    constexpr int kBlocks = (A.positions_max + kK - 1) / kK;
    constexpr int kSumW = 16 + std::bit_width(static_cast<unsigned>(A.positions_max - 1));
    constexpr int kInvW = 33;
    const ap_uint<32> h = hdr.read()[0];
    const int nrows = h.range(31, 16).to_int(), qpos0 = h.range(15, 0).to_int();
    const int p_last = qpos0 + (A.token_rows ? nrows - 1 : 0);
    const int nblk = p_last / kK + 1;
    const SoftmaxC2Beat<A> mult = c2.read();
    auto in_row = [&](int r, int j) { return r < nrows && j <= qpos0 + (A.token_rows ? r : 0); };

    // load: buffer the scores, each row's maximum over its keys
    AttnScoreBeat<A> buf[kBlocks];  // scores, then (pass 2) the exps in place
    ap_int<32> mx[kR];
    for (int b = 0; b < nblk; ++b) {
        buf[b] = s.read();
        for (int r = 0; r < kR; ++r) {
            ap_int<32> bmax = INT32_MIN;
            for (int k = 0; k < kK; ++k)
                if (in_row(r, b * kK + k) && buf[b][r * kK + k] > bmax) bmax = buf[b][r * kK + k];
            if (b == 0 || bmax > mx[r]) mx[r] = bmax;
        }
    }
    // pass 2: exps and their row sums
    ap_uint<kSumW> sum[kR];
    for (int r = 0; r < kR; ++r) sum[r] = 0;
    for (int b = 0; b < nblk; ++b)
        for (int r = 0; r < kR; ++r) {
            const ap_uint<16> m = mult[r].range(15, 0);
            const int shift = mult[r].range(21, 16).to_int();
            for (int k = 0; k < kK; ++k) {
                ap_uint<16> e = 0;
                if (in_row(r, b * kK + k)) {
                    const ap_uint<32> d = mx[r] - buf[b][r * kK + k];
                    const ap_uint<48> prod = ap_uint<33>(d) * m;
                    // rshift_rnd(a, s) = floor(a / 2^s) + bit s - 1 of a, both from (2a) >> s
                    const ap_uint<49> ut = (ap_uint<49>(prod) << 1) >> shift;
                    const ap_uint<48> ufl = ut >> 1;
                    const ap_uint<13> u = (ufl > 8191 || (ufl == 8191 && ut[0]))
                                              ? ap_uint<13>(8191)
                                              : ap_uint<13>(ufl + ap_uint<1>(ut[0]));
                    const int es = u.range(12, 8).to_int();
                    const ap_uint<17> et = (ap_uint<17>(exp2[u.range(7, 0).to_int()]) << 1) >> es;
                    e = (et >> 1) + ap_uint<1>(et[0]);
                }
                buf[b][r * kK + k] = e;
                sum[r] += e;
            }
        }
    // the reciprocals (sum >= 2^15 for a valid row; rows >= nrows are never used)
    ap_uint<kInvW> inv[kR];
    for (int r = 0; r < kR; ++r)
        inv[r] = bitserial::divu<48, kSumW, kInvW>(ap_uint<48>(1) << 47, sum[r]);
    // pass 3: the probabilities
    for (int b = 0; b < nblk; ++b) {
        SoftmaxProbBeat<A> out;
        for (int e = 0; e < kN; ++e) {
            const ap_uint<16> ev = buf[b][e].range(15, 0);
            const ap_uint<48> prod = inv[e / kK] * ev;
            const ap_uint<17> p16 = (prod >> 31) + ap_uint<1>(prod[30]);
            const ap_uint<9> p8 = (ap_uint<25>(p16) * ap_uint<8>(255) + ap_uint<16>(32768)) >> 16;
            out[e] = p8 > 255 ? ap_uint<8>(255) : ap_uint<8>(p8);
        }
        p.write(out);
    }
}

}  // namespace flexllm::kern
