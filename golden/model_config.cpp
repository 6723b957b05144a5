// Model config parsing and validation.
#include "golden/model_config.h"

#include <fmt/format.h>

#include <bit>

#include "golden/config_io.h"
#include "golden/error.h"

namespace flexllm::embedded {
const std::vector<std::pair<std::string_view, std::string_view>>& model_configs();
}

namespace flexllm::golden {

namespace {
bool pow2(int v) { return v > 0 && std::has_single_bit(static_cast<unsigned>(v)); }
}  // namespace

void ModelConfig::validate() const {
    auto fail = [&](const std::string& why) {
        throw Error(fmt::format("model '{}': {}", name, why));
    };
    auto positive = [&](const char* key, int v) {
        if (v <= 0) fail(fmt::format("{} must be positive (got {})", key, v));
    };
    positive("hidden", hidden);
    positive("layers", layers);
    positive("heads", heads);
    positive("kv_heads", kv_heads);
    positive("head_dim", head_dim);
    positive("intermediate", intermediate);
    positive("vocab", vocab);
    positive("max_positions", max_positions);
    if (hidden % heads != 0)
        fail(fmt::format("heads ({}) does not divide hidden ({})", heads, hidden));
    if (head_dim != hidden / heads)  // heads * head_dim == hidden, without overflowing
        fail(fmt::format("heads*head_dim ({}*{}) must equal hidden ({})", heads, head_dim, hidden));
    if (heads % kv_heads != 0)
        fail(fmt::format("kv_heads ({}) does not divide heads ({}) for GQA", kv_heads, heads));
    if (!pow2(hidden))
        fail(
            fmt::format("hidden ({}) must be a power of two for the R1 Hadamard rotation", hidden));
    if (!pow2(head_dim) || head_dim < 2)
        fail(fmt::format("head_dim ({}) must be a power of two >= 2 (R2 Hadamard, RoPE pairs)",
                         head_dim));
    if (!pow2(intermediate))
        fail(fmt::format("intermediate ({}) must be a power of two for the online FHT (R4)",
                         intermediate));
    if (vocab < 2) fail("vocab must be at least 2");
    // eps is added to the mean square in Q32 (NUMERICS.md): a positive fraction.
    if (!(rms_eps > 0 && rms_eps < 1)) fail("rms_eps must be in (0, 1)");
    if (!(rope_theta > 1)) fail("rope_theta must be greater than 1");
    if (rope_scaling.llama3) {
        const auto& s = rope_scaling;
        if (!(s.factor >= 1)) fail("rope_scaling.factor must be >= 1");
        if (!(s.low_freq_factor > 0) || !(s.high_freq_factor > s.low_freq_factor))
            fail("rope_scaling needs 0 < low_freq_factor < high_freq_factor");
        if (s.original_max_positions <= 0)
            fail("rope_scaling.original_max_positions must be positive");
    }
}

std::string ModelConfig::to_toml() const {
    std::string s = fmt::format(
        "name = {}\nhidden = {}\nlayers = {}\nheads = {}\nkv_heads = {}\nhead_dim = {}\n"
        "intermediate = {}\nvocab = {}\nmax_positions = {}\nrope_theta = {:.17g}\n"
        "rms_eps = {:.17g}\ntie_embeddings = {}\n\n[rope_scaling]\n",
        toml_quoted(name), hidden, layers, heads, kv_heads, head_dim, intermediate, vocab,
        max_positions, rope_theta, rms_eps, tie_embeddings);
    if (!rope_scaling.llama3) return s + "type = \"none\"\n";
    return s + fmt::format(
                   "type = \"llama3\"\nfactor = {:.17g}\nlow_freq_factor = {:.17g}\n"
                   "high_freq_factor = {:.17g}\noriginal_max_positions = {}\n",
                   rope_scaling.factor, rope_scaling.low_freq_factor, rope_scaling.high_freq_factor,
                   rope_scaling.original_max_positions);
}

ModelConfig parse_model_config(const std::string& toml_text, const std::string& origin) {
    toml::table tbl = parse_toml(toml_text, origin);
    TomlReader r(tbl, origin);
    ModelConfig c;
    auto get_i32 = [&](std::string_view key) {
        return static_cast<int>(r.get_int_in(key, INT32_MIN, INT32_MAX));
    };
    c.name = r.get_string("name");
    c.hidden = get_i32("hidden");
    c.layers = get_i32("layers");
    c.heads = get_i32("heads");
    c.kv_heads = get_i32("kv_heads");
    c.head_dim = get_i32("head_dim");
    c.intermediate = get_i32("intermediate");
    c.vocab = get_i32("vocab");
    c.max_positions = get_i32("max_positions");
    c.rope_theta = r.get_double("rope_theta");
    c.rms_eps = r.get_double("rms_eps");
    c.tie_embeddings = r.get_bool("tie_embeddings", true);
    TomlReader rs = r.sub("rope_scaling");
    std::string type = rs.get_string("type", "llama3");
    if (type == "none") {
        c.rope_scaling.llama3 = false;
    } else if (type == "llama3") {
        c.rope_scaling.factor = rs.get_double("factor");
        c.rope_scaling.low_freq_factor = rs.get_double("low_freq_factor");
        c.rope_scaling.high_freq_factor = rs.get_double("high_freq_factor");
        c.rope_scaling.original_max_positions =
            static_cast<int>(rs.get_int_in("original_max_positions", INT32_MIN, INT32_MAX));
    } else {
        throw Error(rs.where("type") + ": must be \"llama3\" or \"none\" (got \"" + type + "\")");
    }
    rs.finish();
    r.finish();
    c.validate();
    return c;
}

ModelConfig load_model_config(const std::string& name_or_path) {
    auto [origin, text] = resolve_config_text("model", name_or_path, embedded::model_configs());
    return parse_model_config(text, origin);
}

std::vector<std::string> builtin_model_names() {
    std::vector<std::string> names;
    for (const auto& [name, text] : embedded::model_configs()) names.emplace_back(name);
    return names;
}

}  // namespace flexllm::golden
