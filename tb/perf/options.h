// Inputs of the whole-model performance model: the workload and the system choices that the
// architecture config (hls_src/params.h) does not hold.
#pragma once

#include "golden/model_config.h"
#include "hls_src/params.h"
#include "tb/perf/device.h"

namespace flexllm::perf {

// Batch 1: one prompt, then generated tokens (the first one comes out of prefill).
struct Workload {
    int prompt_len = 1024;
    int gen_len = 1024;
};

// System-level choices around the engines of ArchParams.
struct PerfOptions {
    // Prefill gate/up/down: 3 dedicated engines (DESIGN.md §5 "gate/up/down engines"), each with
    // its own prefill_ffn_mem channel group; 1 = one FFN engine time-shared by the three roles.
    int ffn_engines = 3;
    // Decode: q|k|v and gate|up as one GEMV call each (concatenated weight rows) instead of one
    // call per role as hls_src/kernel_params.h derives them.
    bool fuse_decode_projections = false;
    // Attention: scores and context on separate arrays (DESIGN.md §4 lists them as separate
    // stages), pipelined over heads; true = one array time-shared by both.
    bool shared_attention_array = false;
    int top_k = 0;  // sampling: 0 = greedy argmax, else seeded top-k
};

// Everything the FPGA model reads.
struct Design {
    golden::ModelConfig model;
    kern::ArchParams arch;
    FpgaDevice device;
    PerfOptions options;
};

// Rules the model needs beyond kern::validate (parameters that must divide one another, workload
// within the model's positions); throws flexllm::Error with a one-line reason.
void validate_design(const Design& d);
// A design from built-in names or TOML paths; the device defaults to the arch config's `device`.
Design load_design(const golden::ModelConfig& model, const std::string& arch,
                   const std::string& device = {}, const PerfOptions& options = {});
Design load_design(const std::string& model, const std::string& arch);
void validate_workload(const Design& d, const Workload& w);

}  // namespace flexllm::perf
