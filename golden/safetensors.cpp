// Safetensors reader/writer, half-precision conversions and the HF Llama checkpoint loader.
#include "golden/safetensors.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "golden/binary_file.h"
#include "golden/config_io.h"
#include "golden/error.h"
#include "golden/tensor.h"

namespace flexllm::golden {

// ---------------------------------------------------------------------------------------------
// Half-precision conversions

float f16_to_float(uint16_t h) {
    const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
    const uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t man = h & 0x3ffu;
    uint32_t bits;
    if (exp == 0) {
        if (man == 0) {
            bits = sign;
        } else {               // subnormal man * 2^-24: normalize into a float exponent
            uint32_t e = 113;  // float exponent of 2^-14
            while (!(man & 0x400u)) {
                man <<= 1;
                --e;
            }
            bits = sign | (e << 23) | ((man & 0x3ffu) << 13);
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000u | (man << 13);  // inf, or NaN with its payload
    } else {
        bits = sign | ((exp + 112) << 23) | (man << 13);
    }
    return std::bit_cast<float>(bits);
}

float bf16_to_float(uint16_t b) { return std::bit_cast<float>(static_cast<uint32_t>(b) << 16); }

uint16_t float_to_bf16(float f) {
    const uint32_t x = std::bit_cast<uint32_t>(f);
    if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((x >> 16) | 0x0040u);
    return static_cast<uint16_t>((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

uint16_t float_to_f16(float f) {
    const uint32_t x = std::bit_cast<uint32_t>(f);
    const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
    const uint32_t a = x & 0x7fffffffu;
    if (a > 0x7f800000u) return sign | 0x7e00u | ((a >> 13) & 0x3ffu);  // NaN, made quiet
    if (a >= 0x477ff000u) return sign | 0x7c00u;  // >= 65520 (halfway past 65504) -> inf
    if (a >= 0x38800000u) {                       // normal half: >= 2^-14
        const uint32_t m = a & 0x7fffffu;
        uint32_t r = ((((a >> 23) - 112) << 10) | (m >> 13));
        const uint32_t rem = m & 0x1fffu;
        if (rem > 0x1000u || (rem == 0x1000u && (r & 1u))) ++r;
        return static_cast<uint16_t>(sign | r);
    }
    if (a <= 0x33000000u) return sign;       // <= 2^-25: ties to even zero
    const uint32_t shift = 126 - (a >> 23);  // 14..24: value / 2^-24 = m >> shift
    const uint32_t m = (a & 0x7fffffu) | 0x800000u;
    uint32_t r = m >> shift;
    const uint32_t rem = m & ((1u << shift) - 1);
    const uint32_t half = 1u << (shift - 1);
    if (rem > half || (rem == half && (r & 1u))) ++r;  // may carry into the smallest normal
    return static_cast<uint16_t>(sign | r);
}

namespace {

using json = nlohmann::json;

constexpr uint64_t kMaxHeaderBytes = 100'000'000;  // the safetensors limit
constexpr size_t kMaxRank = 16;
constexpr size_t kReadChunk = size_t{1} << 20;

// A tensor name quoted for a one-line message (control bytes escaped).
std::string q(std::string_view s) {
    std::string out = "'";
    for (unsigned char c : s) {
        if (c < 0x20 || c == 0x7f)
            out += fmt::format("\\x{:02x}", c);
        else
            out += static_cast<char>(c);
    }
    return out + "'";
}

std::string one_line(std::string s) {
    std::replace_if(
        s.begin(), s.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
    return s;
}

size_t dtype_bytes(std::string_view dtype) {
    static const std::map<std::string_view, size_t> kSizes = {
        {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E4M3", 1}, {"F8_E5M2", 1},
        {"I16", 2},  {"U16", 2}, {"F16", 2}, {"BF16", 2},    {"I32", 4},
        {"U32", 4},  {"F32", 4}, {"I64", 8}, {"U64", 8},     {"F64", 8}};
    auto it = kSizes.find(dtype);
    return it == kSizes.end() ? 0 : it->second;
}

bool float_dtype(std::string_view d) { return d == "BF16" || d == "F16" || d == "F32"; }

bool byte_count(const std::vector<int64_t>& shape, uint64_t elem, uint64_t& out) {
    uint64_t n = elem;
    for (int64_t d : shape) {
        if (d < 0) return false;
        const uint64_t ud = static_cast<uint64_t>(d);
        if (ud != 0 && n > std::numeric_limits<uint64_t>::max() / ud) return false;
        n *= ud;
    }
    out = n;
    return true;
}

std::vector<int64_t> parse_shape(const json& v, const std::string& where) {
    if (!v.is_array() || v.size() > kMaxRank)
        throw Error(where + ": \"shape\" must be an array of at most " + std::to_string(kMaxRank) +
                    " non-negative integers");
    std::vector<int64_t> shape;
    for (const json& d : v) {
        if (!d.is_number_unsigned() || d.get<uint64_t>() > (uint64_t{1} << 48))
            throw Error(where + ": \"shape\" must hold non-negative integers, got " +
                        one_line(d.dump()));
        shape.push_back(static_cast<int64_t>(d.get<uint64_t>()));
    }
    return shape;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// SafetensorsFile

SafetensorsFile::SafetensorsFile(const std::string& path) : path_(path) {
    BinaryFile f(path, "safetensors file");
    const uint64_t size = f.size();
    if (size < 8)
        throw Error(
            fmt::format("{}: truncated: {} bytes, a safetensors file starts with an 8-byte "
                        "header length",
                        path, size));
    uint8_t len_bytes[8];
    f.read_at(0, len_bytes, 8, "header length");
    uint64_t n = 0;
    for (int i = 0; i < 8; ++i) n |= static_cast<uint64_t>(len_bytes[i]) << (8 * i);
    if (n >= kMaxHeaderBytes)
        throw Error(
            fmt::format("{}: header length {} is not sane (limit {} bytes); not a "
                        "safetensors file?",
                        path, n, kMaxHeaderBytes));
    if (n > size - 8)
        throw Error(fmt::format("{}: truncated: header length {} exceeds the {} bytes after it",
                                path, n, size - 8));
    data_start_ = 8 + n;
    const uint64_t data_size = size - data_start_;

    std::string text(n, '\0');
    f.read_at(8, text.data(), n, "header");
    json header;
    try {
        header = json::parse(text);
    } catch (const json::exception& e) {
        throw Error(fmt::format("{}: header is not valid JSON: {}", path, one_line(e.what())));
    }
    if (!header.is_object()) throw Error(fmt::format("{}: header is not a JSON object", path));

    std::vector<std::pair<uint64_t, const std::string*>> spans;
    for (const auto& [key, v] : header.items()) {
        if (key == "__metadata__") {
            if (!v.is_object())
                throw Error(fmt::format("{}: \"__metadata__\" must be an object", path));
            for (const auto& [mk, mv] : v.items()) {
                if (!mv.is_string())
                    throw Error(fmt::format("{}: \"__metadata__\" value of {} must be a string",
                                            path, q(mk)));
                metadata_[mk] = mv.get<std::string>();
            }
            continue;
        }
        const std::string where = fmt::format("{}: tensor {}", path, q(key));
        if (!v.is_object()) throw Error(where + ": entry must be an object");
        if (!v.contains("dtype") || !v["dtype"].is_string())
            throw Error(where + ": \"dtype\" missing or not a string");
        Info info;
        info.dtype = v["dtype"].get<std::string>();
        const size_t elem = dtype_bytes(info.dtype);
        if (elem == 0) throw Error(where + ": unknown dtype " + q(info.dtype));
        if (!v.contains("shape")) throw Error(where + ": \"shape\" missing");
        info.shape = parse_shape(v["shape"], where);
        if (!v.contains("data_offsets") || !v["data_offsets"].is_array() ||
            v["data_offsets"].size() != 2 || !v["data_offsets"][0].is_number_unsigned() ||
            !v["data_offsets"][1].is_number_unsigned())
            throw Error(where + ": \"data_offsets\" must be [begin, end] of non-negative integers");
        info.begin = v["data_offsets"][0].get<uint64_t>();
        info.end = v["data_offsets"][1].get<uint64_t>();
        if (info.end < info.begin)
            throw Error(fmt::format("{}: data_offsets [{}, {}] end before begin", where, info.begin,
                                    info.end));
        if (info.end > data_size)
            throw Error(
                fmt::format("{}: data_offsets [{}, {}] out of bounds: the data buffer "
                            "has {} bytes",
                            where, info.begin, info.end, data_size));
        uint64_t need = 0;
        if (!byte_count(info.shape, elem, need))
            throw Error(fmt::format("{}: shape {} x {} is too large", where, shape_str(info.shape),
                                    info.dtype));
        if (need != info.end - info.begin)
            throw Error(fmt::format("{}: shape {} x {} needs {} bytes but data_offsets span {}",
                                    where, shape_str(info.shape), info.dtype, need,
                                    info.end - info.begin));
        auto [it, inserted] = tensors_.emplace(key, std::move(info));
        spans.emplace_back(it->second.begin, &it->first);
    }
    std::sort(spans.begin(), spans.end());
    for (size_t i = 1; i < spans.size(); ++i) {
        const Info& prev = tensors_.find(*spans[i - 1].second)->second;
        if (spans[i].first < prev.end)
            throw Error(fmt::format("{}: tensors {} and {} overlap in the data buffer", path,
                                    q(*spans[i - 1].second), q(*spans[i].second)));
    }
}

std::vector<std::string> SafetensorsFile::names() const {
    std::vector<std::string> out;
    out.reserve(tensors_.size());
    for (const auto& [name, info] : tensors_) out.push_back(name);
    return out;
}

const SafetensorsFile::Info& SafetensorsFile::info(std::string_view name) const {
    auto it = tensors_.find(name);
    if (it == tensors_.end()) throw Error(fmt::format("{}: tensor {} is missing", path_, q(name)));
    return it->second;
}

std::vector<float> SafetensorsFile::read_f32(std::string_view name,
                                             const std::vector<int64_t>& expected_shape) const {
    const Info& in = info(name);
    if (in.shape != expected_shape)
        throw Error(fmt::format("{}: tensor {} has shape {}, expected {}", path_, q(name),
                                shape_str(in.shape), shape_str(expected_shape)));
    if (!float_dtype(in.dtype))
        throw Error(
            fmt::format("{}: tensor {} has unsupported dtype {} (BF16, F16 or F32 "
                        "expected)",
                        path_, q(name), in.dtype));
    const size_t elem = dtype_bytes(in.dtype);
    const uint64_t count = (in.end - in.begin) / elem;

    BinaryFile f(path_, "safetensors file");
    if (data_start_ + in.end > f.size())  // the file changed since it was opened
        throw Error(fmt::format("{}: truncated: tensor {} needs bytes up to {} but the file has {}",
                                path_, q(name), data_start_ + in.end, f.size()));

    std::vector<float> out(count);
    std::vector<uint8_t> buf;
    uint64_t offset = data_start_ + in.begin;
    for (uint64_t done = 0; done < count;) {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(count - done, kReadChunk));
        buf.resize(n * elem);
        f.read_at(offset, buf.data(), buf.size(), fmt::format("tensor {}", q(name)));
        offset += buf.size();
        const uint8_t* p = buf.data();
        float* o = out.data() + done;
        if (elem == 4) {
            for (size_t i = 0; i < n; ++i, p += 4)
                o[i] = std::bit_cast<float>(static_cast<uint32_t>(p[0]) | (uint32_t{p[1]} << 8) |
                                            (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24));
        } else if (in.dtype == "BF16") {
            for (size_t i = 0; i < n; ++i, p += 2)
                o[i] = bf16_to_float(static_cast<uint16_t>(p[0] | (p[1] << 8)));
        } else {
            for (size_t i = 0; i < n; ++i, p += 2)
                o[i] = f16_to_float(static_cast<uint16_t>(p[0] | (p[1] << 8)));
        }
        done += n;
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Writer

void write_safetensors(const std::string& path, const std::vector<SafetensorsEntry>& tensors) {
    json header = json::object();
    header["__metadata__"] = {{"format", "pt"}};
    uint64_t offset = 0;
    for (const auto& [name, dtype, shape, values] : tensors) {
        if (name.empty() || name == "__metadata__")
            throw Error(fmt::format("{}: invalid tensor name {}", path, q(name)));
        if (header.contains(name))
            throw Error(fmt::format("{}: duplicate tensor name {}", path, q(name)));
        if (!float_dtype(dtype))
            throw Error(fmt::format("{}: tensor {}: cannot write dtype {} (BF16, F16 or F32)", path,
                                    q(name), q(dtype)));
        uint64_t need = 0;
        if (shape.size() > kMaxRank || !byte_count(shape, 1, need) || need != values.size())
            throw Error(fmt::format("{}: tensor {}: shape {} does not match {} values", path,
                                    q(name), shape_str(shape), values.size()));
        const uint64_t bytes = values.size() * dtype_bytes(dtype);
        header[name] = {
            {"dtype", dtype}, {"shape", shape}, {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');  // HF pads so the data buffer is 8-aligned

    AtomicFile f(path);
    std::vector<uint8_t> buf;
    auto flush = [&] {
        f.write(buf.data(), buf.size());
        buf.clear();
    };
    for (int i = 0; i < 8; ++i) buf.push_back(static_cast<uint8_t>(text.size() >> (8 * i)));
    buf.insert(buf.end(), text.begin(), text.end());
    for (const auto& [name, dtype, shape, values] : tensors) {
        for (float v : values) {
            if (dtype == "F32") {
                const uint32_t b = std::bit_cast<uint32_t>(v);
                for (int i = 0; i < 4; ++i) buf.push_back(static_cast<uint8_t>(b >> (8 * i)));
            } else {
                const uint16_t b = dtype == "BF16" ? float_to_bf16(v) : float_to_f16(v);
                buf.push_back(static_cast<uint8_t>(b));
                buf.push_back(static_cast<uint8_t>(b >> 8));
            }
            if (buf.size() >= kReadChunk) flush();
        }
    }
    flush();
    f.commit();
}

// ---------------------------------------------------------------------------------------------
// HF Llama checkpoints

namespace {

using Shape = std::vector<int64_t>;

struct LayerTensor {
    const char* suffix;  // after "model.layers.{i}."
    std::vector<float> LayerWeightsF::*member;
    Shape (*shape)(const ModelConfig&);
};

const std::vector<LayerTensor>& layer_tensors() {
    static const std::vector<LayerTensor> kTensors = {
        {"input_layernorm.weight", &LayerWeightsF::attn_norm,
         [](const ModelConfig& c) { return Shape{c.hidden}; }},
        {"self_attn.q_proj.weight", &LayerWeightsF::wq,
         [](const ModelConfig& c) {
             return Shape{c.q_dim(), c.hidden};
         }},
        {"self_attn.k_proj.weight", &LayerWeightsF::wk,
         [](const ModelConfig& c) {
             return Shape{c.kv_dim(), c.hidden};
         }},
        {"self_attn.v_proj.weight", &LayerWeightsF::wv,
         [](const ModelConfig& c) {
             return Shape{c.kv_dim(), c.hidden};
         }},
        {"self_attn.o_proj.weight", &LayerWeightsF::wo,
         [](const ModelConfig& c) {
             return Shape{c.hidden, c.q_dim()};
         }},
        {"post_attention_layernorm.weight", &LayerWeightsF::ffn_norm,
         [](const ModelConfig& c) { return Shape{c.hidden}; }},
        {"mlp.gate_proj.weight", &LayerWeightsF::w_gate,
         [](const ModelConfig& c) {
             return Shape{c.intermediate, c.hidden};
         }},
        {"mlp.up_proj.weight", &LayerWeightsF::w_up,
         [](const ModelConfig& c) {
             return Shape{c.intermediate, c.hidden};
         }},
        {"mlp.down_proj.weight", &LayerWeightsF::w_down,
         [](const ModelConfig& c) {
             return Shape{c.hidden, c.intermediate};
         }},
    };
    return kTensors;
}

std::string layer_name(int i, const LayerTensor& t) {
    return fmt::format("model.layers.{}.{}", i, t.suffix);
}

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// A single file or the shards of an index; shards open on first use.
class Checkpoint {
  public:
    explicit Checkpoint(const std::string& path)
        : path_(path), sharded_(ends_with(path, ".index.json")) {
        if (!sharded_) {
            files_.emplace(path, std::make_unique<SafetensorsFile>(path));
            return;
        }
        const std::string text = read_text_file(path);
        json j;
        try {
            j = json::parse(text);
        } catch (const json::exception& e) {
            throw Error(fmt::format("{}: index is not valid JSON: {}", path, one_line(e.what())));
        }
        if (!j.is_object() || !j.contains("weight_map") || !j["weight_map"].is_object())
            throw Error(fmt::format("{}: index has no \"weight_map\" object", path));
        const std::filesystem::path dir = std::filesystem::path(path).parent_path();
        for (const auto& [name, file] : j["weight_map"].items()) {
            if (!file.is_string() || !plain_file_name(file.get<std::string>()))
                throw Error(fmt::format(
                    "{}: weight_map entry {} must name a file in the index's folder (a plain "
                    "file name)",
                    path, q(name)));
            shard_of_[name] = (dir / file.get<std::string>()).string();
        }
    }

    std::vector<std::string> names() {
        if (!sharded_) return files_.begin()->second->names();
        std::vector<std::string> out;
        for (const auto& [name, shard] : shard_of_) out.push_back(name);
        return out;
    }

    // The tensor as floats; a NaN or an infinity in it is an Error (a weight the integer model
    // cannot quantize, which would otherwise surface as a "nan" SQNR in the report).
    std::vector<float> read(const std::string& name, const Shape& shape) {
        const auto [file, values] = read_any(name, shape);
        for (size_t i = 0; i < values.size(); ++i)
            if (!std::isfinite(values[i]))
                throw Error(
                    fmt::format("{}: tensor {} has {} at element {}", file, q(name), values[i], i),
                    "weights must be finite");
        return values;
    }

  private:
    std::pair<std::string, std::vector<float>> read_any(const std::string& name,
                                                        const Shape& shape) {
        if (!sharded_) {
            const SafetensorsFile& f = *files_.begin()->second;
            if (!f.has(name)) throw Error(fmt::format("{}: tensor {} is missing", path_, q(name)));
            return {path_, f.read_f32(name, shape)};
        }
        auto it = shard_of_.find(name);
        if (it == shard_of_.end())
            throw Error(
                fmt::format("{}: tensor {} is missing from the weight_map", path_, q(name)));
        auto& file = files_[it->second];
        if (!file) file = std::make_unique<SafetensorsFile>(it->second);
        if (!file->has(name))
            throw Error(
                fmt::format("{}: tensor {} is missing (the weight_map of {} places it here)",
                            it->second, q(name), path_));
        return {it->second, file->read_f32(name, shape)};
    }

    std::string path_;
    bool sharded_;
    std::map<std::string, std::string> shard_of_;  // sharded: tensor -> shard path
    std::map<std::string, std::unique_ptr<SafetensorsFile>> files_;
};

}  // namespace

ModelWeightsF load_safetensors(const ModelConfig& cfg, const std::string& path) {
    cfg.validate();
    Checkpoint ckpt(path);

    // A checkpoint with more layers than the config is a config mismatch, not a subset to load.
    for (const std::string& name : ckpt.names()) {
        constexpr std::string_view kPrefix = "model.layers.";
        if (name.rfind(kPrefix, 0) != 0) continue;
        const char* first = name.data() + kPrefix.size();
        const char* last = name.data() + name.size();
        long layer = 0;
        auto [p, ec] = std::from_chars(first, last, layer);
        if (ec == std::errc() && p != first && layer >= cfg.layers)
            throw Error(
                fmt::format("{}: checkpoint has tensor {} but model config '{}' has {} "
                            "layers",
                            path, q(name), cfg.name, cfg.layers));
    }

    ModelWeightsF w;
    w.cfg = cfg;
    w.embed = ckpt.read("model.embed_tokens.weight", {cfg.vocab, cfg.hidden});
    w.layers.resize(cfg.layers);
    for (int i = 0; i < cfg.layers; ++i)
        for (const LayerTensor& t : layer_tensors())
            w.layers[i].*t.member = ckpt.read(layer_name(i, t), t.shape(cfg));
    w.final_norm = ckpt.read("model.norm.weight", {cfg.hidden});
    if (!cfg.tie_embeddings) w.lm_head = ckpt.read("lm_head.weight", {cfg.vocab, cfg.hidden});
    return w;
}

void write_safetensors_model(const ModelWeightsF& w, const std::string& path,
                             const std::string& dtype) {
    const ModelConfig& c = w.cfg;
    std::vector<SafetensorsEntry> out;
    out.emplace_back("model.embed_tokens.weight", dtype, Shape{c.vocab, c.hidden}, w.embed);
    if (static_cast<int>(w.layers.size()) != c.layers)
        throw Error(fmt::format("{}: weights have {} layers, the config says {}", path,
                                w.layers.size(), c.layers));
    for (int i = 0; i < c.layers; ++i)
        for (const LayerTensor& t : layer_tensors())
            out.emplace_back(layer_name(i, t), dtype, t.shape(c), w.layers[i].*t.member);
    out.emplace_back("model.norm.weight", dtype, Shape{c.hidden}, w.final_norm);
    if (!c.tie_embeddings)
        out.emplace_back("lm_head.weight", dtype, Shape{c.vocab, c.hidden}, w.lm_head_or_embed());
    write_safetensors(path, out);
}

}  // namespace flexllm::golden
