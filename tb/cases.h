// Regression cases of every registry kernel (tb/kernel_registry.h): (config, phase, layer, stage,
// role). A case builds the port stimuli and expectations from golden tensors, runs the C-sim and
// the Verilated RTL engines through one scoreboard, compares bit-exactly, traces cycles and
// compares them with the performance model.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "golden/model_config.h"
#include "hls_src/kernel_params.h"
#include "hls_src/params.h"
#include "tb/harness.h"
#include "tb/kernel_registry.h"

namespace flexllm::tb {

// The decoder layers a suite drives and whether it drives the embedding before them and the LM
// head after them. Spelled "all" (the embedding, every layer and the LM head) or a comma list of
// layer indices, "embed" and/or "lm_head" ("0,1", "embed,0", "1,lm_head").
struct LayerSelection {
    std::vector<int> layers;  // ascending, each once
    bool embed = false;
    bool lm_head = false;
    std::string describe() const;  // "embed, layers 0,1 and lm_head", "layer 1", "lm_head"
};
// Throws Error "<what> '<spec>': <reason>" for a malformed list, a repeated entry or a layer
// outside 0..m.layers-1. `what` names the source: "--layers", "<suite>: layers", a test id.
LayerSelection parse_layers(const std::string& spec, const golden::ModelConfig& m,
                            const std::string& what);

// The stage tensors of the selected layers' cases of every kernel, both phases: from the golden
// model (tapped) or seeded random. Keyed by CaseSpec::data_key (shared by every config).
struct StageTensors {
    std::string source;  // e.g. "golden tiny synthetic:1, layers 0,1 and lm_head, ..."
    std::map<std::string, std::shared_ptr<const StageData>> data;
    // Throws Error when the suite did not collect that case's layer.
    const StageData& get(const CaseSpec& c) const;
};
// Runs the golden model (synthetic weights) and collects the selected layers' taps (and those of
// the roles after the last layer) for prefill of `prompt_len` tokens and the first
// `decode_tokens` decode steps.
StageTensors golden_stage_tensors(const std::string& model, uint64_t weight_seed, int prompt_len,
                                  int decode_tokens, const LayerSelection& layers);
// The same from a golden run already made or read back from a .gv file (load_golden_run);
// `source` describes it in reports.
StageTensors golden_stage_tensors(const golden::GoldenRun& run, int decode_tokens,
                                  const LayerSelection& layers, std::string source);
StageTensors random_stage_tensors(const golden::ModelConfig& m, uint64_t seed, int prompt_len,
                                  int decode_tokens, const LayerSelection& layers);

struct CaseOptions {
    RunOptions run;  // stall/gap probabilities, seed, budget, watchdog
    // Stall profiles run after the clean run (when stalls or gaps are on): seeds seed, seed + 1,
    // ...; the case fails on the first that fails. A handshake bug that one stall pattern misses,
    // another catches.
    int stall_profiles = 3;
    bool check_perf = true;  // fail when |residual| > perf_tolerance (only without stalls)
    double perf_tolerance = 0.02;
    std::string fault;    // run the mutant <module>_fault_<kind> instead
    std::string rtl_dir;  // generated RTL root (manifests); default: the build's
    bool run_csim = true;
    bool waves_always = false;  // trace every case (whole clean run), not only failures
};

struct PerfCheck {
    bool available = false;
    int64_t model = 0;
    int64_t measured = 0;
    double residual = 0;  // (measured - model) / model
};

struct CaseOutcome {
    CaseSpec spec;
    std::string module;
    bool passed = false;
    std::string csim;  // "ok", "diverged: ...", "n/a"
    bool csim_ok = true;
    RunResult rtl;       // clean run (no stalls) when perf is checked, else the stalled run
    bool x_safe = true;  // the clean run from a second randomized initial state agreed
    std::optional<RunResult> stalled;  // the run under the stall profile
    int stall_runs = 0;                // stall profiles run (fewer than asked when one failed)
    PerfCheck perf;
    int tokens = 0, d_in = 0, d_out = 0, d = 0;  // the stage's problem size (CaseBench)
    std::string failure;                         // one line
    std::string waves;                           // FST written on failure
    double wall_seconds = 0;
};

std::string module_name(const CaseSpec& c, const std::string& fault = {});
// Reads <rtl_dir>/<arch>/<module>.json and refuses stale RTL (params hash, generator version,
// d_max); throws Error with the regeneration hint.
void check_manifest(const std::string& rtl_dir, const std::string& arch, const std::string& module,
                    int d_in_needed);
std::string default_rtl_dir();

// The generated module of an RTL variant for (arch, bounds), made once per process: its port specs
// drive the bench layout and the C-sim beat conversion.
const rtlgen::Module& variant_module(const kern::ArchParams& arch, const std::string& variant,
                                     const kern::ModelBounds& bounds);
// What the case's kernel gets: the spec, the config, the model, its bounds and the variant's module
// (references to c, arch and m, which must outlive it).
CaseContext case_context(const CaseSpec& c, const kern::ArchParams& arch,
                         const golden::ModelConfig& m);
// The bench of one case (the kernel's port layout, from its variant's port specs).
CaseBench build_bench(const CaseSpec& c, const kern::ArchParams& arch, const golden::ModelConfig& m,
                      const StageData& d);
// The C-sim engine alone on a case's bench (no RTL): the scoreboard's verdict, stream-contract
// violations included; nullopt when this binary has no instantiation of the variant's shape.
std::optional<RunResult> csim_case(const CaseSpec& c, const kern::ArchParams& arch,
                                   const golden::ModelConfig& m, const CaseBench& b);

// Runs one case (C-sim, RTL clean run with perf check, RTL stalled run). With waves_dir set,
// a failing case is re-run with FST tracing around the first mismatch (window cycles before).
CaseOutcome run_case(const CaseSpec& c, const StageTensors& tensors, const golden::ModelConfig& m,
                     const CaseOptions& opt, const std::string& waves_dir = {},
                     uint64_t wave_window = 200);

// Every case of a suite for the given archs and layers (enumerate_cases over the selection).
std::vector<CaseSpec> default_cases(const std::vector<std::string>& archs,
                                    const LayerSelection& layers);

}  // namespace flexllm::tb
