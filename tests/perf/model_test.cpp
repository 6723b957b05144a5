// Whole-model FPGA projections: bounds derived by hand from the engine formulas, properties (more
// parallelism never slower, bandwidth-bound decode scales with channels), and bad input.
#include "tb/perf/model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "golden/error.h"
#include "hls_src/arch_config.h"
#include "tb/perf/options.h"

namespace flexllm::perf {
namespace {

using ::testing::HasSubstr;

class Llama : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        design_ = new Design(load_design("llama-3.2-1b", "u280_mem_opt"));
        run_ = new FpgaRun(run_fpga(*design_, Workload{1024, 1024}));
    }
    static void TearDownTestSuite() {
        delete run_;
        delete design_;
    }
    static Design* design_;
    static FpgaRun* run_;
};
Design* Llama::design_ = nullptr;
FpgaRun* Llama::run_ = nullptr;

TEST_F(Llama, PrefillIsBoundByTheTimeSharedKqEngine) {
    // K|Q engine per 8-token tile: K = ceil(512/24) = 22 channel blocks, Q = ceil(2048/24) = 86,
    // each at least d_in = 2048 reduction cycles -> 221,184 per tile; 128 tiles x 16 layers:
    const double engine_bound = 16.0 * 128 * 108 * 2048;  // 452,984,832
    EXPECT_GE(run_->prefill.cycles, engine_bound);
    // With every block's 1 + 8 parameter and output beats serial (2057 cycles): 454,975,488;
    // + pipeline fill, LM head and sampling stay within 0.5%.
    EXPECT_LE(run_->prefill.cycles, 1.005 * 16.0 * 128 * 108 * 2057);
    // DESIGN.md §5 ideal l_p * d_in * d_out / (TP * WP) over K and Q: 16 layers.
    const double ideal = 16.0 * 1024 * 2048 * (2048 + 512) / (8 * 24);
    EXPECT_LE(run_->prefill.cycles, 1.03 * ideal);
}

TEST_F(Llama, DecodeIsBoundByTheWeightStream) {
    // Weights per layer padded to 1024 columns: q 2048, k 1024, v 1024, o 2048 (d_in 2048),
    // gate 8192, up 8192 (d_in 2048), down 2048 (d_in 8192) channels:
    //   (2048*2048*2 + 1024*2048*2 + 8192*2048*2 + 2048*8192) / 2 = 31,457,280 B
    //   + 24,576 channels * 8 B = 196,608 B  -> 31,653,888 B per layer;
    // LM head 126 blocks = 129,024 channels: 129,024*2048/2 + 129,024*8 = 133,152,768 B.
    // 16 * 31,653,888 + 133,152,768 = 639,614,976 B at 16 * 32 * 0.9 = 460.8 B/cycle.
    const double bound = 639614976.0 / 460.8;
    EXPECT_GE(run_->decode.first_step_cycles, bound);
    EXPECT_LE(run_->decode.first_step_cycles, 1.15 * bound);  // + attention, vector stages
    for (const auto& u : run_->decode.units) {
        if (u.name == "d.gemv") {
            EXPECT_EQ(u.memory_bound_calls, u.calls);
        }
    }
}

TEST_F(Llama, DecodeStepGrowsWithTheKvCache) {
    // From 1025 to 2047 keys: 1022 more keys x 16 layers x 10.25 attention cycles per key
    // (4 head passes x 2 + one pass of 2 + 2/8 + 2 - 2; see attention_decode_cycles).
    const double growth = 1022.0 * 16 * 10.25;
    EXPECT_NEAR(static_cast<double>(run_->decode.last_step_cycles - run_->decode.first_step_cycles),
                growth, 0.01 * growth);
}

TEST_F(Llama, FiguresComposeAsDocumented) {
    const FpgaRun& r = *run_;
    EXPECT_DOUBLE_EQ(r.e2e_s, r.ttft_s + r.handoff_s + r.decode_s);
    EXPECT_DOUBLE_EQ(r.decode_tokens_per_s, 1023 / r.decode_s);
    EXPECT_DOUBLE_EQ(r.decode_s, r.decode.cycles / 300e6);
    // Energy: static power over the whole request is a lower bound; MACs and HBM bits add.
    const double static_j = design_->device.static_w * r.e2e_s;
    EXPECT_GT(r.energy_per_token_j * 1024, static_j);
    EXPECT_NEAR(r.energy_per_token_j * 1024, r.prefill_energy_j + r.decode_energy_j, 1e-9);
    EXPECT_GT(r.avg_power_w, design_->device.static_w);
    // The decode group holds every decode weight, the LM head and the KV cache of 2048 tokens.
    const ChannelGroup& g = r.plan.group("decode");
    EXPECT_EQ(g.count, 16);
    EXPECT_EQ(g.tensors[2].bytes, 2048LL * 2 * 512 * 16);
    EXPECT_FALSE(r.plan.prefill_overlays_decode);  // 16 + 1 + 1 + 3*3 = 27 <= 32 channels
}

TEST(Model, BandwidthBoundDecodeScalesWithChannels) {
    Design d = load_design("llama-3.2-1b", "u280_mem_opt");
    d.arch.decode.weight_mem.channels = 4;
    const FpgaRun r4 = run_fpga(d, Workload{64, 8});
    d.arch.decode.weight_mem.channels = 8;
    const FpgaRun r8 = run_fpga(d, Workload{64, 8});
    const double ratio = r8.decode_s / r4.decode_s;
    EXPECT_GT(ratio, 0.5);  // at most halves
    EXPECT_LT(ratio, 0.6);  // and nearly halves: the GEMV weight stream dominates
}

// Doubling one parameter of a design whose engine columns divide every layer width never makes
// prefill or decode slower, except for the systolic prefill arrays' wavefront: a larger TP or WP
// adds its growth to the skew (TP + WP - 2) of every prefill linear stage, once per stage.
TEST(Model, MoreParallelismIsNeverSlower) {
    const Design base = load_design("small", "tiny_a");
    const Workload w{64, 16};
    const FpgaRun r0 = run_fpga(base, w);
    struct Knob {
        const char* name;
        std::function<void(kern::ArchParams&)> grow;
    };
    const std::vector<Knob> knobs = {
        {"prefill.tp", [](auto& a) { a.prefill.tp *= 2; }},
        {"prefill.kq_wp", [](auto& a) { a.prefill.kq_wp *= 2; }},
        {"prefill.vo_wp", [](auto& a) { a.prefill.vo_wp *= 2; }},
        {"prefill.ffn_wp", [](auto& a) { a.prefill.ffn_wp *= 2; }},
        {"prefill.attn_tp", [](auto& a) { a.prefill.attn_tp *= 2; }},
        {"prefill.attn_kv", [](auto& a) { a.prefill.attn_kv *= 2; }},
        {"prefill.lanes", [](auto& a) { a.prefill.lanes *= 2; }},
        {"decode.bp", [](auto& a) { a.decode.bp *= 2; }},
        {"decode.wp", [](auto& a) { a.decode.wp *= 2; }},
        {"decode.heads_parallel", [](auto& a) { a.decode.heads_parallel *= 2; }},
        {"decode.kv_parallel", [](auto& a) { a.decode.kv_parallel *= 2; }},
        {"decode.lanes", [](auto& a) { a.decode.lanes *= 2; }},
        {"decode channels", [](auto& a) { a.decode.weight_mem.channels *= 2; }},
    };
    const auto& p0 = base.arch.prefill;
    for (const auto& k : knobs) {
        Design d = base;
        k.grow(d.arch);
        const auto& p = d.arch.prefill;
        const int grown_skew =
            (p.tp - p0.tp) + std::max({p.kq_wp - p0.kq_wp, p.vo_wp - p0.vo_wp,
                                       p.ffn_wp / p.ffn_blocks - p0.ffn_wp / p0.ffn_blocks});
        // 7 linear stages per layer plus the LM head, each paying the skew once.
        const double skew_s =
            grown_skew * (7.0 * base.model.layers + 1) / (base.arch.clock_mhz * 1e6);
        const FpgaRun r = run_fpga(d, w);
        EXPECT_LE(r.ttft_s, r0.ttft_s + skew_s) << k.name;
        EXPECT_LE(r.decode_s, r0.decode_s) << k.name;
        EXPECT_LE(r.e2e_s, r0.e2e_s + skew_s) << k.name;
    }
    // The paper's engines: doubling the U280 prefill TP halves the K|Q-bound prefill (nearly).
    Design u = load_design("llama-3.2-1b", "u280_mem_opt");
    const double t1 = run_fpga(u, Workload{256, 2}).prefill.cycles;
    u.arch.prefill.tp *= 2;
    const double t2 = run_fpga(u, Workload{256, 2}).prefill.cycles;
    EXPECT_LT(t2, 0.55 * t1);
}

TEST(Model, SystemChoicesOrderAsExpected) {
    const Design base = load_design("llama-3.2-1b", "u280_mem_opt");
    const Workload w{256, 8};
    const FpgaRun three = run_fpga(base, w);
    Design one = base;
    one.options.ffn_engines = 1;  // gate, up, down share one engine: that engine is the bottleneck
    EXPECT_GT(run_fpga(one, w).ttft_s, 1.5 * three.ttft_s);
    Design fused = base;
    fused.options.fuse_decode_projections = true;  // k and v no longer padded to 1024 columns
    EXPECT_LT(run_fpga(fused, w).decode_s, three.decode_s);
}

TEST(Model, EveryBuiltinArchRunsOnItsDevice) {
    for (const auto& name : kern::builtin_arch_names()) {
        const Design d = load_design(name.rfind("tiny", 0) == 0 ? "tiny" : "llama-3.2-1b", name);
        const FpgaRun r = run_fpga(d, Workload{32, 4});
        EXPECT_GT(r.ttft_s, 0) << name;
        EXPECT_GT(r.decode_tokens_per_s, 0) << name;
    }
}

TEST(Model, RejectsPromptBeyondMaxPositions) {
    const Design d = load_design("tiny", "tiny_a");  // 256 positions
    EXPECT_THAT(
        [&] {
            run_fpga(d, Workload{200, 100});
        },
        ::testing::ThrowsMessage<Error>(HasSubstr("exceeds the 256 max positions")));
    EXPECT_THAT(
        [&] {
            run_fpga(d, Workload{0, 10});
        },
        ::testing::ThrowsMessage<Error>(HasSubstr("prompt-len must be >= 1")));
}

TEST(Model, RejectsParametersThatDoNotDivide) {
    Design d = load_design("llama-3.2-1b", "u280_mem_opt");
    d.arch.decode.weight_mem.channels = 3;  // 16 lanes on 3 channels
    EXPECT_THAT(
        [&] {
            run_fpga(d, Workload{8, 2});
        },
        ::testing::ThrowsMessage<Error>(HasSubstr("must divide one another")));
    d = load_design("llama-3.2-1b", "u280_mem_opt");
    d.arch.decode.heads_parallel = 3;  // GQA group 4
    EXPECT_THAT(
        [&] {
            run_fpga(d, Workload{8, 2});
        },
        ::testing::ThrowsMessage<Error>(HasSubstr("GQA group")));
    d = load_design("llama-3.2-1b", "u280_mem_opt");
    d.arch.decode.lanes = 3;
    EXPECT_THAT(
        [&] {
            run_fpga(d, Workload{8, 2});
        },
        ::testing::ThrowsMessage<Error>(HasSubstr("does not divide the layer input")));
    d = load_design("llama-3.2-1b", "u280_mem_opt");
    d.arch.prefill.ffn_mem.channels = 2;  // 3 blocks
    EXPECT_THAT(
        [&] {
            run_fpga(d, Workload{8, 2});
        },
        ::testing::ThrowsMessage<Error>(HasSubstr("prefill.ffn_blocks")));
}

TEST(Model, RejectsWhatTheMemoryCannotHold) {
    Design d = load_design("llama-3.2-1b", "u280_mem_opt");
    d.device.channel_capacity_mib = 16;  // 38 MiB of decode weights per channel would not fit
    EXPECT_THAT(
        [&] {
            run_fpga(d, Workload{8, 2});
        },
        ::testing::ThrowsMessage<Error>(HasSubstr("more than its 16 MiB")));
    d = load_design("llama-3.2-1b", "u280_mem_opt");
    d.arch.decode.weight_mem.channels = 64;
    d.arch.decode.bp = 64;
    EXPECT_THAT(
        [&] {
            run_fpga(d, Workload{8, 2});
        },
        ::testing::ThrowsMessage<Error>(HasSubstr("needs 64 channels")));
}

TEST(Model, RejectsUnknownAndMismatchedDevices) {
    EXPECT_THAT([] { load_fpga_device("no_such_card"); },
                ::testing::ThrowsMessage<Error>(HasSubstr("unknown device 'no_such_card'")));
    EXPECT_THAT([] { load_fpga_device("a100"); },
                ::testing::ThrowsMessage<Error>(HasSubstr("is a GPU profile")));
    EXPECT_THAT([] { load_gpu_device("u280"); },
                ::testing::ThrowsMessage<Error>(HasSubstr("needs a GPU profile")));
}

}  // namespace
}  // namespace flexllm::perf
