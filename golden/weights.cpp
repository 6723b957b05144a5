// Synthetic LLM-like weights from a seed.
#include "golden/weights.h"

#include <algorithm>
#include <cmath>

#include "golden/rng.h"

namespace flexllm::golden {

namespace {

std::vector<float> gaussian(Rng& rng, size_t n, double std) {
    std::vector<float> v(n);
    for (auto& x : v) x = static_cast<float>(rng.normal() * std);
    return v;
}

// RMSNorm gains near 1; small on the outlier channels (as in trained LLMs, whose norms damp the
// massive-activation channels).
std::vector<float> norm_gains(Rng& rng, int hidden,
                              const std::vector<std::pair<int, double>>& outliers) {
    std::vector<float> g(hidden);
    for (auto& x : g) x = static_cast<float>(1.0 + 0.2 * rng.normal());
    for (auto [c, f] : outliers) g[c] = static_cast<float>(g[c] / f);
    return g;
}

// An untied LM head that has learned a bigram: the row of token succ(t) is 0.7 of the embedding
// of t plus 0.3 of a Gaussian, succ a random permutation of the vocabulary. A state that still
// carries its input token t predicts succ(t) with the margin a tied head gives t itself, so greedy
// decoding walks succ's cycles (varied tokens) instead of repeating its input; attention and the
// FFN perturb the walk.
std::vector<float> successor_head(Rng& rng, const ModelConfig& cfg,
                                  const std::vector<float>& embed) {
    const int h = cfg.hidden;
    std::vector<float> head = gaussian(rng, static_cast<size_t>(cfg.vocab) * h, 3.0 / std::sqrt(h));
    std::vector<int> succ(cfg.vocab);
    for (int t = 0; t < cfg.vocab; ++t) succ[t] = t;
    for (int t = cfg.vocab - 1; t > 0; --t) std::swap(succ[t], succ[rng.uniform_int(t + 1)]);
    for (int t = 0; t < cfg.vocab; ++t)
        for (int c = 0; c < h; ++c) {
            float& x = head[static_cast<size_t>(succ[t]) * h + c];
            x = 0.3f * x + 0.7f * embed[static_cast<size_t>(t) * h + c];
        }
    return head;
}

}  // namespace

ModelWeightsF synthetic_weights(const ModelConfig& cfg, uint64_t seed) {
    cfg.validate();
    Rng rng(seed * 0x9e3779b97f4a7c15ull + 12345);
    ModelWeightsF w;
    w.cfg = cfg;
    const int h = cfg.hidden, f = cfg.intermediate, qd = cfg.q_dim(), kvd = cfg.kv_dim();
    // A few residual-stream outlier channels, 20-100x larger than the rest.
    const int n_out = std::max(2, h / 128);
    std::vector<std::pair<int, double>> outliers;
    while (static_cast<int>(outliers.size()) < n_out) {
        int c = rng.uniform_int(h);
        if (std::any_of(outliers.begin(), outliers.end(), [&](auto& o) { return o.first == c; }))
            continue;
        outliers.emplace_back(c, 20.0 + 80.0 * rng.uniform());
    }
    // Embedding std so that tied logits of a normalized state have std ~3 (peaked distributions).
    w.embed = gaussian(rng, static_cast<size_t>(cfg.vocab) * h, 3.0 / std::sqrt(h));
    for (int t = 0; t < cfg.vocab; ++t)
        for (auto [c, fac] : outliers)
            w.embed[static_cast<size_t>(t) * h + c] *= static_cast<float>(fac);
    auto scale_rows = [&](std::vector<float>& m, int cols) {
        for (auto [c, fac] : outliers)
            for (int i = 0; i < cols; ++i)
                m[static_cast<size_t>(c) * cols + i] *= static_cast<float>(fac);
    };
    for (int l = 0; l < cfg.layers; ++l) {
        LayerWeightsF L;
        L.attn_norm = norm_gains(rng, h, outliers);
        L.wq = gaussian(rng, static_cast<size_t>(qd) * h, 2.0 / std::sqrt(h));
        L.wk = gaussian(rng, static_cast<size_t>(kvd) * h, 2.0 / std::sqrt(h));
        L.wv = gaussian(rng, static_cast<size_t>(kvd) * h, 1.0 / std::sqrt(h));
        L.wo = gaussian(rng, static_cast<size_t>(h) * qd, 0.5 / std::sqrt(qd));
        scale_rows(L.wo, qd);
        L.ffn_norm = norm_gains(rng, h, outliers);
        L.w_gate = gaussian(rng, static_cast<size_t>(f) * h, 1.0 / std::sqrt(h));
        L.w_up = gaussian(rng, static_cast<size_t>(f) * h, 1.0 / std::sqrt(h));
        L.w_down = gaussian(rng, static_cast<size_t>(h) * f, 0.5 / std::sqrt(f));
        scale_rows(L.w_down, f);
        w.layers.push_back(std::move(L));
    }
    // The final norm damps the outlier channels once more (1/fac^2 in all), so that the head reads
    // what a state says about its token rather than the massive-activation channels every state
    // shares (with 1/fac the head's argmax follows those channels to one fixed token).
    w.final_norm = norm_gains(rng, h, outliers);
    for (auto [c, fac] : outliers) w.final_norm[c] = static_cast<float>(w.final_norm[c] / fac);
    if (!cfg.tie_embeddings) w.lm_head = successor_head(rng, cfg, w.embed);
    return w;
}

}  // namespace flexllm::golden
