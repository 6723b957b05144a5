// Engine efficiency of the generated RTL: measured cycles (no stalls, ideal weight feed) vs the
// ideal formulas of DESIGN.md §5 — prefill l*d_in*d_out/(TP*WP), decode d_in*d_out/(BP*WP) per
// token — reported as (measured - fill) / ideal with fill = the last block's drain + handshakes
// (+ the prefill wavefront's skew)
// (target <= 1.05). Counters: measured, ideal, fill, ratio, ratio_padded (ideal with d_out rounded
// up to the engine's columns: tiny_b's WP = 12 / 24 pad 64 outputs to 72).
// The attention and sampling engines against their streaming ideal: one beat per cycle on the
// port that sets the rate (the key / value / score / logit stream, the KV cache's words and its
// write lanes), seeded random stimulus of a 16-token prefill and the last two decode positions
// of the context; ratio = (measured - fill.fixed) / ideal.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "golden/model_config.h"
#include "hls_src/arch_config.h"
#include "tb/cases.h"
#include "tb/harness.h"
#include "tb/kernels/linear_data.h"
#include "tb/perf/pipeline_fill.h"
#include "tb/perf/stage_model.h"

namespace {

using namespace flexllm;

void engine(benchmark::State& state, const std::string& arch_name, kern::Phase phase,
            kern::LinearRole role, int tokens) {
    const auto model = golden::load_model_config("tiny");
    const auto arch = kern::load_arch_config(arch_name);
    const tb::CaseSpec c{arch_name, phase, "linear", std::string(kern::role_name(role)),
                         role == kern::LinearRole::kLmHead ? -1 : 0};
    const auto d = kern::role_dims(model, role);
    tb::LinearData st;
    st.st = tb::random_linear_stimulus(d.d_in, d.d_out, tokens, 11);
    const auto bench = tb::build_bench(c, arch, model, st);
    const auto lp = kern::derive_linear(arch, model, phase, role, kern::max_d_in(model));
    tb::RunOptions ro;
    ro.use_memory_model = false;
    const auto make = tb::find_dut(tb::module_name(c));
    tb::RunResult r;
    for (auto _ : state) {
        auto dut = make(1);
        r = tb::run_dut(*dut, bench, ro);
    }
    if (!r.ok) state.SkipWithError(r.summary().c_str());
    const double par = phase == kern::Phase::kPrefill
                           ? static_cast<double>(arch.prefill.tp) * lp.shape.cols()
                           : static_cast<double>(arch.decode.bp) * arch.decode.wp;
    const double ideal = static_cast<double>(tokens) * d.d_in * d.d_out / par;
    // Last drain + in/out registers, + the systolic wavefront's skew (prefill: rows + wp - 2).
    const int skew = phase == kern::Phase::kPrefill ? lp.shape.rows - 1 + lp.shape.wp - 1 : 0;
    const double fill = lp.shape.rows * lp.shape.lanes + 2 + skew;
    state.counters["measured"] = static_cast<double>(r.measured());
    state.counters["ideal"] = ideal;
    state.counters["fill"] = fill;
    state.counters["ratio"] = (static_cast<double>(r.measured()) - fill) / ideal;
    // The same against the padded output dimension (WP not dividing d_out costs whole columns).
    state.counters["ratio_padded"] =
        (static_cast<double>(r.measured()) - fill) / (ideal * lp.d_out_pad / d.d_out);
}

// Beats of input `port` of the bench (or of an output when no input has that name).
double port_beats(const tb::CaseBench& b, const std::string& port) {
    for (const auto& s : b.inputs)
        if (s.port == port) return static_cast<double>(s.beats());
    for (const auto& e : b.outputs)
        if (e.port == port) return static_cast<double>(e.beats());
    return 0;
}

void attention_engine(benchmark::State& state, const std::string& arch_name, kern::Phase phase,
                      const std::string& stage, const std::string& role) {
    const auto model = golden::load_model_config("tiny");
    const auto arch = kern::load_arch_config(arch_name);
    const tb::CaseSpec c{arch_name, phase, stage, role,
                         stage == "sample" || stage == "embedding" ? -1 : 0};
    const auto data = tb::find_kernel(stage).random_data(c, model, tb::RandomSpec{5, 16, 2});
    const auto bench = tb::build_bench(c, arch, model, *data);
    tb::RunOptions ro;
    ro.use_memory_model = false;
    const auto make = tb::find_dut(tb::module_name(c));
    tb::RunResult r;
    for (auto _ : state) {
        auto dut = make(1);
        r = tb::run_dut(*dut, bench, ro);
    }
    if (!r.ok) state.SkipWithError(r.summary().c_str());
    double ideal = 0, fill = 0;
    if (stage == "attn_scores") {
        ideal = port_beats(bench, "s_axis_k");
        fill = perf::fill::kAttnScores.fixed;
    } else if (stage == "softmax") {
        // The fixed fill and the largest group's exp and emit passes, which follow its last
        // score (the row maximum and the sum exist only then).
        ideal = port_beats(bench, "s_axis_s");
        int64_t run = 0, largest = 0;
        for (const auto& in : bench.inputs)
            if (in.port == "s_axis_s")
                for (uint8_t l : in.last) {
                    ++run;
                    if (l) largest = std::max(largest, std::exchange(run, 0));
                }
        fill = perf::fill::kSoftmax.fixed + 2.0 * static_cast<double>(largest);
    } else if (stage == "attn_context") {
        ideal = port_beats(bench, "s_axis_v");
        fill = perf::fill::kAttnContext.fixed;
    } else if (stage == "embedding") {
        // After the first output beat (the token, the requests, the group's rows before its
        // last, the bank read), one output beat per cycle; the harness's read channel answers
        // unpaced here, one cycle after each request.
        const auto s = kern::vector_shape(arch, phase, kern::max_d_in(model));
        kern::MemChannelParams unpaced;
        unpaced.bytes_per_cycle = 1 << 20;
        unpaced.latency_cycles = 1;
        ideal = port_beats(bench, "m_axis_x");
        fill = static_cast<double>(
            perf::embed_cycles(bench.tokens, model.hidden, s.tokens, s.lanes, unpaced).first_out);
    } else if (stage == "kv_cache") {
        const int lanes = kern::vector_shape(arch, phase, kern::max_d_in(model)).lanes;
        ideal = port_beats(bench, "m_axis_kv") + port_beats(bench, "s_axis_x") * lanes;
        fill = perf::fill::kKvCache.fixed;
    } else {
        ideal = port_beats(bench, "s_axis_logits");
        fill = perf::fill::kSample.fixed;
    }
    state.counters["measured"] = static_cast<double>(r.measured());
    state.counters["ideal"] = ideal;
    state.counters["ratio"] = (static_cast<double>(r.measured()) - fill) / ideal;
}

void register_all() {
    for (const char* a : {"tiny_a", "tiny_b"})
        for (auto p : {kern::Phase::kPrefill, kern::Phase::kDecode})
            for (const auto& [stage, role] :
                 std::vector<std::pair<std::string, std::string>>{{"embedding", "embed"},
                                                                  {"kv_cache", "k"},
                                                                  {"attn_scores", "attn"},
                                                                  {"softmax", "attn"},
                                                                  {"attn_context", "attn"},
                                                                  {"sample", "greedy"},
                                                                  {"sample", "topk"}}) {
                if (stage == "sample" && p == kern::Phase::kPrefill) continue;
                benchmark::RegisterBenchmark(
                    fmt::format("{}/{}/{}/{}", kern::phase_name(p), a, stage, role).c_str(),
                    [=](benchmark::State& s) { attention_engine(s, a, p, stage, role); })
                    ->Iterations(1);
            }
    for (const char* a : {"tiny_a", "tiny_b"})
        for (auto role : {kern::LinearRole::kQ, kern::LinearRole::kK, kern::LinearRole::kGate,
                          kern::LinearRole::kDown, kern::LinearRole::kLmHead}) {
            benchmark::RegisterBenchmark(
                fmt::format("prefill/{}/{}", a, kern::role_name(role)).c_str(),
                [=](benchmark::State& s) { engine(s, a, kern::Phase::kPrefill, role, 16); })
                ->Iterations(1);
            benchmark::RegisterBenchmark(
                fmt::format("decode/{}/{}", a, kern::role_name(role)).c_str(),
                [=](benchmark::State& s) { engine(s, a, kern::Phase::kDecode, role, 1); })
                ->Iterations(1);
        }
}

}  // namespace

int main(int argc, char** argv) {
    register_all();
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
