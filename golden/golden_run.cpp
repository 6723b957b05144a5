// The golden flow orchestration.
#include "golden/golden_run.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "golden/container.h"
#include "golden/error.h"
#include "golden/float_ref.h"
#include "golden/rng.h"

namespace flexllm::golden {

GoldenRun run_golden(const GoldenOptions& opt) {
    ModelConfig cfg = load_model_config(opt.model);
    if (opt.prompt_len < 1)
        throw Error(fmt::format("--prompt-len must be at least 1 (got {})", opt.prompt_len));
    if (opt.gen_len < 1)
        throw Error(fmt::format("--gen-len must be at least 1 (got {})", opt.gen_len));
    if (opt.top_k < 1 || opt.top_k > cfg.vocab)
        throw Error(fmt::format("--top-k must be in 1..{} (got {})", cfg.vocab, opt.top_k));
    const int64_t total = static_cast<int64_t>(opt.prompt_len) + opt.gen_len;
    if (total > cfg.max_positions)
        throw Error(fmt::format("prompt + generated = {} exceeds the model's {} positions", total,
                                cfg.max_positions));
    GoldenRun r;
    r.opt = opt;
    ModelWeightsF w = load_weights(cfg, opt.weights);
    QuantizeOptions qo;
    qo.rotate = opt.rotate;
    qo.positions = static_cast<int>(std::max<int64_t>(total, qo.calib_len));
    r.prep = prepare_model(w, qo);
    Rng rng(opt.seed ^ 0x70b7ull);
    for (int i = 0; i < opt.prompt_len; ++i) r.prompt.push_back(rng.uniform_int(cfg.vocab));
    IntModel m(r.prep.qm, static_cast<int>(total));
    r.gen = generate(m, r.prompt, opt.gen_len, {opt.top_k, opt.seed},
                     [&](Tensor&& t) { r.taps.push_back(std::move(t)); });
    for (int l = 0; l < cfg.layers; ++l) {
        const std::vector<int64_t> shape = {cfg.kv_heads, m.position(), cfg.head_dim};
        r.taps.push_back(Tensor::from(fmt::format("final/L{}/k_cache", l), shape, m.k_cache(l)));
        r.taps.push_back(Tensor::from(fmt::format("final/L{}/v_cache", l), shape, m.v_cache(l)));
    }
    // Float reference teacher-forced on the same tokens.
    FloatModel fm(r.prep.folded, true);
    std::vector<std::vector<float>> flog;
    flog.push_back(fm.forward(r.prompt));
    for (int g = 0; g + 1 < opt.gen_len; ++g)
        flog.push_back(fm.forward(std::span<const int>(&r.gen.tokens[g], 1)));
    r.accuracy = measure_accuracy(r.prep, r.taps, r.gen.logits, flog);
    return r;
}

std::string GoldenRun::meta_json() const {
    nlohmann::json j;
    j["format"] = "flexllm-golden";
    j["numerics"] = "golden/NUMERICS.md v1";
    j["model_toml"] = prep.qm.cfg.to_toml();
    j["weights"] = opt.weights;
    j["prompt_len"] = opt.prompt_len;
    j["gen_len"] = opt.gen_len;
    j["top_k"] = opt.top_k;
    j["seed"] = opt.seed;
    j["rotate"] = opt.rotate;
    j["prompt"] = prompt;
    j["generated"] = gen.tokens;
    j["accuracy"]["top1_agreement"] = accuracy.top1_agreement;
    j["accuracy"]["mean_kl"] = accuracy.mean_kl;
    return j.dump();
}

std::vector<Tensor> GoldenRun::container_tensors() const {
    std::vector<Tensor> out = prep.qm.to_tensors();
    out.insert(out.end(), taps.begin(), taps.end());
    return out;
}

namespace {
// The metadata of a container written by `flexllm golden`; throws Error naming the file.
nlohmann::json golden_meta(const GoldenReader& rd) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(rd.meta_json());
    } catch (const nlohmann::json::exception& e) {
        throw Error(fmt::format("{}: bad metadata: {}", rd.path(), e.what()));
    }
    if (!j.is_object() || !j.contains("format") || j["format"] != "flexllm-golden" ||
        !j.contains("model_toml") || !j["model_toml"].is_string())
        throw Error(rd.path() + ": metadata is not a flexllm golden run");
    return j;
}

ModelConfig meta_config(const GoldenReader& rd, const nlohmann::json& meta) {
    return parse_model_config(meta["model_toml"].get<std::string>(), rd.path() + " (model_toml)");
}
}  // namespace

ModelConfig golden_file_config(const std::string& path) {
    const GoldenReader rd(path);
    return meta_config(rd, golden_meta(rd));
}

GoldenRun load_golden_run(const std::string& path) {
    GoldenReader rd(path);
    GoldenRun g;
    const nlohmann::json j = golden_meta(rd);
    const ModelConfig cfg = meta_config(rd, j);
    try {
        g.opt.model = cfg.name;
        g.opt.weights = j.at("weights").get<std::string>();
        g.opt.prompt_len = j.at("prompt_len").get<int>();
        g.opt.gen_len = j.at("gen_len").get<int>();
        g.opt.top_k = j.at("top_k").get<int>();
        g.opt.seed = j.at("seed").get<uint64_t>();
        g.opt.rotate = j.at("rotate").get<bool>();
        g.prompt = j.at("prompt").get<std::vector<int>>();
        g.gen.tokens = j.at("generated").get<std::vector<int>>();
    } catch (const nlohmann::json::exception& e) {
        throw Error(fmt::format("{}: bad metadata: {}", path, e.what()));
    }
    if (static_cast<int>(g.prompt.size()) != g.opt.prompt_len ||
        static_cast<int>(g.gen.tokens.size()) != g.opt.gen_len)
        throw Error(fmt::format(
            "{}: bad metadata: {} prompt and {} generated tokens, prompt_len {} "
            "and gen_len {}",
            path, g.prompt.size(), g.gen.tokens.size(), g.opt.prompt_len, g.opt.gen_len));
    for (const std::vector<int>* toks : {&g.prompt, &g.gen.tokens})
        for (int t : *toks)
            if (t < 0 || t >= cfg.vocab)
                throw Error(fmt::format("{}: bad metadata: token {} outside the vocabulary of {}",
                                        path, t, cfg.vocab));
    std::vector<Tensor> params;
    for (const auto& n : rd.names()) {
        if (n.rfind("param/", 0) == 0)
            params.push_back(rd.read(n));
        else
            g.taps.push_back(rd.read(n));
    }
    try {
        g.prep.qm = QuantModel::from_tensors(cfg, params);
    } catch (const Error& e) {
        throw Error(fmt::format("{}: {}", path, e.what()));
    }
    return g;
}

}  // namespace flexllm::golden
