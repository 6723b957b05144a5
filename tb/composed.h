// A composed top (rtl_gen/composed.h) against golden: the registry cases of its stages (one layer,
// one phase) merged into one bench -- the top's inputs get the first stages' golden stimulus,
// every tap and output port expects its stage's golden output, the golden tensors of each
// internal connection are checked to agree -- run on its Verilated model (built on demand), with
// a report that names the first divergence in causal order and labels the later ones propagated.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "golden/model_config.h"
#include "rtl_gen/composed.h"
#include "tb/cases.h"

namespace flexllm::tb {

// The registry case of each stage of `top` (its role at `layer` of `phase` on `arch`), in order.
std::vector<CaseSpec> composed_cases(const rtlgen::ComposedTop& top, const std::string& arch,
                                     kern::Phase phase, int layer);
// The top's bench from its stages' benches (in top.stages order); throws Error when a top port
// has no stage port, two stages set one scalar differently, or an internal connection's golden
// tensors differ (the stages' taps do not chain).
Bench composed_bench(const rtlgen::ComposedTop& top, const std::vector<CaseBench>& stages);

struct ComposedOutcome {
    std::string module;
    bool passed = false;
    RunResult rtl;                     // the clean run
    std::optional<RunResult> stalled;  // the first failing stall profile, else the first one
    // The clean run's cycles against the chain model of the stages (tb/perf/chain_model.h),
    // checked within CaseOptions::perf_tolerance; not available when a stage has no chain timing.
    PerfCheck perf;
    // The first divergence in causal order: the stage (instance), its port, tensor, coordinates,
    // GOT/EXP and cycle; then each later diverging port, labelled propagated.
    std::string first_divergence;
    std::vector<std::string> propagated;
    std::string csim;     // the stages' C-sim on the same golden stimulus: "ok" or the first
                          // stage that diverged (a failure), "n/a" when a shape has no C-sim
                          // instantiation and "skipped" without CaseOptions::run_csim (neither
                          // fails the run: the RTL is still checked against golden)
    std::string failure;  // one line, empty when passed
    std::string waves;    // FST (+ .gtkw) written on failure
};

// Runs `top` on the stages' golden tensors: a clean run (its cycles checked against the chain
// model), then `opt.stall_profiles` seeded stall profiles; with `waves_dir`, a failure is re-run
// with FST tracing around its first divergence.
ComposedOutcome run_composed(const rtlgen::ComposedTop& top, const std::vector<CaseSpec>& stages,
                             const StageTensors& tensors, const golden::ModelConfig& m,
                             const CaseOptions& opt, const std::string& waves_dir = {});

}  // namespace flexllm::tb
