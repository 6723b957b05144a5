// C-sim conformance of the attention and sampling kernels (kv_cache, attn_scores, softmax,
// attn_context, sample) on hand-worked groups: the causal mask and padding rows, two equal scores
// (p8 = 128 each), one dominant key (p8 = 255), a one-hot context, an append into a half-filled
// KV word, ties in greedy and top-k sampling. (The registry's engines run them against the
// golden taps and the random corners in every regression case.)
#include <gtest/gtest.h>

#include <climits>
#include <memory>
#include <vector>

#include "golden/fixed_point.h"
#include "golden/ops_ref.h"
#include "golden/tables.h"
#include "hls_src/kernels/attn_context.h"
#include "hls_src/kernels/attn_scores.h"
#include "hls_src/kernels/kv_cache.h"
#include "hls_src/kernels/sample.h"
#include "hls_src/kernels/softmax.h"

namespace flexllm::kern {
namespace {

constexpr AttnShape kPrefill{4, 4, 1, true, 16, 256};  // tiny_a prefill
constexpr AttnShape kDecode{2, 4, 2, false, 16, 256};  // tiny_a decode

kern::AttnHdrBeat header(int nrows, int qpos0) {
    AttnHdrBeat h;
    h[0] = static_cast<uint32_t>(nrows) << 16 | static_cast<uint32_t>(qpos0);
    return h;
}

ap_uint<22> mult(const golden::Multiplier& m) { return ap_uint<22>(m.shift) << 16 | m.m; }

TEST(AttnScoresCsim, CausalMaskAndPaddingRowsAreZero) {
    // Rows at positions 0 and 1 (nrows 2 of 4), head_dim 1, q = 1, key j = j + 1: row r sees
    // keys 0..r, so S = [1, 0, 0, 0] and [1, 2, 0, 0]; rows 2 and 3 are padding.
    hls::stream<AttnHdrBeat> hdr;
    hls::stream<AttnQBeat<kPrefill>> q;
    hls::stream<AttnKvBeat<kPrefill>> k;
    hls::stream<AttnScoreBeat<kPrefill>> s;
    hdr.write(header(2, 0));
    AttnQBeat<kPrefill> qb;
    for (int r = 0; r < 4; ++r) qb[r] = r < 2 ? 1 : 99;  // padding lanes are ignored
    q.write(qb);
    AttnKvBeat<kPrefill> kb;
    for (int j = 0; j < 4; ++j) kb[j] = j + 1;
    k.write(kb);
    attn_scores<kPrefill>(hdr, q, k, s, 1);
    ASSERT_FALSE(s.empty());
    const auto out = s.read();
    const int expect[4][4] = {{1, 0, 0, 0}, {1, 2, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}};
    for (int r = 0; r < 4; ++r)
        for (int j = 0; j < 4; ++j) EXPECT_EQ(out[r * 4 + j].to_int(), expect[r][j]) << r << j;
    EXPECT_TRUE(s.empty());
    EXPECT_TRUE(k.empty());
}

TEST(SoftmaxCsim, EqualScoresAndOneDominantKey) {
    // Decode rows at position 1 (two keys): row 0 scores {5, 5} -> p16 = 32768 each -> p8 = 128
    // (127.5 rounds up); row 1 {0, -2^31}: u clamps, e = {32768, 0} -> p8 = {255, 0}. Keys 2, 3
    // are past the causal limit: 0.
    const golden::Multiplier c2 = golden::to_multiplier(0.05);
    hls::stream<AttnHdrBeat> hdr;
    hls::stream<SoftmaxC2Beat<kDecode>> c2s;
    hls::stream<AttnScoreBeat<kDecode>> s;
    hls::stream<SoftmaxProbBeat<kDecode>> p;
    hdr.write(header(2, 1));
    SoftmaxC2Beat<kDecode> cb;
    cb[0] = cb[1] = mult(c2);
    c2s.write(cb);
    AttnScoreBeat<kDecode> sb;
    const int32_t scores[8] = {5, 5, 7, 7, 0, INT32_MIN, 7, 7};  // lanes 2, 3 are not keys
    for (int e = 0; e < 8; ++e) sb[e] = scores[e];
    s.write(sb);
    softmax<kDecode>(hdr, c2s, s, p, golden::exp2_table().data());
    ASSERT_FALSE(p.empty());
    const auto out = p.read();
    const int expect[8] = {128, 128, 0, 0, 255, 0, 0, 0};
    for (int e = 0; e < 8; ++e) EXPECT_EQ(out[e].to_int(), expect[e]) << e;
    // The same rows through the golden op.
    std::vector<uint8_t> ref(2);
    golden::softmax_ref(std::vector<int32_t>{0, INT32_MIN}, c2, ref);
    EXPECT_EQ(ref[0], 255);
    EXPECT_TRUE(p.empty());
}

TEST(AttnContextCsim, OneHotProbabilityCopiesTheValueRow) {
    // Row 0 (position 3) puts p8 = 255 on key 2 only; v[2][d] = d - 8; the multiplier 1/255
    // (to_multiplier) turns acc = 255 * (d - 8) back into d - 8. Row 1 is padding: 0.
    constexpr AttnShape S{2, 4, 1, true, 16, 256};
    const golden::Multiplier m = golden::to_multiplier(1.0 / 255);
    hls::stream<AttnHdrBeat> hdr;
    hls::stream<AttnMultBeat<S>> ms;
    hls::stream<AttnProbBeat<S>> p;
    hls::stream<AttnKvBeat<S>> v;
    hls::stream<AttnCtxBeat<S>> ctx;
    hdr.write(header(1, 3));
    AttnMultBeat<S> mb;
    mb[0] = mb[1] = mult(m);
    ms.write(mb);
    AttnProbBeat<S> pb;
    for (int e = 0; e < 8; ++e) pb[e] = e == 2 ? 255 : 0;
    p.write(pb);
    for (int d = 0; d < 16; ++d) {
        AttnKvBeat<S> vb;
        for (int j = 0; j < 4; ++j) vb[j] = j == 2 ? d - 8 : 100;
        v.write(vb);
    }
    attn_context<S>(hdr, ms, p, v, ctx, 16);
    for (int d = 0; d < 16; ++d) {
        ASSERT_FALSE(ctx.empty());
        const auto out = ctx.read();
        EXPECT_EQ(out[0].to_int(), d - 8) << d;
        EXPECT_EQ(out[1].to_int(), 0) << d;
    }
    EXPECT_TRUE(ctx.empty());
}

TEST(KvCacheCsim, AnAppendKeepsTheEarlierPositionsOfItsWord) {
    // Decode layout (1 token x 4 lanes per write beat), words of 4 positions, kv_dim 4 = one head
    // of 4: WRITE 13 positions (word 3 holds position 12 only), append position 13, READ 14.
    constexpr VectorShape W{1, 4, 32};
    constexpr AttnShape A{1, 4, 1, true, 16, 256};
    auto cache = std::make_unique<KvCache<W, A, 32>>();
    hls::stream<KvCmdBeat> cmd;
    hls::stream<KvRowBeat<W>> x;
    hls::stream<KvWordBeat<A>> kv;
    const auto code = [](int pos, int d) { return (pos * 7 + d * 3) % 200 - 100; };
    const auto write = [&](int pos0, int n) {
        KvCmdBeat c;
        c[0] = ap_uint<33>(n) << 16 | pos0;
        cmd.write(c);
        for (int t = 0; t < n; ++t) {
            KvRowBeat<W> r;
            for (int d = 0; d < 4; ++d) r[d] = code(pos0 + t, d);
            x.write(r);
        }
        cache->run(cmd, x, kv, 4, 4);
    };
    write(0, 13);
    write(13, 1);
    KvCmdBeat rd;
    rd[0] = ap_uint<33>(1) << 32 | ap_uint<33>(14) << 16;
    cmd.write(rd);
    cache->run(cmd, x, kv, 4, 4);
    for (int blk = 0; blk < 4; ++blk)
        for (int d = 0; d < 4; ++d) {
            ASSERT_FALSE(kv.empty());
            const auto w = kv.read();
            for (int k = 0; k < 4; ++k) {
                const int pos = blk * 4 + k;
                EXPECT_EQ(w[k].to_int(), pos < 14 ? code(pos, d) : 0) << pos << " " << d;
            }
        }
    EXPECT_TRUE(kv.empty());
}

TEST(SampleCsim, TiesGoToTheLowestIndexAndTopKDrawsLikeTheGoldenRng) {
    constexpr VectorShape S{1, 4, 256};
    const golden::Multiplier m = golden::to_multiplier(1.4426950408889634 * 256.0 / 65536.0);
    const auto run = [&](const std::vector<int32_t>& logits, int k, uint64_t state,
                         uint64_t* state_out) {
        hls::stream<SampleStateBeat> si, so;
        hls::stream<ActVecBeat<S>> lg;
        hls::stream<SampleTokenBeat> tok;
        SampleStateBeat sb;
        sb[0] = state;
        si.write(sb);
        for (size_t b = 0; b < logits.size() / 4; ++b) {
            ActVecBeat<S> v;
            for (int l = 0; l < 4; ++l) v[l] = logits[b * 4 + l];
            lg.write(v);
        }
        sample<S, 64>(si, lg, tok, so, golden::exp2_table().data(), static_cast<int>(logits.size()),
                      k, mult(m));
        *state_out = so.read()[0].to_uint64();
        return static_cast<int>(tok.read()[0].to_uint64());
    };
    uint64_t after = 0;
    // Every logit equal: greedy takes index 0 and leaves the state alone.
    EXPECT_EQ(run(std::vector<int32_t>(16, 7), 1, 42, &after), 0);
    EXPECT_EQ(after, 42u);
    // Two maxima at 5 and 9: greedy takes 5.
    std::vector<int32_t> l(16, 0);
    l[5] = l[9] = 1000;
    EXPECT_EQ(run(l, 1, 0, &after), 5);
    // Top-2 of two equal maxima: weights 32768 each, r = splitmix64(state) % 65536 picks index 5
    // when r < 32768, else 9; the state advances once.
    golden::SplitMix64 rng{1234};
    const uint64_t r = rng.next() % 65536;
    EXPECT_EQ(run(l, 2, 1234, &after), r < 32768 ? 5 : 9);
    EXPECT_EQ(after, 1234u + 0x9e3779b97f4a7c15ull);
}

}  // namespace
}  // namespace flexllm::kern
