// Golden reference speed (DESIGN.md §8 context; issue "Foundation" item 8):
//   BM_SmallDecodeTokens: decode tokens/s of the integer reference on the `small` model.
//   BM_Llama1BLayerDecodeStep: one full-size Llama-3.2-1B decoder layer, one decode step (ms),
//   at context position 1024 (prompt of 1024 already in the KV cache).
// Run: build/bench/golden_bench (or ci/bench.sh).
#include <benchmark/benchmark.h>

#include "golden/model_ref.h"
#include "golden/quantize.h"

namespace flexllm::golden {
namespace {

void BM_SmallDecodeTokens(benchmark::State& state) {
    QuantizeOptions o;
    o.positions = 1024;
    o.calib_prompts = 1;
    static const Prepared p = prepare_model(synthetic_weights(load_model_config("small"), 1), o);
    std::vector<int> prompt(64, 7);
    IntModel m(p.qm, 1024);
    m.forward(prompt, "prefill", {});
    int tok = 1;
    for (auto _ : state) {
        if (m.position() >= 1024) {
            state.PauseTiming();
            m = IntModel(p.qm, 1024);
            m.forward(prompt, "prefill", {});
            state.ResumeTiming();
        }
        auto logits = m.forward(std::span<const int>(&tok, 1), "decode", {});
        tok = argmax_ref(logits);
        benchmark::DoNotOptimize(tok);
    }
    state.counters["tokens/s"] =
        benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SmallDecodeTokens)->Unit(benchmark::kMillisecond)->MinTime(2.0);

void BM_Llama1BLayerDecodeStep(benchmark::State& state) {
    // One decoder layer of the full-size model (the LM head and the other 15 layers are excluded
    // so the weights fit comfortably; a layer is what the accelerator repeats 16 times).
    ModelConfig c = load_model_config("llama-3.2-1b");
    c.layers = 1;
    c.vocab = 256;
    c.name = "llama-3.2-1b-one-layer";
    QuantizeOptions o;
    o.positions = 1025;
    o.calib_prompts = 1;
    o.calib_len = 8;
    static const Prepared p = prepare_model(synthetic_weights(c, 1), o);
    IntModel m(p.qm, 1025);
    std::vector<int> prompt(1024);
    for (int i = 0; i < 1024; ++i) prompt[i] = i % c.vocab;
    m.forward(prompt, "prefill", {});
    int tok = 3;
    for (auto _ : state) {
        state.PauseTiming();
        IntModel step = m;  // the same 1024-token cache every iteration (copy not timed)
        state.ResumeTiming();
        benchmark::DoNotOptimize(step.forward(std::span<const int>(&tok, 1), "decode", {}));
    }
}
BENCHMARK(BM_Llama1BLayerDecodeStep)->Unit(benchmark::kMillisecond)->Iterations(5);

}  // namespace
}  // namespace flexllm::golden

BENCHMARK_MAIN();
