// C-sim conformance of quant_token and the linear engines (prefill TPxWP, decode BPxWP) against
// the golden _ref ops, for every role of the tiny model on both tiny configs.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>

#include "golden/error.h"
#include "golden/model_config.h"
#include "hls_src/arch_config.h"
#include "tests/csim/csim_runner.h"
#include "tests/csim/csim_test_support.h"

namespace flexllm::csim {
namespace {

using kern::LinearRole;
using kern::Phase;

TEST(CsimShapes, MatchTheDerivedParams) {
    const auto m = golden::load_model_config("tiny");
    const int dmax = kern::max_d_in(m);
    ASSERT_EQ(dmax, kDMax);
    const auto a = kern::load_arch_config("tiny_a");
    const auto b = kern::load_arch_config("tiny_b");
    EXPECT_EQ(kern::vector_shape(a, Phase::kPrefill, dmax), tiny_a::kQuantPrefill);
    EXPECT_EQ(kern::vector_shape(a, Phase::kDecode, dmax), tiny_a::kQuantDecode);
    EXPECT_EQ(kern::linear_prefill_shape(a, kern::PrefillEngine::kKq, dmax), tiny_a::kKq);
    EXPECT_EQ(kern::linear_prefill_shape(a, kern::PrefillEngine::kVo, dmax), tiny_a::kVo);
    EXPECT_EQ(kern::linear_prefill_shape(a, kern::PrefillEngine::kFfn, dmax), tiny_a::kFfn);
    EXPECT_EQ(kern::linear_decode_shape(a, dmax), tiny_a::kDecode);
    EXPECT_EQ(kern::vector_shape(b, Phase::kPrefill, dmax), tiny_b::kQuantPrefill);
    EXPECT_EQ(kern::vector_shape(b, Phase::kDecode, dmax), tiny_b::kQuantDecode);
    EXPECT_EQ(kern::linear_prefill_shape(b, kern::PrefillEngine::kKq, dmax), tiny_b::kKq);
    EXPECT_EQ(kern::linear_prefill_shape(b, kern::PrefillEngine::kVo, dmax), tiny_b::kVo);
    EXPECT_EQ(kern::linear_prefill_shape(b, kern::PrefillEngine::kFfn, dmax), tiny_b::kFfn);
    EXPECT_EQ(kern::linear_decode_shape(b, dmax), tiny_b::kDecode);
}

template <VectorShape S>
void check_quant(int d, uint64_t seed) {
    const auto st = tb::random_linear_stimulus(d, 4, 5, seed);
    const QuantResult r = run_quant<S>(st.x);
    ASSERT_EQ(r.q.size(), st.x.size());
    for (size_t t = 0; t < st.x.size(); ++t) {
        EXPECT_EQ(r.zero[t], st.xq[t].zero) << "token " << t;
        EXPECT_EQ(r.range[t], st.xq[t].range) << "token " << t;
        EXPECT_TRUE(SameValues(r.q[t], st.xq[t].q, d)) << "token " << t;
    }
}

TEST(QuantTokenCsim, MatchesRefOnBothConfigs) {
    for (int d : {64, 256}) {
        check_quant<tiny_a::kQuantPrefill>(d, 11 + d);
        check_quant<tiny_a::kQuantDecode>(d, 12 + d);
        check_quant<tiny_b::kQuantPrefill>(d, 13 + d);
        check_quant<tiny_b::kQuantDecode>(d, 14 + d);
    }
}

TEST(QuantTokenCsim, HandWorkedToken) {
    // min -30, max 0, range 30, inv = floor(2^48 / 30); q = round(15 * (x + 30) / 30).
    std::vector<std::vector<int32_t>> x = {{-30, 0, -15, -29, -1, -14, -16, -20}};
    const QuantResult r = run_quant<VectorShape{1, 4, 8}>(x);
    EXPECT_EQ(r.zero[0], -30);
    EXPECT_EQ(r.range[0], 30u);
    // (x+30)/2 for x+30 in {0,30,15,1,29,16,14,10}: the truncated reciprocal puts exact halves
    // just below .5, so 7.5, 0.5 and 14.5 round down.
    const std::vector<uint8_t> exp = {0, 15, 7, 0, 14, 8, 7, 5};
    EXPECT_EQ(r.q[0], exp);
    EXPECT_EQ(golden::quant_token_ref(x[0]).q, exp);
}

// The random linear stimulus reaches the corners the golden taps never do: outputs saturated
// both ways (the dequant's clamp), a token spanning the whole int32 range, a range-0 token; the
// expected values are the golden ops', so these hold of the reference, not of a kernel.
TEST(RandomStimulus, SaturatesBothWaysAndSpansTheInt32Range) {
    const auto st = tb::random_linear_stimulus(64, 16, 8, 5);
    int pos = 0, neg = 0;
    for (const auto& y : st.y)
        for (int32_t v : y) {
            pos += v == std::numeric_limits<int32_t>::max();
            neg += v == std::numeric_limits<int32_t>::min();
        }
    EXPECT_GT(pos, 0);
    EXPECT_GT(neg, 0);
    EXPECT_EQ(st.xq[3].range, 0xffffffffu);
    EXPECT_EQ(st.xq[1].range, 0u);
}

template <LinearShape S>
void check_linear(const golden::ModelConfig& m, LinearRole role, int tokens, uint64_t seed) {
    const auto dims = kern::role_dims(m, role);
    const auto st = tb::random_linear_stimulus(dims.d_in, dims.d_out, tokens, seed);
    for (bool chain : {false, true}) {
        const auto y = run_linear<S>(st, chain);
        ASSERT_EQ(y.size(), st.y.size());
        for (size_t t = 0; t < y.size(); ++t) {
            EXPECT_TRUE(SameValues(y[t], st.y[t], dims.d_out))
                << kern::role_name(role) << " token " << t << (chain ? " (dataflow)" : "");
            for (size_t j = dims.d_out; j < y[t].size(); ++j) EXPECT_EQ(y[t][j], 0) << "pad " << j;
        }
    }
}

TEST(LinearCsim, EveryRolePrefillAndDecodeBothConfigs) {
    const auto m = golden::load_model_config("tiny");
    uint64_t seed = 100;
    for (LinearRole r : kern::kAllRoles) {
        const auto e = kern::prefill_engine_of(r);
        switch (e) {
            case kern::PrefillEngine::kKq:
                check_linear<tiny_a::kKq>(m, r, 7, ++seed);
                check_linear<tiny_b::kKq>(m, r, 5, ++seed);
                break;
            case kern::PrefillEngine::kVo:
                check_linear<tiny_a::kVo>(m, r, 7, ++seed);
                check_linear<tiny_b::kVo>(m, r, 5, ++seed);
                break;
            case kern::PrefillEngine::kFfn:
                check_linear<tiny_a::kFfn>(m, r, 7, ++seed);
                check_linear<tiny_b::kFfn>(m, r, 5, ++seed);
                break;
        }
        check_linear<tiny_a::kDecode>(m, r, 2, ++seed);
        check_linear<tiny_b::kDecode>(m, r, 2, ++seed);
    }
}

TEST(LinearCsim, HandWorkedDequant) {
    // d_in 2, one channel: w = {3, -2}, rowsum 1, m = 2^15, shift 16 (scale 0.5).
    tb::LinearStimulus s;
    s.w.d_in = 2;
    s.w.d_out = 1;
    s.w.w = {3, -2};
    s.w.rowsum = {1};
    s.w.mult = {golden::Multiplier{1u << 15, 16}};
    s.x = {{0, 10}};  // zero 0, range 10, q = {0, 15}
    tb::complete_with_golden(s);
    // acc = 15 * -2 = -30; t = 10 * -30 + 15 * 0 * 1 = -300; y = rshift_rnd(-300 * 2^15, 16) = -150
    ASSERT_EQ(s.y[0][0], -150);
    const auto y = run_linear<LinearShape{1, 2, 1, 1, 2}>(s, true);
    EXPECT_EQ(y[0][0], -150);
}

TEST(KernelParams, RejectsLanesNotDividingDin) {
    auto a = kern::load_arch_config("tiny_a");
    auto m = golden::load_model_config("tiny");
    a.decode.lanes = 3;
    EXPECT_THAT([&] { kern::derive_linear(a, m, Phase::kDecode, LinearRole::kQ, 256); },
                ::testing::ThrowsMessage<Error>(::testing::HasSubstr("do not divide d_in")));
    EXPECT_THAT([&] { kern::derive_quant(a, m, Phase::kDecode, LinearRole::kQ, 256); },
                ::testing::ThrowsMessage<Error>(::testing::HasSubstr("do not divide")));
}

TEST(KernelParams, RejectsDinBeyondBuffer) {
    const auto a = kern::load_arch_config("tiny_a");
    const auto m = golden::load_model_config("tiny");
    EXPECT_THAT([&] { kern::derive_linear(a, m, Phase::kPrefill, LinearRole::kDown, 128); },
                ::testing::ThrowsMessage<Error>(::testing::HasSubstr("exceeds the engine")));
}

TEST(KernelParams, PadsOutputToEngineColumns) {
    const auto b = kern::load_arch_config("tiny_b");
    const auto m = golden::load_model_config("tiny");
    const auto p = kern::derive_linear(b, m, Phase::kPrefill, LinearRole::kQ, 256);
    EXPECT_EQ(p.shape.cols(), 12);
    EXPECT_EQ(p.d_out_pad, 72);
    EXPECT_EQ(p.n_cb, 6);
}

}  // namespace
}  // namespace flexllm::csim
