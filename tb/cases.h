// Regression cases of the quant_token and linear stages: (config, phase, stage, role). A case
// builds the port stimuli and expectations from golden tensors, runs C-sim and the Verilated RTL,
// compares bit-exactly, traces cycles and compares them with the performance model.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "golden/model_config.h"
#include "hls_src/kernel_params.h"
#include "hls_src/params.h"
#include "tb/harness.h"
#include "tb/stimulus.h"

namespace flexllm::tb {

enum class Stage { kQuantToken, kLinear };

struct CaseSpec {
    std::string arch;
    kern::Phase phase = kern::Phase::kDecode;
    Stage stage = Stage::kLinear;
    kern::LinearRole role = kern::LinearRole::kQ;
    // "<arch>/<phase>/<stage>/<role>", e.g. tiny_a/prefill/linear/q (the --filter subject).
    std::string id() const;
    std::string stage_name() const;  // quant_token_prefill, linear_decode, ...
};
CaseSpec parse_case_id(const std::string& id);  // throws Error

// The stage tensors of every role and phase: from the golden model (tapped) or seeded random.
struct StageTensors {
    std::string source;  // e.g. "golden tiny synthetic:1, layer 0" or "random seed 7"
    // [phase][role] -> stimulus (x, quantized x, weights, y)
    LinearStimulus data[2][8];
    const LinearStimulus& get(kern::Phase p, kern::LinearRole r) const {
        return data[p == kern::Phase::kPrefill ? 0 : 1][static_cast<int>(r)];
    }
};
// Runs the golden model (tiny, synthetic weights) and collects layer 0's taps (and lm_head's)
// for prefill of `prompt_len` tokens and the first `decode_tokens` decode steps.
StageTensors golden_stage_tensors(const std::string& model, uint64_t weight_seed, int prompt_len,
                                  int decode_tokens);
StageTensors random_stage_tensors(const golden::ModelConfig& m, uint64_t seed, int prompt_len,
                                  int decode_tokens);

struct CaseOptions {
    RunOptions run;          // stall/gap probabilities, seed, budget, watchdog
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
    RunResult rtl;  // clean run (no stalls) when perf is checked, else the stalled run
    std::optional<RunResult> stalled;  // the run under the stall profile
    PerfCheck perf;
    int tokens = 0, d_in = 0, d_out = 0;  // the stage's problem size
    std::string failure;  // one line
    std::string waves;    // FST written on failure
    double wall_seconds = 0;
};

std::string module_name(const CaseSpec& c, const std::string& fault = {});
// Reads <rtl_dir>/<arch>/<module>.json and refuses stale RTL (params hash, generator version,
// d_max); throws Error with the regeneration hint.
void check_manifest(const std::string& rtl_dir, const std::string& arch, const std::string& module,
                    int d_in_needed);
std::string default_rtl_dir();

// Everything the harness needs for one case: port stimuli, expectations, scalars, memory groups.
struct CaseBench {
    std::vector<Scalar> scalars;
    std::vector<PortStimulus> inputs;
    std::vector<PortExpectation> outputs;
    std::vector<MemGroup> mem;
    std::string primary;
    PerfCheck perf;  // model cycles filled in
    int d_in = 0;
};
CaseBench build_bench(const CaseSpec& c, const kern::ArchParams& arch, const golden::ModelConfig& m,
                      const LinearStimulus& st);

// Runs one case (C-sim, RTL clean run with perf check, RTL stalled run). With waves_dir set,
// a failing case is re-run with FST tracing around the first mismatch (window cycles before).
CaseOutcome run_case(const CaseSpec& c, const StageTensors& tensors, const golden::ModelConfig& m,
                     const CaseOptions& opt, const std::string& waves_dir = {},
                     uint64_t wave_window = 200);

// Every case of the default suite for the given archs.
std::vector<CaseSpec> default_cases(const std::vector<std::string>& archs);

}  // namespace flexllm::tb
