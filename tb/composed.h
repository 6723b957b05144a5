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
    std::string csim;  // the stages' C-sim on the same golden stimulus: "ok" or the first
                       // stage that diverged (a failure), "n/a" when a shape has no C-sim
                       // instantiation and "skipped" without CaseOptions::run_csim (neither
                       // fails the run: the RTL is still checked against golden)
    // The problem size: the first stage's tokens and d_in, the last stage's d_out.
    int tokens = 0, d_in = 0, d_out = 0;
    // The clean run again from another randomized initial state agreed (verdict, beats, cycles).
    bool x_safe = true;
    int stall_runs = 0;   // stall profiles run (fewer than asked when one failed)
    std::string failure;  // one line, empty when passed
    std::string waves;    // FST (+ .gtkw) written on failure
};

// Runs `top` on the stages' golden tensors: a clean run (its cycles checked against the chain
// model) and the same from another randomized initial state, then `opt.stall_profiles` seeded
// stall profiles; with `waves_dir`, a failure is re-run with FST tracing from `wave_window`
// cycles before its first divergence into <waves_dir>/<wave_stem>.fst (default stem: the module).
ComposedOutcome run_composed(const rtlgen::ComposedTop& top, const std::vector<CaseSpec>& stages,
                             const StageTensors& tensors, const golden::ModelConfig& m,
                             const CaseOptions& opt, const std::string& waves_dir = {},
                             uint64_t wave_window = 200, const std::string& wave_stem = {});

// The composed tops' regression cases: per config, phase and selected layer, one per (kind, role)
// of rtlgen::composed_roles(), ids <arch>/<phase>/L<layer>/<kind>/<role> (tiny_a/prefill/L1/
// attn_in/k, tiny_b/decode/L0/attn/attn). They need golden taps: their stages' tensors must chain.
std::vector<CaseSpec> composed_suite_cases(const std::vector<std::string>& archs,
                                           const std::vector<int>& layers);
bool is_composed_case(const CaseSpec& c);  // the stage is a composed top's kind, not a kernel
// Whether case `c` runs RTL of `variant`: a kernel case's own variant, or one of a top's stages.
bool case_runs_variant(const CaseSpec& c, const std::string& variant);
// A kernel case through run_case, a composed top's through run_composed (its stages' cases at the
// case's layer, the top mutated by opt.fault), reported alike: the module, the stages' C-sim, the
// RTL runs, the chain model's cycles where the stages have chain timing, the first divergence and
// the propagated ones in the failure line.
CaseOutcome run_suite_case(const CaseSpec& c, const StageTensors& tensors,
                           const golden::ModelConfig& m, const CaseOptions& opt,
                           const std::string& waves_dir = {}, uint64_t wave_window = 200);

}  // namespace flexllm::tb
