// HMT long-context prefill: linear in segments, full attention superlinear, bad configs rejected.
#include "tb/perf/hmt.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "golden/error.h"
#include "hls_src/arch_config.h"
#include "tb/perf/options.h"

namespace flexllm::perf {
namespace {

using ::testing::HasSubstr;

class HmtLlama : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        report_ = new HmtReport(
            run_hmt(load_design("llama-3.2-1b", "u280_mem_opt"), HmtConfig{}, nullptr));
    }
    static void TearDownTestSuite() { delete report_; }
    static const HmtRow& row(int segments) {
        for (const auto& r : report_->rows)
            if (r.segments == segments) return r;
        throw std::runtime_error("no row");
    }
    static HmtReport* report_;
};
HmtReport* HmtLlama::report_ = nullptr;

TEST_F(HmtLlama, RowsDoubleUpToTheMaximum) {
    std::vector<int> segs;
    for (const auto& r : report_->rows) segs.push_back(r.segments);
    EXPECT_EQ(segs, (std::vector<int>{1, 2, 4, 8, 16, 32, 64}));
    EXPECT_EQ(row(64).tokens, 64 * 990);
    // 990 + 32 sensory + 2 memory-prompt tokens = 1024; 64 * 990 / 1024 = 61.875.
    EXPECT_EQ(report_->cfg.window(), 1024);
    EXPECT_DOUBLE_EQ(report_->context_extension, 61.875);
}

TEST_F(HmtLlama, HmtIsLinearInSegments) {
    // Once more than 1 segment: every segment costs the same (memories <= 64 keep recall tiny).
    const double per32 = (row(64).hmt_s - row(32).hmt_s) / 32;
    const double per16 = (row(32).hmt_s - row(16).hmt_s) / 16;
    EXPECT_NEAR(per32, per16, 0.001 * per16);
}

TEST_F(HmtLlama, FullAttentionIsQuadraticOnceAttentionDominates) {
    EXPECT_LT(row(2).full_s / row(1).full_s, 2.3);    // linear layers dominate short prompts
    EXPECT_GT(row(64).full_s / row(32).full_s, 3.5);  // the causal attention square dominates
    double prev = 0;
    for (const auto& r : report_->rows) {
        EXPECT_TRUE(r.full_note.empty()) << r.segments << ": " << r.full_note;
        EXPECT_GT(r.speedup, prev) << r.segments;  // HMT pays off more the longer the prompt
        prev = r.speedup;
    }
    EXPECT_GT(row(64).speedup, 5);
}

TEST(Hmt, FullAttentionBeyondThePositionsIsANoteNotAFailure) {
    // tiny has 256 positions: 4 segments of 100 tokens cannot be one full-attention prompt.
    HmtConfig c;
    c.segment_len = 100;
    c.sensory = 8;
    c.memories = 4;
    c.max_segments = 4;
    const HmtReport r = run_hmt(load_design("tiny", "tiny_a"), c, nullptr);
    ASSERT_EQ(r.rows.size(), 3u);
    EXPECT_TRUE(r.rows[1].full_note.empty());  // 200 tokens fit
    EXPECT_THAT(r.rows[2].full_note, HasSubstr("exceeds the 256 max positions"));
    EXPECT_GT(r.rows[2].hmt_s, 0);
}

TEST(Hmt, RejectsBadConfigs) {
    const Design d = load_design("tiny", "tiny_a");
    HmtConfig c;  // 1024-token window > 256 positions
    EXPECT_THAT([&] { run_hmt(d, c, nullptr); },
                ::testing::ThrowsMessage<Error>(HasSubstr("exceeds the 256 max positions")));
    c = HmtConfig{};
    c.segment_len = 0;
    EXPECT_THAT([&] { run_hmt(d, c, nullptr); },
                ::testing::ThrowsMessage<Error>(HasSubstr("segment length must be >= 1")));
    c = HmtConfig{};
    c.segment_len = 100;
    c.memories = 0;
    EXPECT_THAT([&] { run_hmt(d, c, nullptr); },
                ::testing::ThrowsMessage<Error>(HasSubstr("cached memories")));
}

}  // namespace
}  // namespace flexllm::perf
