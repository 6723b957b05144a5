// kv_cache kernel: the on-chip int8 K (or V) cache of one layer, written a token group at a time
// (prefill: the prompt, decode: one token) and read back as words of A.keys consecutive positions
// of one (KV head, d). A.keys byte-lane banks (bank = position % keys), so a write never disturbs
// the other positions of its word. State persists across calls: one command per run(). Same steps
// as rtl_gen/sv/flexllm_kv_cache.sv.
#pragma once

#include <ap_int.h>
#include <hls_stream.h>
#include <hls_vector.h>

#include <cstdint>

#include "hls_src/kernel_params.h"

namespace flexllm::kern {

// ---- numeric contract -------------------------------------------------------------------------
// in : cmd = {op[32], count[31:16], pos0[15:0]}, one beat per command
//      op 0 WRITE: rows x[t][i], int8 (quant_static codes), of the tokens at positions pos0 + t,
//        t < count (1 <= count, pos0 + count <= positions_max), i = kv_head * head_dim + d
//      op 1 READ: count (1 <= count <= positions_max) positions of every KV head
// out: cache[kv_head][p][d] = x[p - pos0][kv_head * head_dim + d]   (stored exactly, no arithmetic)
//      READ word (kv_head, blk, d), element k = cache[kv_head][blk * keys + k][d] for
//      blk * keys + k < count, else 0
// stream: WRITE: ceil(count / W.tokens) groups of kv_dim / W.lanes x beats in (a group's padding
//         tokens t >= count - group * W.tokens are ignored), beat b element t * W.lanes + l =
//         x[t][b * W.lanes + l]; no beats out.
//         READ: no x beats; kv_heads * ceil(count / keys) * head_dim kv beats out, kv_head-major,
//         then block, then d. count 0 is a no-op (no beats).
// ---------------------------------------------------------------------------------------------
using KvCmdBeat = hls::vector<ap_uint<33>, 1>;
template <VectorShape W>
using KvRowBeat = hls::vector<ap_int<8>, W.tokens * W.lanes>;
template <AttnShape A>
using KvWordBeat = hls::vector<ap_int<8>, A.keys>;

// Shapes the cache takes: at most `keys` tokens per write beat (each to its own bank), whole
// words of positions, counts and positions in the 16-bit command fields.
constexpr bool kv_cache_shape_ok(const VectorShape& w, const AttnShape& a, int kvd_max) {
    return w.tokens >= 1 && w.lanes >= 1 && a.keys >= 1 && w.tokens <= a.keys &&
           a.head_dim_max >= 1 && kvd_max >= a.head_dim_max && kvd_max <= 65535 &&
           a.positions_max >= a.keys && a.positions_max % a.keys == 0 && a.positions_max <= 65535;
}

// The memory is a member (keys x positions_max / keys x KvdMax bytes: 1 MB for llama-3.2-1b on
// the u280); allocate the struct on the heap (std::make_unique) when it is large.
template <VectorShape W, AttnShape A, int KvdMax>
requires(kv_cache_shape_ok(W, A, KvdMax)) struct KvCache {
    static constexpr int kKeys = A.keys, kRows = A.positions_max / A.keys;
    static constexpr int kDepth = kRows * KvdMax;  // bytes per bank: row * KvdMax + element
    int8_t bank[kKeys][kDepth] = {};

    void run(hls::stream<KvCmdBeat>& cmd, hls::stream<KvRowBeat<W>>& x,
             hls::stream<KvWordBeat<A>>& kv, int kv_dim, int head_dim) {
        constexpr int kT = W.tokens, kL = W.lanes;
        const ap_uint<33> c = cmd.read()[0];
        const bool read = c[32];
        const int count = c.range(31, 16).to_int(), pos0 = c.range(15, 0).to_int();
        if (count == 0) return;
        if (!read) {
            // WRITE: per group of kT tokens, kv_dim / kL beats; lane l of a beat in one cycle
            // writes element b * kL + l of the group's tokens to their (distinct) banks
            for (int g = 0; g * kT < count; ++g) {
                const int first = pos0 + g * kT, ntok = count - g * kT < kT ? count - g * kT : kT;
                for (int b = 0; b < kv_dim / kL; ++b) {
                    const KvRowBeat<W> v = x.read();
                    for (int l = 0; l < kL; ++l)
                        for (int t = 0; t < ntok; ++t) {
                            const int p = first + t;
                            bank[p % kKeys][(p / kKeys) * KvdMax + b * kL + l] =
                                static_cast<int8_t>(v[t * kL + l].to_int());
                        }
                }
            }
        } else {
            // READ: one word per (kv_head, block, d); positions >= count read as 0
            for (int kh = 0; kh < kv_dim / head_dim; ++kh)
                for (int blk = 0; blk * kKeys < count; ++blk)
                    for (int d = 0; d < head_dim; ++d) {
                        KvWordBeat<A> w;
                        for (int k = 0; k < kKeys; ++k) {
                            const bool in = blk * kKeys + k < count;
                            w[k] = in ? ap_int<8>(bank[k][blk * KvdMax + kh * head_dim + d])
                                      : ap_int<8>(0);
                        }
                        kv.write(w);
                    }
        }
    }
};

}  // namespace flexllm::kern
