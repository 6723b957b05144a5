// Composed tops against golden: the FFN activation path (swiglu -> fht -> quant_token), the
// attention input path (rmsnorm -> quant_token -> a projection, its weights through the memory
// channels) and the attention engines (Q.K^T -> softmax -> A.V) as Verilated tops, bit-exact at
// their taps and outputs under stalls; a fault inside one stage is reported at that stage first and
// its downstream ports as propagated, with a waveform whose save file shows the taps.
#include "rtl_gen/composed.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "golden/model_config.h"
#include "hls_src/arch_config.h"
#include "tb/composed.h"
#include "tests/unit/file_test_support.h"

namespace flexllm::tb {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

const golden::ModelConfig& tiny() {
    static const golden::ModelConfig m = golden::load_model_config("tiny");
    return m;
}

// Layer 1's golden taps, prefill of 8 and two decode steps (seeded top-8, as the default suite).
const StageTensors& golden_layer1() {
    static const StageTensors t = golden_stage_tensors("tiny", 1, 8, 2, {{1}, false, false}, 8);
    return t;
}

rtlgen::ComposedTop ffn_act(const std::string& arch, kern::Phase p, const std::string& fault = {}) {
    return rtlgen::ffn_act_top(kern::load_arch_config(arch), kern::model_bounds(tiny()), p, fault);
}

CaseOptions stalled() {
    CaseOptions o;
    o.run.stall_prob = o.run.gap_prob = 0.3;
    o.stall_profiles = 2;
    return o;
}

// Both configs and both phases, two tops (each is Verilated on demand: about 15 s of CI time).
class ComposedFfnAct : public ::testing::TestWithParam<std::pair<const char*, kern::Phase>> {};

TEST_P(ComposedFfnAct, IsBitExactAtEveryTapUnderStalls) {
    const auto [arch, p] = GetParam();
    const auto top = ffn_act(arch, p);
    const auto stages = composed_cases(top, arch, p, 1);
    const ComposedOutcome r = run_composed(top, stages, golden_layer1(), tiny(), stalled());
    EXPECT_TRUE(r.passed) << r.module << ": " << r.failure;
    EXPECT_EQ(r.csim, "ok") << r.module;
    // The clean run's cycles are the chain model's (the stages' own formulas, composed).
    ASSERT_TRUE(r.perf.available) << r.module;
    EXPECT_EQ(r.perf.measured, r.perf.model) << r.module;
    // Every tap and output saw every beat its stage's golden tensor has.
    ASSERT_EQ(r.rtl.ports.size(), 6u) << r.module;  // g, u in; q, zr out; two taps
    for (const auto& s : r.rtl.ports) EXPECT_EQ(s.beats, s.expected) << s.port;
    ASSERT_TRUE(r.stalled) << r.module;
    EXPECT_GT(r.stalled->stall_cycles(), 0u) << r.module;
    // Without C-sim the report says so, and the RTL's verdict stands alone.
    CaseOptions no_csim = stalled();
    no_csim.run_csim = false;
    const ComposedOutcome s = run_composed(top, stages, golden_layer1(), tiny(), no_csim);
    EXPECT_EQ(s.csim, "skipped");
    EXPECT_TRUE(s.passed) << s.failure;
}

INSTANTIATE_TEST_SUITE_P(Configs, ComposedFfnAct,
                         ::testing::Values(std::pair{"tiny_a", kern::Phase::kPrefill},
                                           std::pair{"tiny_b", kern::Phase::kDecode}),
                         [](const auto& info) {
                             return std::string(info.param.first) + "_" +
                                    std::string(kern::phase_name(info.param.second));
                         });

TEST(Composed, AFaultInOneStageIsReportedThereFirstAndDownstreamAsPropagated) {
    const std::string waves = flexllm::testing::temp_path("composed", "waves", "");
    // fht_decode's round-floor: the fht tap diverges first, the quantizer's outputs after it;
    // the swiglu tap stays clean.
    const auto top = ffn_act("tiny_a", kern::Phase::kDecode, "round-floor");
    const auto stages = composed_cases(top, "tiny_a", kern::Phase::kDecode, 1);
    const ComposedOutcome r =
        run_composed(top, stages, golden_layer1(), tiny(), CaseOptions{}, waves);
    ASSERT_FALSE(r.passed);
    EXPECT_THAT(r.first_divergence, HasSubstr("stage fht (fht_decode, m_axis_y of ffn)"));
    EXPECT_THAT(r.first_divergence, HasSubstr("on m_axis_tap_fht_y"));
    EXPECT_THAT(r.failure, HasSubstr("[C-sim ok: only the RTL diverged]"));
    ASSERT_FALSE(r.propagated.empty());
    for (const auto& p : r.propagated) {
        EXPECT_THAT(p, HasSubstr("stage quant")) << p;
        EXPECT_THAT(p, HasSubstr("(propagated)")) << p;
    }
    for (const auto& s : r.rtl.port_first) EXPECT_NE(s.port, "m_axis_tap_swiglu_h");
    // The waveform's save file groups the taps (observe-only: no tready) with the ports.
    ASSERT_FALSE(r.waves.empty());
    EXPECT_TRUE(fs::exists(r.waves));
    std::ifstream g(fs::path(r.waves).replace_extension(".gtkw"));
    std::stringstream text;
    text << g.rdbuf();
    EXPECT_THAT(text.str(), HasSubstr("m_axis_tap_fht_y_tvalid"));
    EXPECT_THAT(text.str(), ::testing::Not(HasSubstr("m_axis_tap_fht_y_tready")));
}

rtlgen::ComposedTop attn_in(const std::string& arch, kern::Phase p, const std::string& role,
                            const std::string& fault = {}) {
    return rtlgen::attn_in_top(kern::load_arch_config(arch), kern::model_bounds(tiny()), p, role,
                               fault);
}

// The prefill K|Q engine serving k at tiny_a, the decode GEMV serving v at tiny_b.
class ComposedAttnIn
    : public ::testing::TestWithParam<std::tuple<const char*, kern::Phase, const char*>> {};

TEST_P(ComposedAttnIn, IsBitExactAtEveryTapUnderStallsWithWeightsFromMemory) {
    const auto [arch, p, role] = GetParam();
    const auto top = attn_in(arch, p, role);
    const auto stages = composed_cases(top, arch, p, 1);
    const ComposedOutcome r = run_composed(top, stages, golden_layer1(), tiny(), stalled());
    EXPECT_TRUE(r.passed) << r.module << ": " << r.failure;
    EXPECT_EQ(r.csim, "ok") << r.module;
    // x, the weight streams and the channel parameters in; y out; three taps; every beat seen.
    const int weights = p == kern::Phase::kDecode ? kern::load_arch_config(arch).decode.bp : 1;
    ASSERT_EQ(r.rtl.ports.size(), static_cast<size_t>(1 + weights + 1 + 1 + 3)) << r.module;
    for (const auto& s : r.rtl.ports) EXPECT_EQ(s.beats, s.expected) << s.port;
    ASSERT_TRUE(r.stalled) << r.module;
    EXPECT_GT(r.stalled->stall_cycles(), 0u) << r.module;
}

INSTANTIATE_TEST_SUITE_P(Configs, ComposedAttnIn,
                         ::testing::Values(std::tuple{"tiny_a", kern::Phase::kPrefill, "k"},
                                           std::tuple{"tiny_b", kern::Phase::kDecode, "v"}),
                         [](const auto& info) {
                             return std::string(std::get<0>(info.param)) + "_" +
                                    std::string(kern::phase_name(std::get<1>(info.param))) + "_" +
                                    std::get<2>(info.param);
                         });

TEST(Composed, TheProjectionTopIsNamedByItsEngineAndServesItsRoles) {
    EXPECT_EQ(attn_in("tiny_a", kern::Phase::kPrefill, "q").module.name,
              "attn_in_prefill_kq_tiny_a");
    EXPECT_EQ(attn_in("tiny_a", kern::Phase::kPrefill, "k").module.name,
              "attn_in_prefill_kq_tiny_a");
    EXPECT_EQ(attn_in("tiny_a", kern::Phase::kPrefill, "v").module.name,
              "attn_in_prefill_vo_tiny_a");
    EXPECT_EQ(attn_in("tiny_b", kern::Phase::kDecode, "q").module.name, "attn_in_decode_tiny_b");
    flexllm::testing::expect_error([] { attn_in("tiny_a", kern::Phase::kDecode, "gate"); },
                                   {"gate", "q, k or v"});
}

TEST(Composed, AFaultInTheNormIsReportedBeforeTheQuantizerAndTheProjection) {
    // rmsnorm_decode's rsqrt-bit: the norm tap diverges first; the quantizer's taps and the
    // projection's output carry it, each labelled propagated.
    const auto top = attn_in("tiny_a", kern::Phase::kDecode, "q", "rsqrt-bit");
    const auto stages = composed_cases(top, "tiny_a", kern::Phase::kDecode, 1);
    const ComposedOutcome r = run_composed(top, stages, golden_layer1(), tiny(), CaseOptions{});
    ASSERT_FALSE(r.passed);
    EXPECT_THAT(r.first_divergence, HasSubstr("stage norm (rmsnorm_decode, m_axis_y of attn)"));
    EXPECT_THAT(r.first_divergence, HasSubstr("on m_axis_tap_norm_y"));
    std::vector<std::string> later;
    for (const auto& d : r.propagated) {
        EXPECT_THAT(d, HasSubstr("(propagated)")) << d;
        later.push_back(d.substr(0, d.find(" (")));
    }
    EXPECT_THAT(later, ::testing::IsSupersetOf({"stage quant", "stage proj"}));
}

rtlgen::ComposedTop attn(const std::string& arch, kern::Phase p, const std::string& fault = {}) {
    return rtlgen::attn_top(kern::load_arch_config(arch), kern::model_bounds(tiny()), p, fault);
}

// The attention engines: Q.K^T -> softmax -> A.V, prefill at tiny_b (its KP/VP) and decode at
// tiny_a, every head and the whole context of each step.
class ComposedAttn : public ::testing::TestWithParam<std::pair<const char*, kern::Phase>> {};

TEST_P(ComposedAttn, IsBitExactAtEveryTapUnderStalls) {
    const auto [arch, p] = GetParam();
    const auto top = attn(arch, p);
    const auto stages = composed_cases(top, arch, p, 1);
    const ComposedOutcome r = run_composed(top, stages, golden_layer1(), tiny(), stalled());
    EXPECT_TRUE(r.passed) << r.module << ": " << r.failure;
    EXPECT_EQ(r.csim, "ok") << r.module;
    // Three headers, q, k, c2, the context multipliers and v in; ctx out; two taps.
    ASSERT_EQ(r.rtl.ports.size(), 11u) << r.module;
    for (const auto& s : r.rtl.ports) {
        EXPECT_EQ(s.beats, s.expected) << s.port;
        EXPECT_GT(s.beats, 0u) << s.port;
    }
    ASSERT_TRUE(r.stalled) << r.module;
    EXPECT_GT(r.stalled->stall_cycles(), 0u) << r.module;
}

INSTANTIATE_TEST_SUITE_P(Configs, ComposedAttn,
                         ::testing::Values(std::pair{"tiny_b", kern::Phase::kPrefill},
                                           std::pair{"tiny_a", kern::Phase::kDecode}),
                         [](const auto& info) {
                             return std::string(info.param.first) + "_" +
                                    std::string(kern::phase_name(info.param.second));
                         });

TEST(Composed, AFaultInTheSoftmaxIsReportedAfterCleanScoresAndBeforeTheContext) {
    // softmax_decode's p8-floor: the softmax tap diverges first, the context after it; the
    // scores tap stays clean.
    const auto top = attn("tiny_b", kern::Phase::kDecode, "p8-floor");
    const auto stages = composed_cases(top, "tiny_b", kern::Phase::kDecode, 1);
    const ComposedOutcome r = run_composed(top, stages, golden_layer1(), tiny(), CaseOptions{});
    ASSERT_FALSE(r.passed);
    EXPECT_THAT(r.first_divergence, HasSubstr("stage softmax (softmax_decode, m_axis_p of attn)"));
    EXPECT_THAT(r.first_divergence, HasSubstr("on m_axis_tap_softmax_p"));
    EXPECT_THAT(r.failure, HasSubstr("[C-sim ok: only the RTL diverged]"));
    ASSERT_FALSE(r.propagated.empty());
    for (const auto& d : r.propagated) {
        EXPECT_THAT(d, HasSubstr("stage context")) << d;
        EXPECT_THAT(d, HasSubstr("(propagated)")) << d;
    }
    for (const auto& s : r.rtl.port_first) EXPECT_NE(s.port, "m_axis_tap_scores_s");
}

TEST(Composed, FaultOfAStageTheTopDoesNotInstantiateIsAnError) {
    flexllm::testing::expect_error([] { ffn_act("tiny_a", kern::Phase::kDecode, "sum-bit"); },
                                   {"sum-bit", "residual_decode", "ffn_act_decode_tiny_a"});
    flexllm::testing::expect_error([] { ffn_act("tiny_a", kern::Phase::kPrefill, "round-floor"); },
                                   {"round-floor", "fht_decode"});
}

}  // namespace
}  // namespace flexllm::tb
