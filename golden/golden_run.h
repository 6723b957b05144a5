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

// A container read back: config, parameters and the taps (for the harness and tests).
struct GoldenFile {
    ModelConfig cfg;
    QuantModel qm;
    std::vector<int> prompt, generated;
    std::string meta_json;
};
// Reads and checks a container written by `flexllm golden`; throws Error naming the file.
GoldenFile load_golden_file(const std::string& path);

}  // namespace flexllm::golden
