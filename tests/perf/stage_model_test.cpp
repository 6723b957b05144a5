// Per-stage formulas: hand-computed small cases (the arithmetic is in the comments), the ideal
// DESIGN.md §5 formulas at scale, and stage-level properties.
#include "tb/perf/stage_model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "golden/error.h"

namespace flexllm::perf {
namespace {

using ::testing::HasSubstr;

constexpr StageFill kNoFill{.fixed = 0, .per_block = 0, .serial_blocks = true};

MemChannelParams mem(int channels, int bpc, int latency, double eff) {
    MemChannelParams m;
    m.channels = channels;
    m.bytes_per_cycle = bpc;
    m.latency_cycles = latency;
    m.efficiency = eff;
    return m;
}

DecodeParams decode(int bp, int wp, int lanes, MemChannelParams m) {
    DecodeParams p;
    p.bp = bp;
    p.wp = wp;
    p.lanes = lanes;
    p.weight_mem = m;
    return p;
}

TEST(LinearDecode, HandComputedMemoryBound) {
    // 64 x 64, BP 4 x WP 8 = 32 columns -> 2 channel blocks.
    // block = 4 param beats + 64 reduce + 1*4 output beats = 72; compute = 2 * 72 = 144.
    // lane bytes = 2 * (64*8/2 + 8*8) = 640; lane bandwidth = 4 ch * 4 B / 4 lanes = 4 -> 160.
    // total = max(144, 160) + latency 8 = 168.
    const StageCycles c = linear_decode_cycles(64, 64, decode(4, 8, 4, mem(4, 4, 8, 1.0)), kNoFill);
    EXPECT_EQ(c.compute, 144);
    EXPECT_EQ(c.memory, 160);
    EXPECT_EQ(c.fill, 8);
    EXPECT_EQ(c.total, 168);
    EXPECT_TRUE(c.memory_bound());
    EXPECT_EQ(c.bytes, 2560);
    EXPECT_EQ(c.macs4, 64 * 64);
}

TEST(LinearDecode, MoreChannelsMakeItComputeBound) {
    // 8 channels: lane bandwidth 8 B -> memory 80 < compute 144; total 144 + 8.
    const StageCycles c = linear_decode_cycles(64, 64, decode(4, 8, 4, mem(8, 4, 8, 1.0)), kNoFill);
    EXPECT_EQ(c.memory, 80);
    EXPECT_EQ(c.total, 152);
    EXPECT_FALSE(c.memory_bound());
}

TEST(LinearDecode, PaddingStreamsTheWholeChannelBlock) {
    // d_out 20 on 32 columns: one block, all 32 channels streamed (zeros in the layout).
    // compute = 4 + 64 + 4 = 72; lane bytes = 64*8/2 + 64 = 320 -> 80 cycles at 4 B.
    const StageCycles c = linear_decode_cycles(64, 20, decode(4, 8, 4, mem(4, 4, 0, 1.0)), kNoFill);
    EXPECT_EQ(c.compute, 72);
    EXPECT_EQ(c.memory, 80);
    EXPECT_EQ(c.macs4, 32 * 64);
}

TEST(LinearDecode, FixedFillAddsOnce) {
    const StageFill f{.fixed = 7, .per_block = 3, .serial_blocks = true};
    // block = 72 + 3 = 75, compute 150 > memory 80 (8 channels); total = 150 + 7 + 8.
    const StageCycles c = linear_decode_cycles(64, 64, decode(4, 8, 4, mem(8, 4, 8, 1.0)), f);
    EXPECT_EQ(c.compute, 150);
    EXPECT_EQ(c.total, 165);
}

TEST(LinearPrefill, HandComputedSerialBlocks) {
    // 10 tokens on TP 4 -> 3 calls; 24 outputs on WP 8 -> 3 blocks; the systolic skew is
    // (4 - 1) + (8 - 1) = 10, so a block takes 1 + 16 + 10 + 4*1 = 31 cycles.
    // compute = 3 * 3 * 31 = 279; bytes per call = 3 * (16*8/2 + 8*8) = 384 -> 12 cycles at 32 B,
    // memory = 36; total = 279 + latency 10 = 289.
    const StageCycles c = linear_prefill_cycles(10, 16, 24, 4, 8, mem(1, 32, 10, 1.0), kNoFill);
    EXPECT_EQ(c.compute, 279);
    EXPECT_EQ(c.memory, 36);
    EXPECT_EQ(c.total, 289);
    EXPECT_EQ(c.macs4, 3 * 4 * 24 * 16);  // padded tokens (12) x 24 x 16
}

TEST(LinearPrefill, HandComputedOverlappedBlocks) {
    // Drain overlapped: a block's step is max(d_in 16, skew 10 + drain 4 + 1) = 16, so a call is
    // 3 * 16 = 48; the tail (1 channel beat + skew 10 + drain 4) once: 3 * 48 + 15 = 159;
    // total = 159 + latency 10 = 169.
    const StageFill f{.fixed = 0, .per_block = 0, .serial_blocks = false};
    const StageCycles c = linear_prefill_cycles(10, 16, 24, 4, 8, mem(1, 32, 10, 1.0), f);
    EXPECT_EQ(c.compute, 159);
    EXPECT_EQ(c.total, 169);
}

TEST(LinearPrefill, ShortReductionWaitsForTheWavefront) {
    // d_in 8 < skew 10 + drain 4 + 1: a block's last step waits for the previous block's
    // wavefront and drain, so each of the 2 blocks takes 15 cycles; + tail 15 = 45 per the one
    // call (4 tokens). The same shape with a broadcast GEMV (decode, rows 1) has no skew.
    const StageFill f{.fixed = 0, .per_block = 0, .serial_blocks = false};
    const StageCycles c = linear_prefill_cycles(4, 8, 16, 4, 8, mem(1, 64, 0, 1.0), f);
    EXPECT_EQ(c.compute, 2 * 15 + 1 + 10 + 4);
    EngineShape flat{4, 1, 8};
    EXPECT_EQ(flat.skew(), 0);
    EXPECT_EQ(linear_engine_cycles(4, 8, 16, flat, mem(1, 64, 0, 1.0), f).compute, 2 * 8 + 1 + 4);
}

TEST(LinearPrefill, FfnBlocksShareTheirChannels) {
    // WP 24 as 3 streams of 8 (each a 4 x 8 systolic array, skew 3 + 7 = 10): cols 24, 48
    // outputs -> 2 blocks of 3 + 32 + 10 + 4*3 = 57 -> 114.
    // lane bytes = 2 * (32*8/2 + 8*8) = 384; lane bandwidth = 3 * 8 * 0.5 / 3 = 4 -> 96 (memory).
    const StageCycles c = linear_prefill_cycles(4, 32, 48, 4, 24, mem(3, 8, 0, 0.5), kNoFill, 3);
    EXPECT_EQ(c.compute, 114);
    EXPECT_EQ(c.memory, 96);
    EXPECT_EQ(c.total, 114);
}

TEST(LinearEngine, WithinFivePercentOfTheIdealFormula) {
    // DESIGN.md §5 / §8: cycles <= 1.05 x ideal + fixed fill.
    const double prefill_ideal = 1024.0 * 2048 * 2048 / (8 * 32);
    const StageCycles p =
        linear_prefill_cycles(1024, 2048, 2048, 8, 32, mem(1, 32, 64, 0.9), kNoFill);
    EXPECT_GE(p.compute, prefill_ideal);
    EXPECT_LE(p.compute, 1.05 * prefill_ideal);
    const double decode_ideal = 2048.0 * 8192 / (16 * 64);
    const StageCycles d =
        linear_decode_cycles(2048, 8192, decode(16, 64, 8, mem(16, 32, 64, 1.0)), kNoFill);
    EXPECT_GE(d.compute, decode_ideal);
    EXPECT_LE(d.compute, 1.05 * decode_ideal);
}

TEST(LinearEngine, BandwidthBoundStageScalesWithChannels) {
    // 2048 x 8192 on BP 16 x WP 64 with 4, 8 channels: memory-bound; doubling channels halves the
    // memory cycles (to the cycle).
    const DecodeParams p4 = decode(16, 64, 8, mem(4, 32, 64, 0.9));
    const DecodeParams p8 = decode(16, 64, 8, mem(8, 32, 64, 0.9));
    const StageCycles c4 = linear_decode_cycles(2048, 8192, p4, kNoFill);
    const StageCycles c8 = linear_decode_cycles(2048, 8192, p8, kNoFill);
    ASSERT_TRUE(c4.memory_bound());
    ASSERT_TRUE(c8.memory_bound());
    EXPECT_NEAR(static_cast<double>(c8.memory), c4.memory / 2.0, 1.0);
    EXPECT_LT(c8.total, c4.total);
}

TEST(LinearEngine, MoreParallelismNeverMoreComputeWhileColumnsDivide) {
    // Widths divisible by every column count used: compute and memory never grow with TP, WP.
    const MemChannelParams m = mem(2, 32, 16, 0.9);
    int64_t prev_c = INT64_MAX, prev_m = INT64_MAX;
    for (int wp : {4, 8, 16, 32, 64}) {
        const StageCycles c = linear_prefill_cycles(64, 256, 512, 8, wp, m, kNoFill);
        EXPECT_LE(c.compute, prev_c) << "wp " << wp;
        EXPECT_LE(c.memory, prev_m) << "wp " << wp;
        prev_c = c.compute;
        prev_m = c.memory;
    }
    prev_c = prev_m = INT64_MAX;
    for (int tp : {1, 2, 4, 8, 16}) {
        const StageCycles c = linear_prefill_cycles(64, 256, 512, tp, 16, m, kNoFill);
        EXPECT_LE(c.compute, prev_c) << "tp " << tp;
        EXPECT_LE(c.memory, prev_m) << "tp " << tp;
        prev_c = c.compute;
        prev_m = c.memory;
    }
    prev_c = INT64_MAX;
    for (int bp : {1, 2, 4, 8}) {
        const StageCycles c = linear_decode_cycles(256, 512, decode(bp, 16, 4, m), kNoFill);
        EXPECT_LE(c.compute, prev_c) << "bp " << bp;
        prev_c = c.compute;
    }
}

TEST(QuantToken, HandComputedDecode) {
    // d 64 at 4 lanes = 16 beats: load 16, divide + zero/range beat (per_block 50), emit 16.
    const StageFill f{.fixed = 2, .per_block = 50, .serial_blocks = true};
    const StageCycles c = quant_token_cycles(1, 64, 4, f);
    EXPECT_EQ(c.compute, 2 * 16 + 50);
    EXPECT_EQ(c.total, 84);
    EXPECT_EQ(c.first_out, 16 + 50 + 2);
    EXPECT_EQ(c.in_span, 16);
}

TEST(QuantToken, HandComputedPrefillGroups) {
    // 10 tokens, TP 4 per beat -> 3 groups of 32 beats (one element of 4 tokens per beat).
    const StageFill serial{.fixed = 0, .per_block = 10, .serial_blocks = true};
    EXPECT_EQ(quant_token_prefill_cycles(10, 32, 4, serial).compute, 3 * (2 * 32 + 10));
    const StageFill dbuf{.fixed = 0, .per_block = 10, .serial_blocks = false};
    EXPECT_EQ(quant_token_prefill_cycles(10, 32, 4, dbuf).compute, 3 * (32 + 10) + 32);
}

TEST(QuantToken, UnevenLanesRoundUp) {
    // d 10 at 4 lanes: 3 beats each way.
    EXPECT_EQ(quant_token_cycles(1, 10, 4, kNoFill).compute, 6);
}

TEST(VectorStages, HandComputed) {
    const StageFill f{.fixed = 1, .per_block = 5, .serial_blocks = true};
    // Stream: ceil(100/8) = 13 beats + per_block 5 = 18, + fixed 1.
    EXPECT_EQ(vector_cycles(1, 100, 8, 1, VectorKind::kStream, f).total, 19);
    // Row reduction: 2 * 13 + 5 = 31, + 1.
    EXPECT_EQ(vector_cycles(1, 100, 8, 1, VectorKind::kRowReduce, f).total, 32);
    // Two token groups of TP 4 (6 tokens), 2 elements per token per beat: 50 beats per group.
    EXPECT_EQ(vector_cycles(6, 100, 2, 4, VectorKind::kStream, kNoFill).compute, 2 * 50);
}

TEST(VectorStages, FhtStreamsThroughItsDelayLines) {
    // n 64 at 8 lanes: B = 8 beats a row, one per cycle; the pipeline adds B + log2(B) = 11.
    EXPECT_EQ(fht_cycles(1, 64, 8, 1, kNoFill).compute, 8);
    EXPECT_EQ(fht_cycles(1, 64, 8, 1, kNoFill).total, 8 + 8 + 3);
    // Three groups of TP 2 (6 tokens, one element per beat): 3 * 64 + 64 + 6.
    EXPECT_EQ(fht_cycles(6, 64, 1, 2, kNoFill).total, 3 * 64 + 64 + 6);
    EXPECT_THAT([] { fht_cycles(1, 48, 8, 1, kNoFill); },
                ::testing::ThrowsMessage<Error>(HasSubstr("not a power of two")));
}

TEST(Attention, HandComputedDecode) {
    // 4 heads, 2 KV heads (group 2), head_dim 16, ctx 100; 2 heads per pass, 8 elements/cycle:
    // passes 2; S = C = 100*16/8 = 200; M = 2*ceil(100/4) = 50;
    // compute = 2 * 200 + (200 + 50 + 200 - 200) = 650.
    // K+V bytes = 2 * 100 * 2 * 16 = 6400 -> 400 cycles at 16 B; total = 650 + latency 5.
    const AttnShape a{4, 2, 16};
    const StageCycles c = attention_decode_cycles(100, a, 2, 8, 4, mem(1, 16, 5, 1.0), kNoFill);
    EXPECT_EQ(c.compute, 650);
    EXPECT_EQ(c.memory, 400);
    EXPECT_EQ(c.total, 655);
    EXPECT_EQ(c.bytes, 6400);
    EXPECT_EQ(c.macs8, 2 * 4 * 100 * 16);
}

TEST(Attention, SharedArraySerialisesScoresAndContext) {
    // As HandComputedDecode with one array for Q.K^T and A.V: a pass holds it S + C = 400 cycles;
    // compute = 2 * max(400, 50) + (200 + 50 + 200 - 400) = 850.
    const AttnShape a{4, 2, 16, true};
    EXPECT_EQ(attention_decode_cycles(100, a, 2, 8, 4, mem(1, 16, 5, 1.0), kNoFill).compute, 850);
}

TEST(Attention, HeadsParallelBelowTheGroupRereadsKv) {
    // 1 head per pass < group 2: K and V read twice -> 12800 B -> 800 cycles; passes 4:
    // compute = 4 * 200 + 250 = 1050.
    const StageCycles c =
        attention_decode_cycles(100, AttnShape{4, 2, 16}, 1, 8, 4, mem(1, 16, 0, 1.0), kNoFill);
    EXPECT_EQ(c.bytes, 12800);
    EXPECT_EQ(c.memory, 800);
    EXPECT_EQ(c.compute, 1050);
}

TEST(Attention, HandComputedPrefill) {
    // 8 queries x 40 keys, 2 heads of 16, array 4 x 8: rows R = 2;
    // S = 2 * ceil(40/8) * 16 = 160; C = 2 * ceil(16/8) * 40 = 160; M = 2 * 2 * ceil(4*40/4) = 160;
    // compute = 2 heads * 160 + (480 - 160) = 640; K/V bytes 2*2*2*40*16 = 5120 -> 80 cycles.
    const StageCycles c =
        attention_prefill_cycles(8, 40, AttnShape{2, 1, 16}, 4, 8, 4, mem(1, 64, 0, 1.0), kNoFill);
    EXPECT_EQ(c.compute, 640);
    EXPECT_EQ(c.memory, 80);
    EXPECT_EQ(c.total, 640);
}

TEST(Attention, DecodeGrowsLinearlyWithContext) {
    const AttnShape a{32, 8, 64};
    const MemChannelParams m = mem(16, 32, 64, 0.9);
    const int64_t c1 = attention_decode_cycles(1024, a, 8, 32, 8, m, kNoFill).total;
    const int64_t c2 = attention_decode_cycles(2048, a, 8, 32, 8, m, kNoFill).total;
    // Per key: 4 passes * 2 + (2 + 2/8 + 2 - 2) = 10.25 cycles.
    EXPECT_EQ(c2 - c1, static_cast<int64_t>(10.25 * 1024));
}

TEST(MemoryStages, HandComputed) {
    // KV append of 3 tokens x 2 x 16 = 96 B at 2 * 4 * 0.5 = 4 B/cycle -> 24, + latency 7.
    EXPECT_EQ(kv_write_cycles(3, 16, mem(2, 4, 7, 0.5), kNoFill).total, 31);
    // Embedding, decode (1 token per group, 8 lanes): rows of 8 beats of 32 B at 8 B/cycle, one
    // beat per 4 cycles. Token 0: request at 1, data after latency 3 and the first beat's 32 B
    // (accrued from cycle 3: at 6), row 6..37, emission follows the last word (34) to 35. Token
    // 1: accepted at 2, its row after token 0's: 38..69, last beat issued at 67, out at 69 + 1.
    const StageCycles e = embed_cycles(2, 64, 1, 8, mem(1, 8, 3, 1.0), kNoFill);
    EXPECT_EQ(e.memory, 64);   // 512 B at 8 B/cycle
    EXPECT_EQ(e.compute, 16);  // 2 x 8 output beats
    EXPECT_EQ(e.total, 70);
    EXPECT_EQ(e.first_out, 9);
    // Prefill, 2 tokens per beat, hidden 4, 3 tokens (a full group and one token), fast memory:
    // rows of 2 beats; group 0's rows 3..4 and 5..6, its 4 beats issued 6..9; group 1 (accepted
    // at 3) row 7..8, issued after group 0's: 10..13; the last beat out 2 cycles later.
    EXPECT_EQ(embed_cycles(3, 4, 2, 1, mem(1, 64, 2, 1.0), kNoFill).total, 16);
    // Sampling 1000 logits at 8 per cycle: greedy 125; top-5 adds 5 pops and the 52-cycle draw.
    EXPECT_EQ(sample_cycles(1000, 8, 1, kNoFill).total, 125);
    EXPECT_EQ(sample_cycles(1000, 8, 5, kNoFill).total, 182);
}

TEST(StageModel, RejectsBadShapes) {
    const MemChannelParams m = mem(1, 32, 0, 1.0);
    EXPECT_THAT([&] { linear_prefill_cycles(0, 16, 16, 4, 8, m, kNoFill); },
                ::testing::ThrowsMessage<Error>(HasSubstr("tokens must be positive")));
    EXPECT_THAT([&] { linear_prefill_cycles(4, 16, 16, 4, 8, m, kNoFill, 3); },
                ::testing::ThrowsMessage<Error>(HasSubstr("do not divide WP")));
    EXPECT_THAT([&] { linear_decode_cycles(16, 16, decode(4, 8, 4, mem(1, 32, 0, 0.0)), kNoFill); },
                ::testing::ThrowsMessage<Error>(HasSubstr("efficiency")));
    EXPECT_THAT([&] { quant_token_cycles(1, 16, 0, kNoFill); },
                ::testing::ThrowsMessage<Error>(HasSubstr("lanes must be positive")));
}

}  // namespace
}  // namespace flexllm::perf
