// Model configuration (Llama-3.2 family) parsed from TOML, validated, and the built-in configs.
#pragma once

#include <string>
#include <vector>

namespace flexllm::golden {

struct RopeScaling {
    bool llama3 = true;  // false: plain RoPE (type = "none")
    double factor = 32.0;
    double low_freq_factor = 1.0;
    double high_freq_factor = 4.0;
    int original_max_positions = 8192;
};

struct ModelConfig {
    std::string name;
    int hidden = 0;
    int layers = 0;
    int heads = 0;
    int kv_heads = 0;
    int head_dim = 0;
    int intermediate = 0;
    int vocab = 0;
    int max_positions = 0;
    double rope_theta = 500000.0;
    double rms_eps = 1e-5;
    bool tie_embeddings = true;
    RopeScaling rope_scaling;

    int q_dim() const { return heads * head_dim; }
    int kv_dim() const { return kv_heads * head_dim; }
    int group() const { return heads / kv_heads; }  // query heads per KV head (GQA)

    // Throws Error naming the first rule broken (heads not dividing hidden, FFN not a power of
    // two for the FHT, ...).
    void validate() const;
    std::string to_toml() const;
};

// Parses TOML text; `origin` names the source in error messages. Unknown keys are errors.
ModelConfig parse_model_config(const std::string& toml_text, const std::string& origin);
// NAME of a built-in config (golden/models/NAME.toml, embedded in the binary) or a TOML path.
ModelConfig load_model_config(const std::string& name_or_path);
std::vector<std::string> builtin_model_names();

}  // namespace flexllm::golden
