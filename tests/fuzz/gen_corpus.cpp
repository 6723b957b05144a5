// Writes the binary seed corpora of the fuzz targets with the project's own writers:
//   gen_corpus <dir>  ->  <dir>/gv/*, <dir>/safetensors/*, <dir>/safetensors_index/*
// (tests/fuzz/corpus is its checked-in output; the text corpora are copies of built-in configs).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "golden/container.h"
#include "golden/error.h"
#include "golden/safetensors.h"
#include "tests/fuzz/micro_model.h"

namespace {

namespace fs = std::filesystem;
using namespace flexllm;

std::vector<char> slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
void spit(const fs::path& p, const std::vector<char>& b) {
    std::ofstream(p, std::ios::binary).write(b.data(), static_cast<std::streamsize>(b.size()));
}
void spit(const fs::path& p, const std::string& s) {
    spit(p, std::vector<char>(s.begin(), s.end()));
}

// Near-valid copies of a valid file: truncated to `keep` bytes, and one byte flipped at `at`.
void near_valid(const fs::path& valid, size_t keep, size_t at) {
    const std::vector<char> b = slurp(valid);
    const std::string stem = valid.stem().string(), ext = valid.extension().string();
    spit(valid.parent_path() / ("near-" + stem + "-truncated" + ext),
         std::vector<char>(b.begin(), b.begin() + static_cast<long>(std::min(keep, b.size()))));
    std::vector<char> flipped = b;
    if (at < flipped.size()) flipped[at] ^= 0x10;
    spit(valid.parent_path() / ("near-" + stem + "-flipped" + ext), flipped);
}

Tensor tensor(std::string name, DType t, std::vector<int64_t> shape) {
    size_t n = dtype_size(t);
    for (int64_t d : shape) n *= static_cast<size_t>(d);
    std::vector<uint8_t> data(n);
    for (size_t i = 0; i < n; ++i) data[i] = static_cast<uint8_t>(i * 7 % 251);
    return Tensor{std::move(name), t, std::move(shape), std::move(data)};
}

void gv(const fs::path& dir) {
    fs::create_directories(dir);
    golden::write_golden((dir / "valid-empty.gv").string(), "{}", {});
    golden::write_golden((dir / "valid-one.gv").string(), R"({"format":"flexllm-golden"})",
                         {tensor("x", DType::kF32, {2, 3})});
    golden::write_golden(
        (dir / "valid-mixed.gv").string(), R"({"note":"mixed dtypes"})",
        {tensor("param/embed", DType::kI8, {4, 8}),
         tensor("tap/L0/attn_norm/out", DType::kI32, {2, 4}), tensor("scalar", DType::kF64, {}),
         tensor("empty", DType::kU16, {0, 5}), tensor("wide", DType::kI64, {1, 1, 1, 3})});
    near_valid(dir / "valid-mixed.gv", 200, 100);
    near_valid(dir / "valid-one.gv", 31, 40);
}

void safetensors(const fs::path& dir) {
    fs::create_directories(dir);
    for (const char* dt : {"F32", "BF16", "F16"})
        golden::write_safetensors(
            (dir / (std::string("valid-micro-") + dt + ".safetensors")).string(),
            fuzz::micro_tensors(dt));
    golden::write_safetensors((dir / "valid-one.safetensors").string(),
                              {{"x", "F32", {2, 2}, {1, 2, 3, 4}}});
    near_valid(dir / "valid-micro-BF16.safetensors", 300, 40);
}

void index(const fs::path& dir) {
    fs::create_directories(dir);
    const auto all = fuzz::micro_tensors("BF16");
    std::string map;
    for (size_t i = 0; i < all.size(); ++i)
        map += (i ? ",\n    \"" : "    \"") + std::get<0>(all[i]) + "\": \"model-0000" +
               (i < fuzz::kMicroFirstShard ? "1" : "2") + "-of-00002.safetensors\"";
    spit(dir / "valid.index.json",
         "{\n  \"metadata\": {\"total_size\": 704},\n  \"weight_map\": {\n" + map + "\n  }\n}\n");
    spit(dir / "near-missing-norm.index.json",
         "{\"weight_map\": {\"model.embed_tokens.weight\": \"model-00001-of-00002.safetensors\"}}");
    spit(dir / "near-wrong-shard.index.json",
         "{\"weight_map\": {\"model.embed_tokens.weight\": \"model-00002-of-00002.safetensors\", "
         "\"model.layers.7.mlp.up_proj.weight\": \"model-00002-of-00002.safetensors\"}}");
    spit(dir / "near-not-a-name.index.json", "{\"weight_map\": {\"model.norm.weight\": 3}}");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
        return 2;
    }
    try {
        const fs::path out = argv[1];
        gv(out / "gv");
        safetensors(out / "safetensors");
        index(out / "safetensors_index");
    } catch (const Error& e) {
        std::fprintf(stderr, "gen_corpus: %s\n", e.what());
        return 2;
    }
    return 0;
}
