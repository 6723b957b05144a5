// The golden flow: model config + weights -> offline quantization -> integer prefill/decode with
// every stage tapped -> float reference and accuracy report -> golden-vector container.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "golden/accuracy.h"
#include "golden/model_ref.h"
#include "golden/quantize.h"

namespace flexllm::golden {

struct GoldenOptions {
    std::string model = "tiny";           // built-in name or TOML path
    std::string weights = "synthetic:1";  // synthetic:SEED or .safetensors / .index.json
    int prompt_len = 16;
    int gen_len = 8;
    int top_k = 1;       // 1 = greedy
    uint64_t seed = 1;   // prompt tokens and sampling
    bool rotate = true;  // R1/R2 Hadamard rotations
};

struct GoldenRun {
    GoldenOptions opt;
    Prepared prep;
    std::vector<int> prompt;
    GenerateResult gen;
    std::vector<Tensor> taps;  // every stage of every step, plus final KV caches
    AccuracyReport accuracy;
    std::string meta_json() const;
    // Quantized parameters and taps, as stored in the container.
    std::vector<Tensor> container_tensors() const;
};

// Validates options (lengths positive, within max_positions); throws Error with the reason.
GoldenRun run_golden(const GoldenOptions& opt);

// A container written by `flexllm golden` read back as the run it stores: the options, the
// quantized parameters (prep.qm), the prompt, the generated tokens and every tap. What the file
// does not hold stays empty: the float weights (prep.folded), the logits of each generated token
// (gen.logits; they are among the taps) and the accuracy report. Throws Error naming the file.
GoldenRun load_golden_run(const std::string& path);
// Only the model config of such a container (its metadata; no tensor is read).
ModelConfig golden_file_config(const std::string& path);

}  // namespace flexllm::golden
