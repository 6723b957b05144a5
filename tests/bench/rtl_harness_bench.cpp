// Harness overhead: simulated cycles/s of the full harness (drivers, memory-channel model,
// monitors, scoreboard, tracer, watchdog) vs a bare Verilator loop on the same model
// (linear_decode_tiny_a). DESIGN.md §8 target: full >= 0.8x bare. Also the regression wall time.
#include <benchmark/benchmark.h>

#include <chrono>

#include "Vlinear_decode_tiny_a.h"
#include "golden/model_config.h"
#include "hls_src/arch_config.h"
#include "tb/cases.h"
#include "tb/harness.h"
#include "tb/kernels/linear_data.h"
#include "tb/regress.h"

namespace {

using namespace flexllm;

// The bare loop: every input valid, new weight data each cycle, every output ready, clock toggled.
void BM_BareVerilatorLoop(benchmark::State& state) {
    auto ctx = std::make_unique<VerilatedContext>();
    auto m = std::make_unique<Vlinear_decode_tiny_a>(ctx.get(), "TOP");
    m->cfg_d_in = 64;  // the same role as BM_FullHarness (gate: d_in 64, 8 channel blocks)
    m->cfg_n_cb = 8;
    m->rst = 1;
    for (int i = 0; i < 4; ++i) {
        m->clk = 0;
        m->eval();
        m->clk = 1;
        m->eval();
    }
    m->rst = 0;
    m->s_axis_act_tvalid = m->s_axis_zr_tvalid = m->s_axis_chan_tvalid = 1;
    m->s_axis_w0_tvalid = m->s_axis_w1_tvalid = m->s_axis_w2_tvalid = m->s_axis_w3_tvalid = 1;
    m->s_axis_w0_tdata = 0x12345678;
    m->s_axis_w1_tdata = 0x9abcdef0;
    m->s_axis_w2_tdata = 0x0f1e2d3c;
    m->s_axis_w3_tdata = 0x4b5a6978;
    m->s_axis_act_tdata = 0x7531;
    m->s_axis_zr_tdata = (uint64_t{1000} << 32) | 5;
    m->m_axis_y_tready = 1;
    uint64_t cycles = 0;
    uint32_t lcg = 12345;
    for (auto _ : state) {
        for (int i = 0; i < 10000; ++i) {
            // Like VERILATOR_NOTES' minimal loop: fresh weights every cycle (no handshake logic).
            lcg = lcg * 1664525u + 1013904223u;
            m->s_axis_w0_tdata = lcg;
            m->s_axis_w1_tdata = lcg ^ 0x9abcdef0u;
            m->s_axis_w2_tdata = lcg + 0x0f1e2d3cu;
            m->s_axis_w3_tdata = ~lcg;
            m->clk = 0;
            m->eval();
            m->clk = 1;
            m->eval();
        }
        cycles += 10000;
    }
    benchmark::DoNotOptimize(m->m_axis_y_tdata);
    state.counters["cycles_per_s"] =
        benchmark::Counter(static_cast<double>(cycles), benchmark::Counter::kIsRate);
    m->final();
}
BENCHMARK(BM_BareVerilatorLoop)->Unit(benchmark::kMillisecond);

// The full harness on the gate role (decode, 64 tokens as 64 transactions), memory model on.
void BM_FullHarness(benchmark::State& state) {
    const auto model = golden::load_model_config("tiny");
    const auto arch = kern::load_arch_config("tiny_a");
    const tb::CaseSpec c{"tiny_a", kern::Phase::kDecode, "linear", "gate", 0};
    tb::LinearData st;
    st.st = tb::random_linear_stimulus(64, 256, 64, 7);
    const auto bench = tb::build_bench(c, arch, model, st);
    tb::RunOptions ro;
    ro.stall_prob = state.range(0) / 100.0;
    ro.gap_prob = ro.stall_prob;
    ro.cycle_budget = 100'000'000;
    const auto make = tb::find_dut("linear_decode_tiny_a");
    uint64_t cycles = 0;
    bool ok = true;
    for (auto _ : state) {
        state.PauseTiming();
        auto dut = make(1);
        state.ResumeTiming();
        const auto r = tb::run_dut(*dut, bench, ro);
        cycles += r.cycles;
        ok = ok && r.ok;
        state.PauseTiming();
        dut.reset();
        state.ResumeTiming();
    }
    if (!ok) state.SkipWithError("harness run failed");
    state.counters["cycles_per_s"] =
        benchmark::Counter(static_cast<double>(cycles), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_FullHarness)->Arg(0)->Arg(20)->Unit(benchmark::kMillisecond);

// Wall time of the default regression (64 cases: golden model run, C-sim, two RTL runs each).
void BM_DefaultRegression(benchmark::State& state) {
    for (auto _ : state) {
        tb::RegressOptions o;
        o.waves = "never";
        o.jobs = static_cast<int>(state.range(0));
        const auto r = tb::run_regress(o);
        if (r.exit_code != 0) state.SkipWithError("regression failed");
    }
}
BENCHMARK(BM_DefaultRegression)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
