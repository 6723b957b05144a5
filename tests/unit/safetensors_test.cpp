// Safetensors: half/bfloat16 conversions against hand-worked values and an independent rounding,
// Llama checkpoints round-tripped in F32/BF16/F16 (single file and sharded), and rejections.
#include "golden/safetensors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "file_test_support.h"
#include "golden/error.h"
#include "golden/model_config.h"
#include "golden/weights.h"

namespace flexllm::golden {
namespace {

using flexllm::testing::expect_error;

using ::testing::HasSubstr;
using ::testing::Not;

std::string temp_path(const std::string& stem, const std::string& ext = ".safetensors") {
    return testing::temp_path("st", stem, ext);
}

// A safetensors file from raw parts: 8-byte length, header text, data bytes.
void write_raw(const std::string& path, const std::string& header, const std::string& data,
               uint64_t declared_len = UINT64_MAX) {
    const uint64_t n = declared_len == UINT64_MAX ? header.size() : declared_len;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    for (int i = 0; i < 8; ++i) out.put(static_cast<char>(n >> (8 * i)));
    out << header << data;
}

float bits_f(uint32_t b) { return std::bit_cast<float>(b); }
uint32_t f_bits(float f) { return std::bit_cast<uint32_t>(f); }

// Independent round-to-nearest-even to bfloat16: pick the nearer of the two neighbouring bf16
// values by exact double arithmetic; ties go to the even mantissa.
uint16_t bf16_ref(float f) {
    if (std::isnan(f)) return 0x7fc0;
    const uint32_t x = f_bits(f);
    const uint16_t lo = static_cast<uint16_t>(x >> 16);  // toward zero
    if ((x & 0xffff) == 0) return lo;
    const uint16_t hi = static_cast<uint16_t>(lo + 1);  // away from zero (may become inf)
    const double dl = std::fabs(double(f) - double(bits_f(uint32_t(lo) << 16)));
    const double dh = std::fabs(double(f) - double(bits_f(uint32_t(hi) << 16)));
    if ((hi & 0x7fff) == 0x7f80) {  // beyond max finite: halfway point is 2^128 exactly
        const double half = std::ldexp(1.0, 128) - std::ldexp(1.0, 127 - 8);
        return std::fabs(double(f)) >= half ? hi : lo;
    }
    if (dl < dh) return lo;
    if (dh < dl) return hi;
    return (lo & 1) ? hi : lo;
}

// ---------------------------------------------------------------------------------------------
// Conversions

TEST(HalfConversion, F16HandWorkedValues) {
    EXPECT_EQ(f16_to_float(0x3c00), 1.0f);
    EXPECT_EQ(f16_to_float(0xc100), -2.5f);  // -1.25 * 2^1
    EXPECT_EQ(f16_to_float(0x7bff), 65504.0f);
    EXPECT_EQ(f16_to_float(0x0001), std::ldexp(1.0f, -24));         // smallest subnormal
    EXPECT_EQ(f16_to_float(0x03ff), 1023 * std::ldexp(1.0f, -24));  // largest subnormal
    EXPECT_EQ(f16_to_float(0x0400), std::ldexp(1.0f, -14));         // smallest normal
    EXPECT_EQ(f16_to_float(0x3555), 1365.0f / 4096.0f);             // 0x155/1024 * 2^-2 + 2^-2
    EXPECT_EQ(f16_to_float(0x7c00), std::numeric_limits<float>::infinity());
    EXPECT_EQ(f16_to_float(0xfc00), -std::numeric_limits<float>::infinity());
    EXPECT_TRUE(std::isnan(f16_to_float(0x7e00)));
    EXPECT_TRUE(std::isnan(f16_to_float(0x7c01)));         // signalling NaN stays NaN
    EXPECT_EQ(f_bits(f16_to_float(0x8000)), 0x80000000u);  // -0

    EXPECT_EQ(float_to_f16(1.0f), 0x3c00);
    EXPECT_EQ(float_to_f16(-2.5f), 0xc100);
    EXPECT_EQ(float_to_f16(65504.0f), 0x7bff);
    EXPECT_EQ(float_to_f16(65519.0f), 0x7bff);  // below the halfway point 65520
    EXPECT_EQ(float_to_f16(65520.0f), 0x7c00);  // halfway, 0x7bff is odd -> up to inf
    EXPECT_EQ(float_to_f16(1e6f), 0x7c00);
    EXPECT_EQ(float_to_f16(std::ldexp(1.0f, -24)), 0x0001);
    EXPECT_EQ(float_to_f16(std::ldexp(1.0f, -25)), 0x0000);         // tie -> even (zero)
    EXPECT_EQ(float_to_f16(std::ldexp(1.5f, -25)), 0x0001);         // above the tie
    EXPECT_EQ(float_to_f16(std::ldexp(3.0f, -25)), 0x0002);         // 1.5 ulp: tie -> even 2
    EXPECT_EQ(float_to_f16(std::ldexp(5.0f, -25)), 0x0002);         // 2.5 ulp: tie -> even 2
    EXPECT_EQ(float_to_f16(std::ldexp(1023.5f, -24)), 0x0400);      // carries into normal
    EXPECT_EQ(float_to_f16(1.0f + std::ldexp(1.0f, -11)), 0x3c00);  // tie -> even
    EXPECT_EQ(float_to_f16(1.0f + std::ldexp(3.0f, -11)), 0x3c02);  // tie -> even (up)
    EXPECT_EQ(float_to_f16(1.0f + std::ldexp(1.0f, -11) + std::ldexp(1.0f, -20)), 0x3c01);
    EXPECT_EQ(float_to_f16(-0.0f), 0x8000);
    EXPECT_EQ(float_to_f16(1e-10f), 0x0000);
    EXPECT_EQ(float_to_f16(std::numeric_limits<float>::infinity()), 0x7c00);
    EXPECT_EQ(float_to_f16(-std::numeric_limits<float>::infinity()), 0xfc00);
    const uint16_t n = float_to_f16(std::nanf(""));
    EXPECT_EQ(n & 0x7c00, 0x7c00);
    EXPECT_NE(n & 0x03ff, 0);
    EXPECT_NE(float_to_f16(bits_f(0x7f800001)) & 0x03ff, 0);  // low-payload NaN stays NaN
}

TEST(HalfConversion, Bf16HandWorkedValues) {
    EXPECT_EQ(bf16_to_float(0x3f80), 1.0f);
    EXPECT_EQ(bf16_to_float(0xc020), -2.5f);
    EXPECT_EQ(bf16_to_float(0x477f), 65280.0f);                // 255/128 * 2^15
    EXPECT_EQ(bf16_to_float(0x0001), std::ldexp(1.0f, -133));  // smallest subnormal
    EXPECT_EQ(bf16_to_float(0x7f80), std::numeric_limits<float>::infinity());
    EXPECT_TRUE(std::isnan(bf16_to_float(0x7fc0)));

    EXPECT_EQ(float_to_bf16(1.0f), 0x3f80);
    EXPECT_EQ(float_to_bf16(-2.5f), 0xc020);
    EXPECT_EQ(float_to_bf16(65504.0f), 0x4780);  // 2^16 - 32 rounds up to 2^16
    EXPECT_EQ(float_to_bf16(std::ldexp(1.0f, -133)), 0x0001);
    EXPECT_EQ(float_to_bf16(1.0f + std::ldexp(1.0f, -8)), 0x3f80);        // tie -> even
    EXPECT_EQ(float_to_bf16(1.0f + std::ldexp(3.0f, -8)), 0x3f82);        // tie -> even (up)
    EXPECT_EQ(float_to_bf16(std::numeric_limits<float>::max()), 0x7f80);  // rounds to inf
    EXPECT_EQ(float_to_bf16(std::numeric_limits<float>::infinity()), 0x7f80);
    EXPECT_EQ(float_to_bf16(-std::numeric_limits<float>::infinity()), 0xff80);
    EXPECT_EQ(float_to_bf16(bits_f(0x7f800001)) & 0x7fc0, 0x7fc0);  // quiet NaN, not inf
    EXPECT_EQ(float_to_bf16(bits_f(0xffc00000)), 0xffc0);
}

TEST(HalfConversion, Bf16MatchesIndependentRoundingAndWidensExactly) {
    for (uint32_t h = 0; h < 0x10000; ++h) {
        const float f = bf16_to_float(static_cast<uint16_t>(h));
        ASSERT_EQ(f_bits(f), h << 16) << h;
        if (!std::isnan(f)) {
            ASSERT_EQ(float_to_bf16(f), h) << h;
        }
    }
    // Every float whose low 16 bits hit ties, near-ties and random patterns, all exponents.
    for (uint32_t hi = 0; hi < 0x10000; hi += 3) {
        for (uint32_t low : {0x0000u, 0x0001u, 0x7fffu, 0x8000u, 0x8001u, 0xffffu, 0x1234u}) {
            const float f = bits_f((hi << 16) | low);
            if (std::isnan(f)) continue;
            ASSERT_EQ(float_to_bf16(f), bf16_ref(f)) << std::hex << f_bits(f);
        }
    }
}

#if defined(__FLT16_MAX__)
// The compiler's _Float16 conversions (IEEE, round to nearest even) are the independent oracle.
TEST(HalfConversion, F16MatchesCompilerFloat16) {
    for (uint32_t h = 0; h < 0x10000; ++h) {
        const _Float16 ref = std::bit_cast<_Float16>(static_cast<uint16_t>(h));
        const float got = f16_to_float(static_cast<uint16_t>(h));
        if (std::isnan(static_cast<float>(ref))) {
            ASSERT_TRUE(std::isnan(got)) << h;
        } else {
            ASSERT_EQ(f_bits(got), f_bits(static_cast<float>(ref))) << h;
        }
    }
    for (uint64_t b = 0; b <= 0xffffffffu; b += 4093) {  // every exponent, many mantissas
        for (uint32_t d : {0u, 1u, 0xfffu, 0x1000u, 0x1001u}) {
            const float f = bits_f(static_cast<uint32_t>(b) ^ d);
            if (std::isnan(f)) continue;
            const uint16_t ref = std::bit_cast<uint16_t>(static_cast<_Float16>(f));
            ASSERT_EQ(float_to_f16(f), ref) << std::hex << f_bits(f);
        }
    }
}
#endif

// ---------------------------------------------------------------------------------------------
// Llama checkpoints

// Deterministic, LLM-ish values that are generally not representable in bf16/f16.
std::vector<float> pattern(size_t n, uint32_t salt) {
    std::vector<float> v(n);
    uint32_t x = salt * 2654435761u + 1;
    for (size_t i = 0; i < n; ++i) {
        x = x * 1664525u + 1013904223u;
        v[i] = (static_cast<float>(x >> 8) / 16777216.0f - 0.5f) * 0.37f;
    }
    return v;
}

ModelWeightsF pattern_model(const ModelConfig& c) {
    ModelWeightsF w;
    w.cfg = c;
    const size_t h = c.hidden, q = c.q_dim(), kv = c.kv_dim(), f = c.intermediate;
    uint32_t salt = 1;
    w.embed = pattern(size_t(c.vocab) * h, salt++);
    for (int i = 0; i < c.layers; ++i) {
        LayerWeightsF l;
        l.attn_norm = pattern(h, salt++);
        l.wq = pattern(q * h, salt++);
        l.wk = pattern(kv * h, salt++);
        l.wv = pattern(kv * h, salt++);
        l.wo = pattern(h * q, salt++);
        l.ffn_norm = pattern(h, salt++);
        l.w_gate = pattern(f * h, salt++);
        l.w_up = pattern(f * h, salt++);
        l.w_down = pattern(h * f, salt++);
        w.layers.push_back(std::move(l));
    }
    w.final_norm = pattern(h, salt++);
    if (!c.tie_embeddings) w.lm_head = pattern(size_t(c.vocab) * h, salt++);
    return w;
}

// Every weight vector of a model, in a fixed order, with a label.
std::vector<std::pair<std::string, const std::vector<float>*>> all_tensors(const ModelWeightsF& w) {
    std::vector<std::pair<std::string, const std::vector<float>*>> out = {
        {"embed", &w.embed}, {"final_norm", &w.final_norm}, {"lm_head", &w.lm_head}};
    for (size_t i = 0; i < w.layers.size(); ++i) {
        const LayerWeightsF& l = w.layers[i];
        const std::string p = "layer" + std::to_string(i) + ".";
        using P = std::pair<const char*, const std::vector<float>*>;
        for (auto [n, v] : std::initializer_list<P>{{"attn_norm", &l.attn_norm},
                                                    {"wq", &l.wq},
                                                    {"wk", &l.wk},
                                                    {"wv", &l.wv},
                                                    {"wo", &l.wo},
                                                    {"ffn_norm", &l.ffn_norm},
                                                    {"w_gate", &l.w_gate},
                                                    {"w_up", &l.w_up},
                                                    {"w_down", &l.w_down}})
            out.emplace_back(p + n, v);
    }
    return out;
}

float round_ref(float v, const std::string& dtype) {
    if (dtype == "F32") return v;
    if (dtype == "BF16") return bits_f(uint32_t(bf16_ref(v)) << 16);
#if defined(__FLT16_MAX__)
    return static_cast<float>(static_cast<_Float16>(v));
#else
    return f16_to_float(float_to_f16(v));  // no independent oracle on this compiler
#endif
}

void expect_model_eq(const ModelWeightsF& got, const ModelWeightsF& src, const std::string& dtype) {
    ASSERT_EQ(got.layers.size(), src.layers.size());
    const auto g = all_tensors(got), s = all_tensors(src);
    size_t rounded = 0;
    for (size_t t = 0; t < g.size(); ++t) {
        const auto& gv = *g[t].second;
        const auto& sv = *s[t].second;
        ASSERT_EQ(gv.size(), sv.size()) << g[t].first;
        int shown = 0;
        for (size_t i = 0; i < gv.size(); ++i) {
            const float exp = round_ref(sv[i], dtype);
            rounded += exp != sv[i];
            if (f_bits(gv[i]) != f_bits(exp) && shown++ < 3)
                ADD_FAILURE() << dtype << " " << g[t].first << " idx " << i << " GOT=" << gv[i]
                              << " EXP=" << exp;
        }
    }
    if (dtype != "F32") {
        EXPECT_GT(rounded, 1000u);  // the pattern really exercises rounding
    }
}

TEST(Safetensors, LlamaModelRoundTripsInF32Bf16F16) {
    const ModelConfig cfg = load_model_config("tiny");
    const ModelWeightsF src = pattern_model(cfg);
    for (const std::string dtype : {"F32", "BF16", "F16"}) {
        SCOPED_TRACE(dtype);
        const std::string path = temp_path(dtype);
        write_safetensors_model(src, path, dtype);
        SafetensorsFile f(path);
        EXPECT_EQ(f.info("model.embed_tokens.weight").dtype, dtype);
        EXPECT_EQ(f.info("model.layers.1.mlp.down_proj.weight").shape,
                  (std::vector<int64_t>{cfg.hidden, cfg.intermediate}));
        EXPECT_EQ(f.names().size(), 3u + 9u * cfg.layers);  // tiny is untied: lm_head too
        EXPECT_EQ(f.metadata().at("format"), "pt");
        const ModelWeightsF got = load_safetensors(cfg, path);
        EXPECT_EQ(got.cfg.name, "tiny");
        EXPECT_FALSE(got.lm_head.empty());
        expect_model_eq(got, src, dtype);
    }
}

TEST(Safetensors, UntiedModelLoadsLmHeadAndTiedIgnoresIt) {
    ModelConfig cfg = load_model_config("tiny");
    cfg.tie_embeddings = false;
    const ModelWeightsF src = pattern_model(cfg);
    const std::string path = temp_path("untied");
    write_safetensors_model(src, path, "F32");
    const ModelWeightsF got = load_safetensors(cfg, path);
    ASSERT_EQ(got.lm_head.size(), size_t(cfg.vocab) * cfg.hidden);
    EXPECT_EQ(got.lm_head, src.lm_head);
    EXPECT_NE(got.lm_head, got.embed);

    ModelConfig tied = cfg;
    tied.tie_embeddings = true;
    EXPECT_TRUE(load_safetensors(tied, path).lm_head.empty());
}

TEST(Safetensors, HeaderIsPaddedAndOffsetsAreContiguous) {
    const std::string path = temp_path("layout");
    write_safetensors(
        path, {{"b", "F16", {3}, {1.0f, -2.5f, 65504.0f}}, {"a", "F32", {1, 2}, {0.5f, -1.0f}}});
    std::ifstream in(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    uint64_t n = 0;
    for (int i = 0; i < 8; ++i) n |= uint64_t(uint8_t(bytes[i])) << (8 * i);
    EXPECT_EQ(n % 8, 0u);
    ASSERT_EQ(bytes.size(), 8 + n + 6 + 8);
    // F16 data of "b" first (order given), little-endian: 3c00 c100 7bff.
    EXPECT_EQ(bytes.substr(8 + n, 6), std::string("\x00\x3c\x00\xc1\xff\x7b", 6));
    SafetensorsFile f(path);
    EXPECT_EQ(f.info("b").begin, 0u);
    EXPECT_EQ(f.info("b").end, 6u);
    EXPECT_EQ(f.info("a").begin, 6u);
    EXPECT_EQ(f.info("a").end, 14u);
    EXPECT_EQ(f.read_f32("b", {3}), (std::vector<float>{1.0f, -2.5f, 65504.0f}));
    EXPECT_EQ(f.read_f32("a", {1, 2}), (std::vector<float>{0.5f, -1.0f}));
}

TEST(Safetensors, LoadsShardedCheckpointThroughIndex) {
    const ModelConfig cfg = load_model_config("tiny");
    const ModelWeightsF src = pattern_model(cfg);
    const std::string single = temp_path("single");
    write_safetensors_model(src, single, "BF16");
    SafetensorsFile whole(single);

    // Split into two shards in a directory of their own; shard B is BF16, shard A F32.
    const std::string dir = temp_path("dir", "");
    std::filesystem::create_directories(dir);
    std::vector<SafetensorsEntry> a, b;
    std::string weight_map;
    for (const std::string& name : whole.names()) {
        const auto& info = whole.info(name);
        const bool first = name.find("layers.1.") == std::string::npos;
        auto& shard = first ? a : b;
        shard.emplace_back(name, first ? "F32" : "BF16", info.shape,
                           whole.read_f32(name, info.shape));
        weight_map +=
            (weight_map.empty() ? "" : ",") + ("\"" + name + "\": \"") +
            (first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors") +
            "\"";
    }
    write_safetensors(dir + "/model-00001-of-00002.safetensors", a);
    write_safetensors(dir + "/model-00002-of-00002.safetensors", b);
    const std::string index = dir + "/model.safetensors.index.json";
    std::ofstream(index) << R"({"metadata": {"total_size": 0}, "weight_map": {)" << weight_map
                         << "}}";

    ASSERT_FALSE(a.empty());
    ASSERT_FALSE(b.empty());
    const ModelWeightsF got = load_safetensors(cfg, index);
    expect_model_eq(got, src, "BF16");

    // A tensor the index places in a shard that lacks it, and one the index does not list.
    std::string moved = weight_map;
    const std::string key = "\"model.norm.weight\": \"model-00001-of-00002.safetensors\"";
    ASSERT_NE(moved.find(key), std::string::npos);
    moved.replace(moved.find(key), key.size(),
                  "\"model.norm.weight\": \"model-00002-of-00002.safetensors\"");
    std::ofstream(index, std::ios::trunc) << R"({"weight_map": {)" << moved << "}}";
    expect_error([&] { load_safetensors(cfg, index); },
                 {"model-00002-of-00002.safetensors", "tensor 'model.norm.weight' is missing"});
    std::string dropped = weight_map;
    dropped.replace(dropped.find(key), key.size(), "\"x\": \"model-00001-of-00002.safetensors\"");
    std::ofstream(index, std::ios::trunc) << R"({"weight_map": {)" << dropped << "}}";
    expect_error([&] { load_safetensors(cfg, index); },
                 {index, "tensor 'model.norm.weight' is missing from the weight_map"});
    std::ofstream(index, std::ios::trunc) << R"({"weight_map": {"model.embed_tokens.weight": )"
                                          << R"("no-such-shard.safetensors"}})";
    expect_error([&] { load_safetensors(cfg, index); },
                 {"no-such-shard.safetensors", "cannot open"});
    std::ofstream(index, std::ios::trunc) << R"({"weight_map": [1, 2]})";
    expect_error([&] { load_safetensors(cfg, index); }, {index, "no \"weight_map\" object"});
}

// ---------------------------------------------------------------------------------------------
// Rejections

const std::string kGoodHeader =
    R"({"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}})";
const std::string kGoodData(16, '\0');

TEST(Safetensors, AcceptsTheHandWrittenBaseline) {
    const std::string path = temp_path("ok");
    write_raw(path, kGoodHeader, kGoodData);
    SafetensorsFile f(path);
    EXPECT_EQ(f.read_f32("w", {2, 2}), std::vector<float>(4, 0.0f));
    EXPECT_TRUE(f.metadata().empty());
}

TEST(Safetensors, RejectsTruncatedFile) {
    const std::string path = temp_path("trunc");
    std::ofstream(path, std::ios::binary) << std::string("\x10\x00\x00", 3);
    expect_error([&] { SafetensorsFile f(path); }, {path, "truncated", "3 bytes"});
    write_raw(path, kGoodHeader, kGoodData.substr(0, 10));  // data cut short
    expect_error([&] { SafetensorsFile f(path); },
                 {path, "tensor 'w'", "data_offsets [0, 16] out of bounds", "has 10 bytes"});
}

TEST(Safetensors, RejectsHeaderLengthBeyondFileOrInsane) {
    const std::string path = temp_path("hlen");
    write_raw(path, kGoodHeader, kGoodData, kGoodHeader.size() + 17);
    expect_error([&] { SafetensorsFile f(path); }, {path, "truncated: header length", "exceeds"});
    write_raw(path, kGoodHeader, kGoodData, 100'000'000);
    expect_error([&] { SafetensorsFile f(path); }, {path, "header length 100000000 is not sane"});
    write_raw(path, kGoodHeader, kGoodData, UINT64_MAX - 1);
    expect_error([&] { SafetensorsFile f(path); }, {"is not sane"});
}

TEST(Safetensors, RejectsInvalidJson) {
    const std::string path = temp_path("json");
    write_raw(path, R"({"w": {"dtype": "F32",)", "");
    expect_error([&] { SafetensorsFile f(path); }, {path, "header is not valid JSON"});
    write_raw(path, "[1, 2]", "");
    expect_error([&] { SafetensorsFile f(path); }, {"header is not a JSON object"});
    write_raw(path, R"({"w": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 0]}})", "");
    expect_error([&] { SafetensorsFile f(path); }, {"tensor 'w'", "non-negative integers"});
    write_raw(path, R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0]}})", "xxxx");
    expect_error([&] { SafetensorsFile f(path); }, {"tensor 'w'", "data_offsets"});
    write_raw(path, R"({"__metadata__": {"a": 1}})", "");
    expect_error([&] { SafetensorsFile f(path); }, {"__metadata__", "must be a string"});
}

TEST(Safetensors, RejectsOffsetsOutOfBoundsOrOverlapping) {
    const std::string path = temp_path("bounds");
    write_raw(path, R"({"w": {"dtype": "F32", "shape": [4], "data_offsets": [8, 24]}})", kGoodData);
    expect_error([&] { SafetensorsFile f(path); }, {"tensor 'w'", "[8, 24] out of bounds"});
    write_raw(path, R"({"w": {"dtype": "F32", "shape": [0], "data_offsets": [8, 4]}})", kGoodData);
    expect_error([&] { SafetensorsFile f(path); }, {"tensor 'w'", "end before begin"});
    write_raw(path,
              R"({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 12]},)"
              R"( "b": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}})",
              kGoodData);
    expect_error([&] { SafetensorsFile f(path); }, {"tensors 'a' and 'b' overlap"});
    write_raw(path,
              R"({"w": {"dtype": "F32", "shape": [1], )"
              R"("data_offsets": [18446744073709551615, 18446744073709551615]}})",
              kGoodData);
    expect_error([&] { SafetensorsFile f(path); }, {"tensor 'w'", "out of bounds"});
}

TEST(Safetensors, RejectsSizeShapeMismatch) {
    const std::string path = temp_path("size");
    write_raw(path, R"({"w": {"dtype": "BF16", "shape": [2, 2], "data_offsets": [0, 16]}})",
              kGoodData);
    expect_error([&] { SafetensorsFile f(path); },
                 {path, "tensor 'w'", "shape [2,2] x BF16 needs 8 bytes but data_offsets span 16"});
    // A shape whose byte count overflows 64 bits.
    write_raw(path,
              R"({"w": {"dtype": "F32", "shape": [281474976710656, 281474976710656], )"
              R"("data_offsets": [0, 16]}})",
              kGoodData);
    expect_error([&] { SafetensorsFile f(path); }, {"tensor 'w'", "x F32 is too large"});
}

TEST(Safetensors, RejectsUnsupportedDtype) {
    const std::string path = temp_path("dtype");
    write_raw(path, R"({"ids": {"dtype": "I64", "shape": [2], "data_offsets": [0, 16]}})",
              kGoodData);
    SafetensorsFile f(path);  // a known dtype: the file is valid, reading it as float is not
    expect_error([&] { f.read_f32("ids", {2}); }, {path, "tensor 'ids' has unsupported dtype I64"});
    write_raw(path, R"({"q": {"dtype": "Q4_K", "shape": [2], "data_offsets": [0, 16]}})",
              kGoodData);
    expect_error([&] { SafetensorsFile f(path); }, {path, "tensor 'q'", "unknown dtype 'Q4_K'"});
}

TEST(Safetensors, RejectsMissingTensor) {
    const ModelConfig cfg = load_model_config("tiny");
    const std::string full = temp_path("full");
    write_safetensors_model(pattern_model(cfg), full, "F16");
    SafetensorsFile f(full);
    std::vector<SafetensorsEntry> kept;
    for (const auto& name : f.names())
        if (name != "model.layers.1.self_attn.v_proj.weight")
            kept.emplace_back(name, "F16", f.info(name).shape,
                              f.read_f32(name, f.info(name).shape));
    const std::string path = temp_path("missing");
    write_safetensors(path, kept);
    expect_error([&] { load_safetensors(cfg, path); },
                 {path, "tensor 'model.layers.1.self_attn.v_proj.weight' is missing"});
    expect_error([&] { f.read_f32("nope", {1}); }, {full, "tensor 'nope' is missing"});

    ModelConfig tied = cfg;
    tied.tie_embeddings = true;
    const std::string tied_file = temp_path("tied");
    write_safetensors_model(pattern_model(tied), tied_file, "F16");
    expect_error([&] { load_safetensors(cfg, tied_file); }, {"tensor 'lm_head.weight' is missing"});
    expect_error([&] { load_safetensors(cfg, temp_path("absent")); }, {"cannot open"});
}

TEST(Safetensors, RejectsWrongShape) {
    const std::string path = temp_path("shape");
    write_raw(path, kGoodHeader, kGoodData);
    SafetensorsFile f(path);
    expect_error([&] { f.read_f32("w", {4}); }, {path, "tensor 'w' has shape [2,2], expected [4]"});

    // A checkpoint for a different model: vocab 512 instead of 256.
    ModelConfig other = load_model_config("tiny");
    other.vocab = 512;
    const std::string ck = temp_path("ck");
    write_safetensors_model(pattern_model(other), ck, "BF16");
    expect_error([&] { load_safetensors(load_model_config("tiny"), ck); },
                 {"tensor 'model.embed_tokens.weight' has shape [512,64], expected [256,64]"});
    // And one with more layers than the config.
    other = load_model_config("tiny");
    other.layers = 3;
    write_safetensors_model(pattern_model(other), ck, "BF16");
    expect_error([&] { load_safetensors(load_model_config("tiny"), ck); },
                 {"model.layers.2.", "model config 'tiny' has 2 layers"});
}

TEST(Safetensors, RejectsBadInputToWriter) {
    const std::string path = temp_path("writer");
    expect_error(
        [&] {
            write_safetensors(path, {{"a", "F64", {1}, {1.0f}}});
        },
        {"tensor 'a'", "cannot write dtype 'F64'"});
    expect_error(
        [&] {
            write_safetensors(path, {{"a", "F32", {2}, {1.0f}}});
        },
        {"tensor 'a'", "shape [2] does not match 1 values"});
    expect_error(
        [&] {
            write_safetensors(path, {{"a", "F32", {1}, {1.0f}}, {"a", "F32", {1}, {2.0f}}});
        },
        {"duplicate tensor name 'a'"});
    EXPECT_FALSE(std::filesystem::exists(path));
}

// Every truncation of a valid file is rejected with an Error; byte flips give an Error or a file
// that still parses; never a crash or another exception type.
TEST(Safetensors, RejectsEveryTruncationAndByteFlipCleanly) {
    const std::string path = temp_path("src");
    write_safetensors(path, {{"x", "BF16", {2, 3}, {1, 2, 3, 4, 5, 6}}, {"y", "F32", {1}, {7}}});
    std::ifstream in(path, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), {});
    const std::string cut = temp_path("cut");
    for (size_t n = 0; n < bytes.size(); ++n) {
        std::ofstream(cut, std::ios::binary | std::ios::trunc) << bytes.substr(0, n);
        EXPECT_THROW(SafetensorsFile f(cut), Error) << n;
    }
    int rejected = 0;
    for (size_t at = 0; at < bytes.size(); ++at) {
        std::string b = bytes;
        b[at] = static_cast<char>(b[at] ^ 0x41);
        std::ofstream(cut, std::ios::binary | std::ios::trunc) << b;
        try {
            SafetensorsFile f(cut);
            for (const auto& name : f.names()) f.read_f32(name, f.info(name).shape);
        } catch (const Error& e) {
            EXPECT_THAT(std::string(e.what()), Not(HasSubstr("\n")));
            ++rejected;
        }
    }
    EXPECT_GT(rejected, 8);  // at least the length prefix and the JSON structure
}

}  // namespace
}  // namespace flexllm::golden
