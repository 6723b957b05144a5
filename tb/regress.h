// `flexllm regress`: selects cases (suite, --filter, --shard), prepares the stage tensors (golden
// model taps by default), runs them on --jobs threads and writes the reports.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "tb/cases.h"

namespace flexllm::tb {

struct RegressOptions {
    // A built-in suite (tb/suites/NAME.toml, embedded) or a suite TOML file. Its keys set the
    // fields below except those named in `explicit_options` (given on the command line).
    std::string suite = "default";
    std::set<std::string> explicit_options;
    uint64_t weights_seed = 1;
    std::vector<std::string> archs = {"tiny_a", "tiny_b"};
    std::string model = "tiny";
    // A .gv file written by `flexllm golden` (--golden): its model, weights, prompt and taps
    // replace the suite's model and the golden run it would compute.
    std::string golden_file;
    std::string source = "golden";  // golden | random
    std::string filter = "*";
    // Decoder layers (and the LM head) driven: "all" or a comma list, e.g. "0,1" or "1,lm_head".
    std::string layers = "all";
    uint64_t seed = 1;
    std::string shard = "0/1";  // I/N, 0 <= I < N
    int jobs = 1;
    double stall_prob = 0.2;
    double gap_prob = -1;           // < 0: same as stall_prob
    int stall_profiles = 3;         // stall seeds per case (CaseOptions::stall_profiles)
    std::string waves = "on-fail";  // never | on-fail | always
    std::string waves_dir = "out/waves";
    std::string junit, json;
    std::string fault;         // run every case on the mutant models of this fault (self-test)
    std::string rtl_dir;       // RTL root in the rtl_gen layout (default: generated per case)
    std::string rtl_manifest;  // --rtl: foreign RTL (tb/foreign_rtl.h) run on its variant's cases
    int prompt_len = 8, decode_tokens = 2;
    // The golden run's decode: 1 greedy, else seeded top-k (the default suite: 8, so that
    // consecutive decode steps carry different tokens).
    int top_k = 1;
    uint64_t wave_window = 200;  // cycles traced before the first mismatch
    bool quiet = false;
    bool list_only = false;  // --list: the selected case ids, nothing run
};

struct RegressResult {
    int exit_code = 0;
    std::vector<CaseOutcome> cases;
    std::string table;
};

// Throws Error on bad options (unknown suite, bad shard, bad layers, empty selection, ...).
RegressResult run_regress(const RegressOptions& o);
// The options after applying the suite file, `layers` validated against the model (exposed for
// tests).
RegressOptions apply_suite(const RegressOptions& o);
std::vector<std::string> builtin_suite_names();
// The cases a suite runs before --filter and --shard: every arch x phase x selected layer x
// stage x role, plus the LM head's, for options that apply_suite has already resolved.
std::vector<CaseSpec> suite_cases(const RegressOptions& resolved);
// The model a suite runs: the golden file's, or the suite's `model`.
golden::ModelConfig suite_model(const RegressOptions& resolved);
// The stage tensors a suite drives (golden taps or seeded random stimulus) of its selected layers,
// for options that apply_suite has already resolved.
StageTensors suite_stage_tensors(const RegressOptions& resolved);

bool glob_match(const std::string& pattern, const std::string& text);

}  // namespace flexllm::tb
