// Harness building blocks and the harness on real Verilated RTL: packing, protocol checks (the
// DUT's tlast check, the monitor), the watchdog, determinism under stalls, stale-RTL refusal.
#include "tb/harness.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "golden/error.h"
#include "golden/model_config.h"
#include "hls_src/arch_config.h"
#include "tb/cases.h"
#include "tb/kernels/linear_data.h"
#include "tb/regress.h"

namespace flexllm::tb {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

TEST(Packing, RoundTripsSignedAndWideElements) {
    const int64_t e[5] = {-8, 7, 0, -1, 5};
    uint32_t w[1];
    pack_elems(e, 5, 4, w);
    for (int l = 0; l < 5; ++l) EXPECT_EQ(unpack_elem(w, l, 4, true), e[l]) << l;
    EXPECT_EQ(unpack_elem(w, 0, 4, false), 8);
    const int64_t wide[3] = {(int64_t{0x12345} << 32) | 0xfffffff0, 0, -2};
    uint32_t ww[6];
    pack_elems(wide, 3, 54, ww);
    EXPECT_EQ(unpack_elem(ww, 0, 54, false), wide[0]);
    EXPECT_EQ(unpack_elem(ww, 2, 54, true), -2);
}

TEST(Glob, MatchesTestIds) {
    EXPECT_TRUE(glob_match("*", "tiny_a/decode/L0/linear/q"));
    EXPECT_TRUE(glob_match("tiny_?/decode/*/q", "tiny_b/decode/L1/linear/q"));
    EXPECT_FALSE(glob_match("*/prefill/*", "tiny_a/decode/L0/linear/q"));
    // One glob selects a layer, another every decode linear including the LM head.
    EXPECT_TRUE(glob_match("*/L1/*", "tiny_a/prefill/L1/quant_token/up"));
    EXPECT_FALSE(glob_match("*/L1/*", "tiny_a/prefill/L11/quant_token/up"));
    EXPECT_TRUE(glob_match("*/decode/*linear/*", "tiny_a/decode/linear/lm_head"));
    EXPECT_TRUE(glob_match("*/decode/*linear/*", "tiny_a/decode/L1/linear/q"));
    EXPECT_FALSE(glob_match("*/decode/*linear/*", "tiny_a/decode/L1/quant_token/q"));
}

TEST(Regress, RejectsBadShardAndOptions) {
    RegressOptions o;
    o.shard = "3/2";
    EXPECT_THAT([&] { run_regress(o); }, ::testing::ThrowsMessage<Error>(HasSubstr("bad --shard")));
    o.shard = "x";
    EXPECT_THAT([&] { run_regress(o); }, ::testing::ThrowsMessage<Error>(HasSubstr("bad --shard")));
    o.shard = "0/1";
    o.waves = "sometimes";
    EXPECT_THAT([&] { run_regress(o); }, ::testing::ThrowsMessage<Error>(HasSubstr("bad --waves")));
    o.waves = "never";
    o.filter = "nothing*";
    o.explicit_options = {"filter", "arch"};
    EXPECT_THAT([&] { run_regress(o); },
                ::testing::ThrowsMessage<Error>(HasSubstr("no test matches")));
    o.filter = "*";
    o.fault = "bitrot";
    EXPECT_THAT([&] { run_regress(o); },
                ::testing::ThrowsMessage<Error>(HasSubstr("unknown fault kind 'bitrot'")));
    o.fault.clear();
    o.archs = {"no_such_arch"};
    EXPECT_THROW(run_regress(o), Error);
}

// --list prints what would run and runs nothing; --inject-fault runs only the cases that have
// the mutant, says how many it skipped, and is an error when none is selected.
TEST(Regress, ListsCasesAndSelectsTheMutantsCases) {
    RegressOptions o;
    o.list_only = true;
    o.filter = "tiny_b/decode/L1/*";
    o.explicit_options = {"filter"};
    const auto l = run_regress(o);
    EXPECT_TRUE(l.cases.empty());
    std::vector<std::string> want;
    for (const auto& c : suite_cases(apply_suite(o)))
        if (glob_match(o.filter, c.id())) want.push_back(c.id() + "\n");
    EXPECT_EQ(l.table, fmt::format("{}", fmt::join(want, "")));
    // Comma-separated globs select the union, each case once, in suite order.
    o.filter = "tiny_b/decode/L1/*,*/lm_head,tiny_b/decode/L1/rmsnorm/*";
    std::vector<std::string> any;
    for (const auto& c : suite_cases(apply_suite(o)))
        if (glob_match("tiny_b/decode/L1/*", c.id()) || glob_match("*/lm_head", c.id()))
            any.push_back(c.id() + "\n");
    ASSERT_GT(any.size(), want.size());
    EXPECT_EQ(run_regress(o).table, fmt::format("{}", fmt::join(any, "")));
    o.filter = "tiny_b/*,";
    EXPECT_THAT([&] { run_regress(o); },
                ::testing::ThrowsMessage<Error>(HasSubstr("--filter: empty item")));
    o.list_only = false;
    o.filter = "tiny_b/decode/L1/*";
    o.waves = "never";
    o.fault = "acc-bit";  // a mutant of linear_prefill_ffn
    o.filter = "tiny_a/prefill/L0/*";
    const auto r = run_regress(o);
    ASSERT_EQ(r.cases.size(), 3u);  // gate, up, down
    for (const auto& c : r.cases) EXPECT_EQ(c.spec.stage, "linear") << c.spec.id();
    size_t selected = 0;
    for (const auto& c : suite_cases(apply_suite(o))) selected += glob_match(o.filter, c.id());
    EXPECT_THAT(r.table, HasSubstr(fmt::format("--inject-fault acc-bit: {} of {} selected cases "
                                               "skipped",
                                               selected - 3, selected)));
    o.filter = "tiny_a/decode/L0/rmsnorm/*";
    EXPECT_THAT([&] { run_regress(o); }, ::testing::ThrowsMessage<Error>(
                                             HasSubstr("no selected case has a 'acc-bit' mutant")));
}

struct QuantBench {
    golden::ModelConfig m = golden::load_model_config("tiny");
    kern::ArchParams a = kern::load_arch_config("tiny_a");
    CaseSpec c{"tiny_a", kern::Phase::kDecode, "quant_token", "q", 0};
    LinearData st = [] {
        LinearData d;
        d.st = random_linear_stimulus(64, 8, 3, 5);
        return d;
    }();
    CaseBench b = build_bench(c, a, m, st);
};

RunResult run_quant(QuantBench& q, const RunOptions& ro) {
    auto dut = find_dut("quant_token_decode_tiny_a")(ro.seed);
    return run_dut(*dut, q.b, ro);
}

TEST(Harness, QuantTokenBitExactAndDeterministicUnderStalls) {
    QuantBench q;
    RunOptions ro;
    ro.stall_prob = ro.gap_prob = 0.4;
    ro.seed = 9;
    const RunResult a = run_quant(q, ro), b = run_quant(q, ro);
    EXPECT_TRUE(a.ok) << a.summary();
    EXPECT_EQ(a.cycles, b.cycles);
    EXPECT_EQ(a.stall_cycles(), b.stall_cycles());
    ro.seed = 10;
    const RunResult c = run_quant(q, ro);
    EXPECT_TRUE(c.ok) << c.summary();
    EXPECT_NE(a.cycles, c.cycles);  // a different stall pattern, the same results
    EXPECT_EQ(a.txns.size(), 3u);
}

// The decode GEMV's weight lanes share every channel of their memory group: with twice the
// channels per lane, a memory-bound call streams its weights twice as fast, as the perf model's
// pooled bandwidth says (lane l bound to channel l alone would leave the extra channels idle).
TEST(MemoryChannels, LanesShareEveryChannelOfTheirGroup) {
    const golden::ModelConfig m = golden::load_model_config("tiny");
    kern::ArchParams a = kern::load_arch_config("tiny_a");
    a.decode.weight_mem.bytes_per_cycle = 1;  // memory-bound: 4 lanes x 32 weight bytes per beat
    a.decode.weight_mem.latency_cycles = 0;
    const CaseSpec c{"tiny_a", kern::Phase::kDecode, "linear", "gate", 0};
    LinearData st;
    st.st = random_linear_stimulus(64, 256, 1, 7);
    auto cycles = [&](int channels) {
        a.decode.weight_mem.channels = channels;
        const CaseBench b = build_bench(c, a, m, st);
        auto dut = find_dut("linear_decode_tiny_a")(1);
        const RunResult r = run_dut(*dut, b, RunOptions{});
        EXPECT_TRUE(r.ok) << r.summary();
        EXPECT_NEAR(static_cast<double>(r.measured()), static_cast<double>(b.model_cycles),
                    0.02 * static_cast<double>(b.model_cycles))
            << channels << " channels";
        return static_cast<double>(r.measured());
    };
    const double one_per_lane = cycles(4), two_per_lane = cycles(8);
    EXPECT_NEAR(two_per_lane / one_per_lane, 0.5, 0.02);
}

// The embedding's decode case: its table answers m_axis_rd through a read channel.
struct EmbedBench {
    golden::ModelConfig m = golden::load_model_config("tiny");
    kern::ArchParams a = kern::load_arch_config("tiny_a");
    CaseSpec c{"tiny_a", kern::Phase::kDecode, "embedding", "embed", -1};
    std::shared_ptr<const StageData> d =
        find_kernel("embedding").random_data(c, m, RandomSpec{3, 4, 2});
    CaseBench b = build_bench(c, a, m, *d);
    RunResult run(const RunOptions& ro = {}) {
        auto dut = find_dut(module_name(c))(ro.seed);
        return run_dut(*dut, b, ro);
    }
};

TEST(ReadChannel, AnswersRequestsAfterTheLatencyAndUnderStalls) {
    EmbedBench e;
    ASSERT_EQ(e.b.reads.size(), 1u);
    const RunResult base = e.run();
    ASSERT_TRUE(base.ok) << base.summary();
    // The first row waits for the memory latency: 100 more cycles of it cost exactly 100 more.
    e.b.mem[0].latency += 100;
    const RunResult slow = e.run();
    ASSERT_TRUE(slow.ok) << slow.summary();
    EXPECT_EQ(slow.measured(), base.measured() + 100);
    // Half the channel bandwidth: the rows take longer, the answers stay right.
    e.b.mem[0].bytes_per_cycle /= 2;
    EXPECT_GT(e.run().measured(), slow.measured());
    RunOptions ro;
    ro.stall_prob = ro.gap_prob = 0.3;
    const RunResult stalled = e.run(ro);
    EXPECT_TRUE(stalled.ok) << stalled.summary();
    bool response_stats = false;
    for (const auto& p : stalled.ports)
        response_stats = response_stats || (p.port == "s_axis_rd" && p.beats > 0);
    EXPECT_TRUE(response_stats);
}

TEST(ReadChannel, ARequestOutsideTheImageIsAFindingAndAWrongRowADivergence) {
    EmbedBench e;
    // The table image one row short: the last row (token 0's id is vocab - 1) is not there.
    auto& img = e.b.reads[0].image;
    img.resize(img.size() - static_cast<size_t>(e.m.hidden));
    RunResult r = e.run();
    EXPECT_FALSE(r.ok);
    ASSERT_FALSE(r.protocol.empty());
    EXPECT_THAT(r.protocol.front(), HasSubstr("outside the memory image"));
    // A wrong element in memory: the scoreboard localizes it in the output, not the request.
    EmbedBench f;
    f.b.reads[0].image[static_cast<size_t>(f.m.vocab - 1) * f.m.hidden + 5] ^= 4;
    r = f.run();
    ASSERT_TRUE(r.first.has_value()) << r.summary();
    EXPECT_EQ(r.first->port, "m_axis_x");
    EXPECT_EQ(r.first->coord.token, 0);
    EXPECT_EQ(r.first->coord.channel, 5);
    EXPECT_EQ(r.mismatches, 1u);
}

TEST(Harness, DutFlagsMisplacedInputTlast) {
    QuantBench q;
    q.b.inputs[0].last[3] = 1;  // a tlast in the middle of the token
    const RunResult r = run_quant(q, RunOptions{});
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(r.status_err);
}

TEST(Harness, ScoreboardReportsFirstDivergenceCoordinates) {
    QuantBench q;
    q.b.outputs[0].elems[4 * 2 + 1] ^= 1;  // beat 2, lane 1 = token 0, channel 9
    const RunResult r = run_quant(q, RunOptions{});
    ASSERT_TRUE(r.first.has_value());
    EXPECT_EQ(r.first->port, "m_axis_q");
    EXPECT_EQ(r.first->beat, 2u);
    EXPECT_EQ(r.first->coord.token, 0);
    EXPECT_EQ(r.first->coord.channel, 9);
    EXPECT_EQ(r.mismatches, 1u);
    EXPECT_THAT(r.summary(), HasSubstr("token 0 channel 9"));
}

TEST(Harness, MonitorChecksOutputTlastPlacement) {
    QuantBench q;
    q.b.outputs[0].last[15] = 0;
    q.b.outputs[0].last[14] = 1;
    const RunResult r = run_quant(q, RunOptions{});
    ASSERT_FALSE(r.protocol.empty());
    EXPECT_THAT(r.protocol[0], HasSubstr("tlast"));
}

// The failure line names what happened first: a tlast misplaced before the first data mismatch
// is reported ahead of it, one after it behind it.
TEST(Harness, AProtocolViolationBeforeTheFirstDivergenceIsNamedFirst) {
    QuantBench q;
    q.b.outputs[0].last[15] = 0;
    q.b.outputs[0].last[14] = 1;            // expected at beat 14: the DUT's is "misplaced"
    q.b.outputs[0].elems[4 * 15 + 2] ^= 1;  // and beat 15 diverges, after it
    const RunResult before = run_quant(q, RunOptions{});
    ASSERT_TRUE(before.first.has_value() && before.protocol_cycle.has_value());
    EXPECT_LT(*before.protocol_cycle, before.first->cycle);
    EXPECT_THAT(before.summary(), ::testing::StartsWith("protocol: m_axis_q: tlast=0 on beat 14"));
    EXPECT_THAT(before.summary(), HasSubstr("before the first divergence on m_axis_q"));

    QuantBench p;
    p.b.outputs[0].last[15] = 0;
    p.b.outputs[0].last[14] = 1;
    p.b.outputs[0].elems[4 * 2 + 1] ^= 1;  // beat 2 diverges, before the tlast at 14
    const RunResult after = run_quant(p, RunOptions{});
    EXPECT_THAT(after.summary(), ::testing::StartsWith("first divergence on m_axis_q"));
}

TEST(Harness, WatchdogNamesTheStarvedPort) {
    QuantBench q;
    q.b.inputs[0].words.resize(q.b.inputs[0].words.size() - q.b.inputs[0].words_per_beat);
    q.b.inputs[0].last.pop_back();  // one input beat never comes
    RunOptions ro;
    ro.watchdog_cycles = 300;
    const RunResult r = run_quant(q, ro);
    EXPECT_FALSE(r.ok);
    EXPECT_THAT(r.watchdog, HasSubstr("m_axis_q"));
    EXPECT_THAT(r.watchdog, HasSubstr("watchdog"));
}

TEST(Harness, CycleBudgetStopsTheRun) {
    QuantBench q;
    RunOptions ro;
    ro.cycle_budget = 50;
    const RunResult r = run_quant(q, ro);
    EXPECT_TRUE(r.budget_exceeded);
    EXPECT_THAT(r.summary(), HasSubstr("budget"));
}

TEST(Manifest, RejectsStaleRtl) {
    const fs::path tmp = fs::temp_directory_path() / "flexllm_stale_rtl";
    fs::remove_all(tmp);
    fs::create_directories(tmp / "tiny_a");
    const std::string mod = "linear_decode_tiny_a";
    nlohmann::json j;
    std::ifstream(fs::path(default_rtl_dir()) / "tiny_a" / (mod + ".json")) >> j;
    const kern::ArchParams a = kern::load_arch_config("tiny_a");
    EXPECT_NO_THROW(check_manifest(default_rtl_dir(), a, mod, 64));
    j["params_hash"] = "0123456789abcdef";
    std::ofstream(tmp / "tiny_a" / (mod + ".json")) << j.dump();
    EXPECT_THAT([&] { check_manifest(tmp.string(), a, mod, 64); },
                ::testing::ThrowsMessage<Error>(HasSubstr("stale RTL")));
    EXPECT_THAT([&] { check_manifest(default_rtl_dir(), a, mod, 100000); },
                ::testing::ThrowsMessage<Error>(HasSubstr("buffers d_in up to")));
    EXPECT_THAT([&] { check_manifest(tmp.string(), kern::load_arch_config("tiny_b"), mod, 64); },
                ::testing::ThrowsMessage<Error>(HasSubstr("no generated RTL manifest")));
    fs::remove_all(tmp);
}

}  // namespace
}  // namespace flexllm::tb
