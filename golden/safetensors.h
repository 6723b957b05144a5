// Hugging Face safetensors: a bounds-checked reader (BF16/F16/F32 -> float), the Llama checkpoint
// loader into ModelWeightsF (single file or sharded *.safetensors.index.json), and a writer for
// tests and tools. Format and checks: golden/README.md, "Safetensors loader".
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "golden/model_config.h"
#include "golden/weights.h"

namespace flexllm::golden {

// IEEE binary16 / bfloat16 <-> float. Widening is exact (subnormals, inf, NaN payloads kept);
// narrowing rounds to nearest, ties to even, overflows to inf and keeps NaN a (quiet) NaN.
float f16_to_float(uint16_t h);
float bf16_to_float(uint16_t b);
uint16_t float_to_f16(float f);
uint16_t float_to_bf16(float f);

// One .safetensors file: the header is parsed and checked on open, tensor data is read on demand.
class SafetensorsFile {
  public:
    struct Info {
        std::string dtype;  // as in the file: "BF16", "F16", "F32", "I64", ...
        std::vector<int64_t> shape;
        uint64_t begin = 0;  // data_offsets, relative to the data buffer
        uint64_t end = 0;
    };

    // Throws Error naming the file (and tensor) when the file is missing, truncated, the header
    // length is not sane (>= 100 MB or beyond the file), the header is not valid JSON of the
    // safetensors schema, a dtype is unknown, offsets fall outside the data buffer, overlap, or
    // do not match shape x dtype size.
    explicit SafetensorsFile(const std::string& path);

    const std::string& path() const { return path_; }
    bool has(std::string_view name) const { return tensors_.count(name) != 0; }
    std::vector<std::string> names() const;         // sorted
    const Info& info(std::string_view name) const;  // throws Error when missing
    const std::map<std::string, std::string>& metadata() const { return metadata_; }

    // The tensor as float; BF16/F16/F32 only (other dtypes: Error naming tensor and dtype). The
    // shape must equal `expected_shape` (Error naming the tensor, expected and actual shape).
    std::vector<float> read_f32(std::string_view name,
                                const std::vector<int64_t>& expected_shape) const;

  private:
    std::string path_;
    uint64_t data_start_ = 0;  // 8 + header length
    std::map<std::string, Info, std::less<>> tensors_;
    std::map<std::string, std::string> metadata_;
};

// HF Llama checkpoint -> float weights for `cfg`. `path` is a .safetensors file or a sharded
// checkpoint's *.safetensors.index.json ("weight_map": {tensor: shard file next to the index}).
// With cfg.tie_embeddings, lm_head stays empty (a stored lm_head.weight is ignored); otherwise it
// is required. Throws Error naming a missing tensor, a wrong shape, or layers beyond cfg.layers.
ModelWeightsF load_safetensors(const ModelConfig& cfg, const std::string& path);

// (name, dtype "BF16"|"F16"|"F32", shape, values); values are rounded to the dtype (nearest even).
using SafetensorsEntry =
    std::tuple<std::string, std::string, std::vector<int64_t>, std::vector<float>>;

// Writes a safetensors file (header padded to 8 bytes, "__metadata__": {"format": "pt"}), tensors
// laid out in the given order. Throws Error on duplicate names, bad dtype, or size mismatch.
void write_safetensors(const std::string& path, const std::vector<SafetensorsEntry>& tensors);

// Writes `w` under HF Llama names in `dtype`; lm_head.weight only when the model is not tied.
void write_safetensors_model(const ModelWeightsF& w, const std::string& path,
                             const std::string& dtype);

}  // namespace flexllm::golden
