// The co-verification suite: golden vs C-sim vs Verilated RTL for every stage x role x config,
// bit-exact under stalls, cycles within 2% of the perf model; and the fault-injection self-test.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "golden/error.h"
#include "golden/model_config.h"
#include "golden/ops_ref.h"
#include "tb/cases.h"
#include "tb/regress.h"

namespace flexllm::tb {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

TEST(GoldenTaps, MatchTheReferenceOps) {
    // The regression's stimulus comes from the golden model's taps; check they are what the
    // reference ops compute from each other (the taps and the ops agree on every role).
    const auto st = golden_stage_tensors("tiny", 1, 8, 2);
    for (auto p : {kern::Phase::kPrefill, kern::Phase::kDecode})
        for (auto r : kern::kAllRoles) {
            const auto& s = st.get(p, r);
            ASSERT_FALSE(s.x.empty());
            for (size_t t = 0; t < s.x.size(); ++t) {
                const auto q = golden::quant_token_ref(s.x[t]);
                EXPECT_EQ(q.q, s.xq[t].q) << kern::role_name(r);
                EXPECT_EQ(q.zero, s.xq[t].zero);
                std::vector<int32_t> y(s.w.d_out);
                golden::linear_ref(s.w, s.xq[t], y);
                EXPECT_EQ(y, s.y[t]) << kern::role_name(r) << " token " << t;
            }
        }
}

TEST(Cosim, DefaultSuiteIsBitExactAndWithinTwoPercent) {
    RegressOptions o;  // the default: golden taps, tiny_a + tiny_b, stall-prob 0.2
    o.waves = "never";
    o.jobs = 2;
    const auto r = run_regress(o);
    std::cout << r.table;  // model vs measured cycles of every case
    EXPECT_EQ(r.cases.size(), 64u);
    EXPECT_EQ(r.exit_code, 0) << r.table;
    for (const auto& c : r.cases) {
        EXPECT_TRUE(c.passed) << c.spec.id() << ": " << c.failure;
        EXPECT_EQ(c.csim, "ok") << c.spec.id();
        ASSERT_TRUE(c.stalled.has_value());
        EXPECT_TRUE(c.stalled->ok) << c.spec.id();
        EXPECT_GT(c.stalled->measured(), c.rtl.measured()) << c.spec.id();  // stalls were applied
        EXPECT_LE(std::abs(c.perf.residual), 0.02) << c.spec.id();
    }
}

TEST(Cosim, RandomStimulusOddSeedsHeavyStalls) {
    for (uint64_t seed : {3u, 17u}) {
        RegressOptions o;
        o.source = "random";
        o.seed = seed;
        o.stall_prob = 0.5;
        o.explicit_options = {"source", "stall-prob"};
        o.waves = "never";
        o.jobs = 2;
        const auto r = run_regress(o);
        EXPECT_EQ(r.exit_code, 0) << r.table;
    }
}

TEST(Cosim, SmokeSuiteFromTomlAndSuiteFile) {
    RegressOptions o;
    o.suite = "smoke";
    o.waves = "never";
    const auto r = run_regress(o);
    EXPECT_EQ(r.exit_code, 0) << r.table;
    EXPECT_EQ(r.cases.size(), 8u);  // tiny_a, decode, linear, 8 roles
    const auto path = fs::temp_directory_path() / "flexllm_suite_test.toml";
    std::ofstream(path)
        << "name = \"x\"\narchs = \"tiny_b\"\nfilter = \"*/prefill/quant_token/q\"\n"
           "source = \"random\"\n";
    o.suite = path.string();
    const auto r2 = run_regress(o);
    ASSERT_EQ(r2.cases.size(), 1u);
    EXPECT_EQ(r2.cases[0].spec.id(), "tiny_b/prefill/quant_token/q");
    std::ofstream(path) << "name = \"x\"\nbogus = 1\n";
    EXPECT_THAT([&] { run_regress(o); }, ::testing::ThrowsMessage<Error>(HasSubstr("bogus")));
    // 2^32 + 1 must not wrap to 1 on the way into an int.
    std::ofstream(path) << "name = \"x\"\nprompt_len = 4294967297\n";
    EXPECT_THAT([&] { run_regress(o); },
                ::testing::ThrowsMessage<Error>(HasSubstr("prompt_len must be in 1..2^24")));
    o.suite = "no_such_suite";
    EXPECT_THROW(run_regress(o), Error);
    fs::remove(path);
}

TEST(Cosim, ShardsPartitionTheSuite) {
    size_t total = 0;
    for (int i = 0; i < 3; ++i) {
        RegressOptions o;
        o.shard = std::to_string(i) + "/3";
        o.filter = "tiny_b/*";
        o.explicit_options = {"filter"};
        o.waves = "never";
        total += run_regress(o).cases.size();
    }
    EXPECT_EQ(total, 32u);
}

// Fault self-test: every mutant must fail the regression, and the report must point at it.
struct FaultCase {
    const char* fault;
    const char* test;
    const char* expect;  // substring of the failure report
};

void PrintTo(const FaultCase& f, std::ostream* os) { *os << f.fault << " on " << f.test; }

class FaultInjection : public ::testing::TestWithParam<FaultCase> {};

TEST_P(FaultInjection, RegressionCatchesTheMutant) {
    const FaultCase& f = GetParam();
    const fs::path dir = fs::temp_directory_path() / (std::string("flexllm_fault_") + f.fault);
    fs::remove_all(dir);
    RegressOptions o;
    o.fault = f.fault;
    o.filter = f.test;
    o.explicit_options = {"filter"};
    o.waves_dir = dir.string();
    const auto r = run_regress(o);
    ASSERT_EQ(r.cases.size(), 1u);
    EXPECT_EQ(r.exit_code, 1);
    const auto& c = r.cases[0];
    EXPECT_FALSE(c.passed);
    EXPECT_EQ(c.csim, "ok");  // the C++ kernel is fine: only the RTL diverged
    EXPECT_THAT(c.failure, HasSubstr(c.spec.stage_name()));
    EXPECT_THAT(c.failure, HasSubstr(f.expect));
    EXPECT_THAT(c.failure, HasSubstr("only the RTL diverged"));
    // The deterministic re-run wrote a waveform and a save file that GTKWave's reader opens.
    ASSERT_FALSE(c.waves.empty());
    EXPECT_TRUE(fs::exists(c.waves));
    const std::string gtkw = c.waves.substr(0, c.waves.size() - 4) + ".gtkw";
    EXPECT_TRUE(fs::exists(gtkw));
    if (std::system("command -v fst2vcd > /dev/null 2>&1") == 0) {
        const std::string cmd = "fst2vcd '" + c.waves + "' 2>&1 | grep -c 'm_axis_y_tvalid'";
        FILE* p = popen(cmd.c_str(), "r");
        char buf[64] = {};
        ASSERT_NE(fgets(buf, sizeof buf, p), nullptr);
        pclose(p);
        EXPECT_GE(std::atoi(buf), 1) << "fst2vcd could not read " << c.waves;
    }
    fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(
    Mutants, FaultInjection,
    ::testing::Values(
        // A flipped accumulator bit in PE (1, 2): the first divergence is token 1, channel 2.
        FaultCase{"acc-bit", "tiny_a/prefill/linear/gate", "token 1 channel 2"},
        // A dropped output beat: beat 1 carries beat 2's channels.
        FaultCase{"drop-beat", "tiny_a/decode/linear/q", "m_axis_y (y) beat 1"},
        // Weight lanes 0 and 1 swapped: channel 0 (lane 0) is the first wrong output.
        FaultCase{"swap-lanes", "tiny_a/decode/linear/q", "channel 0"},
        // s_axis_zr's tready stuck low: the watchdog names it first.
        FaultCase{"stuck-tready", "tiny_a/decode/linear/q", "stuck: s_axis_zr (tvalid=1 tready=0"}),
    [](const auto& info) {
        std::string n = info.param.fault;
        n.erase(std::remove(n.begin(), n.end(), '-'), n.end());
        return n;
    });

}  // namespace
}  // namespace flexllm::tb
