// Perf model vs RTL-measured cycles (DESIGN.md §8: |residual| <= 2% per stage). Runs the harness
// (`flexllm regress --stall-prob 0 --json`) on the generated RTL and reads any further records in
// $FLEXLLM_RTL_CYCLES (file or directory) or <build>/rtl_cycles/*.json. Without any measurement
// (RTL models not built) the comparison is skipped, never faked.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "golden/error.h"
#include "hls_src/arch_config.h"
#include "tb/perf/measured.h"

namespace flexllm::perf {
namespace {

using ::testing::HasSubstr;

// Every measurement available: a fresh regress run of the built RTL models, plus stored records.
std::vector<CycleRecord> gather_records(std::string& sources) {
    namespace fs = std::filesystem;
    std::error_code ec;
    std::vector<CycleRecord> out;
    auto add = [&](const std::string& path) {
        if (!fs::exists(path, ec)) return;
        auto recs = load_cycle_records(path);
        sources += fmt::format(" {} ({} records)", path, recs.size());
        out.insert(out.end(), recs.begin(), recs.end());
    };
    const std::string exe = std::string(FLEXLLM_BINARY_DIR) + "/flexllm";
    if (fs::exists(exe, ec)) {
        const std::string json = ::testing::TempDir() + "/flexllm_perf_regress.json";
        fs::remove(json, ec);
        // The exit code says whether every case passed; residuals are judged here either way.
        const int rc = std::system((exe + " regress --stall-prob 0 --json " + json + " > " +
                                    ::testing::TempDir() + "/flexllm_perf_regress.log 2>&1")
                                       .c_str());
        (void)rc;
        add(json);
    }
    if (const char* p = std::getenv("FLEXLLM_RTL_CYCLES"); p && *p)
        add(p);
    else
        add(std::string(FLEXLLM_BINARY_DIR) + "/rtl_cycles");
    return out;
}

TEST(RtlResidual, EveryMeasuredStageWithinTwoPercent) {
    std::string sources;
    const std::vector<CycleRecord> records = gather_records(sources);
    // The build always produces flexllm and the Verilated models: no measurement is a failure.
    ASSERT_FALSE(records.empty()) << "no RTL cycle measurements (build the Verilated models: "
                                     "FLEXLLM_RTL_ARCHS, or set FLEXLLM_RTL_CYCLES)";
    std::set<std::string> stages;
    for (const CycleRecord& r : records)
        stages.insert(r.stage.rfind("quant_token", 0) == 0 && r.stage != "quant_token" ? r.stage
                      : r.stage == "quant_token" ? "quant_token_" + r.phase
                                                 : r.stage);
    // Every stage with RTL is measured: both quant_token shapes and both linear engines.
    for (const char* s :
         {"quant_token_prefill", "quant_token_decode", "linear_prefill", "linear_decode"})
        EXPECT_TRUE(stages.count(s)) << s << " not measured; sources:" << sources;
    int bad = 0;
    for (const CycleRecord& r : records) {
        const Residual res = predict(r);
        if (!res.ok() && bad++ < 10)
            ADD_FAILURE() << fmt::format(
                "{}: {} {} tokens={} d_in={} d_out={} d={}: measured {} cycles, model {} "
                "(compute {}, memory {}, fill {}): residual {:+.2f}%",
                r.origin, r.stage, r.arch, r.tokens, r.d_in, r.d_out, r.d, r.cycles,
                res.predicted.total, res.predicted.compute, res.predicted.memory,
                res.predicted.fill, res.residual * 100);
    }
    EXPECT_EQ(bad, 0) << bad << " of " << records.size()
                      << " records beyond 2%; sources:" << sources;
}

// The comparison machinery itself, on records written here from hand-computed cycle counts.
class CycleRecords : public ::testing::Test {
  protected:
    std::string write(const std::string& json) {
        const std::string dir = ::testing::TempDir() + "/flexllm_cycles_test";
        std::filesystem::create_directories(dir);
        // One file per test: ctest may run the tests of this fixture in parallel.
        const std::string f =
            dir + "/" + ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".json";
        std::ofstream(f) << json;
        return f;
    }
};

TEST_F(CycleRecords, PredictsTheDocumentedFormulas) {
    // tiny_a decode: BP 4 x WP 8, 4 channels x 4 B, latency 8, efficiency 1: for 64 x 64 the
    // memory side is 160 cycles (2 blocks x 320 B per lane at 4 B/cycle) > compute 144;
    // total = 160 + 8 + kLinearDecode.fixed.
    const int64_t decode = 160 + 8 + fill::kLinearDecode.fixed;
    // tiny_a prefill quant_token, 4 tokens of 64 (TP 4): one group, 2 * 64 + per_block + fixed.
    const int64_t quant = 2 * 64 + fill::kQuantToken.per_block + fill::kQuantToken.fixed;
    const auto recs = load_cycle_records(write(fmt::format(
        R"({{"format": "flexllm-cycles-v1", "records": [
          {{"stage": "linear_decode", "arch": "tiny_a", "d_in": 64, "d_out": 64, "cycles": {}}},
          {{"stage": "quant_token", "arch": "tiny_a", "phase": "prefill", "tokens": 4, "d": 64,
            "cycles": {}}}]}})",
        decode, quant)));
    ASSERT_EQ(recs.size(), 2u);
    const Residual a = predict(recs[0]);
    EXPECT_EQ(a.predicted.total, decode);
    EXPECT_DOUBLE_EQ(a.residual, 0);
    EXPECT_TRUE(a.ok());
    EXPECT_EQ(predict(recs[1]).predicted.total, quant);
}

TEST_F(CycleRecords, FlagsResidualsBeyondTwoPercent) {
    const int64_t model = 160 + 8 + fill::kLinearDecode.fixed;
    const auto recs = load_cycle_records(write(fmt::format(
        R"({{"format": "flexllm-cycles-v1", "records": [
          {{"stage": "linear_decode", "arch": "tiny_a", "d_in": 64, "d_out": 64, "cycles": {}}},
          {{"stage": "linear_decode", "arch": "tiny_a", "d_in": 64, "d_out": 64, "cycles": {}}}]}})",
        model - 3, model + 20)));
    const Residual close = predict(recs[0]);  // 3 cycles under a ~170-cycle model: < 2%
    EXPECT_NEAR(close.residual, -3.0 / model, 1e-12);
    EXPECT_TRUE(close.ok());
    const Residual far = predict(recs[1]);  // 20 cycles over: > 2%
    EXPECT_NEAR(far.residual, 20.0 / model, 1e-12);
    EXPECT_FALSE(far.ok());
}

TEST_F(CycleRecords, ReadsRegressReports) {
    // Cases of `flexllm regress --json`: measured RTL cycles next to the harness's model value;
    // cases without an RTL measurement are not records. "layer" (null for the LM head) is not
    // part of the record.
    const auto recs = load_cycle_records(write(R"({"source": "golden tiny", "cases": [
        {"id": "tiny_a/decode/L0/linear/q", "arch": "tiny_a", "phase": "decode",
         "stage": "linear_decode", "role": "q", "layer": 0,
         "cycles": {"measured": 1010, "model": 1000}},
        {"id": "tiny_a/prefill/quant_token/lm_head", "arch": "tiny_a", "phase": "prefill",
         "stage": "quant_token_prefill", "role": "lm_head", "layer": null,
         "cycles": {"measured": 0, "model": 180}}],
        "passed": 2, "failed": 0})"));
    ASSERT_EQ(recs.size(), 1u);
    const Residual r = predict(recs[0]);
    EXPECT_EQ(r.predicted.total, 1000);
    EXPECT_NEAR(r.residual, 0.01, 1e-12);
    EXPECT_TRUE(r.ok());
}

TEST_F(CycleRecords, PrefillRolesSelectTheirEngine) {
    // tiny_a: K|Q WP 8 on 1 channel x 4 B; FFN WP 16 as 2 blocks of 8 on 2 channels x 4 B.
    // gate 64 -> 256 for 4 tokens: cols 16, 16 blocks of 2 + 64 + 4*2 = 74 -> compute 1184;
    // lane bytes 16 * (64*8/2 + 64) = 5120 at 4 B/cycle -> 1280 (memory); after the last weight
    // the wavefront crosses the 4 x 8 array, skew (4-1) + (8-1) = 10; + latency 8.
    const auto recs = load_cycle_records(write(
        R"({"format": "flexllm-cycles-v1", "records": [
          {"stage": "linear_prefill", "arch": "tiny_a", "role": "gate", "tokens": 4,
           "d_in": 64, "d_out": 256, "cycles": 1000}]})"));
    EXPECT_EQ(predict(recs[0]).predicted.total, 1280 + 10 + 8 + fill::kLinearPrefill.fixed);
}

TEST_F(CycleRecords, RejectsStaleAndMalformedRecords) {
    const kern::ArchParams a = kern::load_arch_config("tiny_a");
    const auto ok = load_cycle_records(write(fmt::format(
        R"({{"format": "flexllm-cycles-v1", "records": [{{"stage": "linear_decode",
           "arch": "tiny_a", "params_hash": "0x{:016x}", "d_in": 64, "d_out": 64, "cycles": 9}}]}})",
        kern::params_hash(a))));
    EXPECT_NO_THROW(predict(ok[0]));
    const auto stale = load_cycle_records(write(
        R"({"format": "flexllm-cycles-v1", "records": [{"stage": "linear_decode",
           "arch": "tiny_a", "params_hash": "0x1", "d_in": 64, "d_out": 64, "cycles": 9}]})"));
    EXPECT_THAT([&] { predict(stale[0]); },
                ::testing::ThrowsMessage<Error>(HasSubstr("stale record")));
    const auto unknown = load_cycle_records(write(
        R"({"format": "flexllm-cycles-v1", "records": [{"stage": "softmax", "arch": "tiny_a",
           "d": 64, "cycles": 9}]})"));
    EXPECT_THAT([&] { predict(unknown[0]); },
                ::testing::ThrowsMessage<Error>(HasSubstr("no model for stage 'softmax'")));
    EXPECT_THAT([&] { parse_cycle_records(R"({"records": []})", "x.json"); },
                ::testing::ThrowsMessage<Error>(HasSubstr("not a cycle record file")));
    EXPECT_THAT(
        [&] {
            parse_cycle_records(
                R"({"format": "flexllm-cycles-v1", "records": [{"stage": "quant_token",
                   "arch": "tiny_a", "d": 64, "cycles": -4}]})",
                "x.json");
        },
        ::testing::ThrowsMessage<Error>(HasSubstr("'cycles' must be a positive integer")));
}

}  // namespace
}  // namespace flexllm::perf
