// Float reference implementation.
#include "golden/float_ref.h"

#include <algorithm>
#include <cmath>

#include "golden/tables.h"

namespace flexllm::golden {

void rmsnorm_f(std::span<const float> x, std::span<const float> gain, double eps,
               std::span<float> y) {
    double ss = 0;
    for (float v : x) ss += static_cast<double>(v) * v;
    const double r = 1.0 / std::sqrt(ss / x.size() + eps);
    for (size_t i = 0; i < x.size(); ++i)
        y[i] = static_cast<float>(x[i] * r * (gain.empty() ? 1.0 : gain[i]));
}

void linear_f(std::span<const float> w, int d_out, int d_in, std::span<const float> x,
              std::span<float> y) {
    for (int j = 0; j < d_out; ++j) {
        const float* row = w.data() + static_cast<size_t>(j) * d_in;
        double acc = 0;
        for (int i = 0; i < d_in; ++i) acc += static_cast<double>(row[i]) * x[i];
        y[j] = static_cast<float>(acc);
    }
}

void rope_f(std::span<const float> x, std::span<const double> inv_freq, int pos,
            std::span<float> y) {
    const size_t half = x.size() / 2;
    for (size_t j = 0; j < half; ++j) {
        const double a = x[j], b = x[j + half], ang = pos * inv_freq[j];
        const double c = std::cos(ang), s = std::sin(ang);
        y[j] = static_cast<float>(a * c - b * s);
        y[j + half] = static_cast<float>(b * c + a * s);
    }
}

void softmax_f(std::span<const float> s, std::span<float> p) {
    const float mx = *std::max_element(s.begin(), s.end());
    double sum = 0;
    for (size_t j = 0; j < s.size(); ++j) sum += std::exp(static_cast<double>(s[j]) - mx);
    for (size_t j = 0; j < s.size(); ++j)
        p[j] = static_cast<float>(std::exp(static_cast<double>(s[j]) - mx) / sum);
}

float silu_f(float x) { return static_cast<float>(x / (1.0 + std::exp(-static_cast<double>(x)))); }

void fht_f(std::span<float> v) {
    const size_t n = v.size();
    std::vector<double> d(v.begin(), v.end());
    for (size_t h = 1; h < n; h <<= 1)
        for (size_t i = 0; i < n; i += 2 * h)
            for (size_t j = i; j < i + h; ++j) {
                const double a = d[j], b = d[j + h];
                d[j] = a + b;
                d[j + h] = a - b;
            }
    const double s = 1.0 / std::sqrt(static_cast<double>(n));
    for (size_t i = 0; i < n; ++i) v[i] = static_cast<float>(d[i] * s);
}

FloatModel::FloatModel(const ModelWeightsF& w, bool online_hadamard)
    : w_(w),
      online_hadamard_(online_hadamard),
      inv_freq_(rope_inv_freq(w.cfg)),
      k_cache_(w.cfg.layers),
      v_cache_(w.cfg.layers) {}

std::vector<float> FloatModel::forward(std::span<const int> tokens, CalibStats* stats) {
    const auto& c = w_.cfg;
    const int h = c.hidden, hd = c.head_dim, qd = c.q_dim(), kvd = c.kv_dim(), f = c.intermediate;
    if (stats && stats->q_max.empty()) {
        stats->q_max.assign(c.layers, std::vector<float>(c.heads, 0.f));
        stats->k_max.assign(c.layers, std::vector<float>(c.kv_heads, 0.f));
        stats->v_max.assign(c.layers, std::vector<float>(c.kv_heads, 0.f));
    }
    std::vector<float> logits(c.vocab);
    std::vector<float> x(h), n(h), q(qd), k(kvd), v(kvd), tmp(std::max(qd, f)), ctx(qd), o(h), g(f),
        u(f), dn(h);
    for (size_t t = 0; t < tokens.size(); ++t, ++pos_) {
        const int pos = pos_;
        std::copy_n(w_.embed.begin() + static_cast<size_t>(tokens[t]) * h, h, x.begin());
        for (int l = 0; l < c.layers; ++l) {
            const auto& L = w_.layers[l];
            rmsnorm_f(x, L.attn_norm, c.rms_eps, n);
            linear_f(L.wq, qd, h, n, q);
            linear_f(L.wk, kvd, h, n, k);
            linear_f(L.wv, kvd, h, n, v);
            for (int hh = 0; hh < c.heads; ++hh) {
                std::span<float> qs(q.data() + hh * hd, hd);
                rope_f(qs, inv_freq_, pos, std::span<float>(tmp.data(), hd));
                std::copy_n(tmp.begin(), hd, qs.begin());
            }
            for (int kh = 0; kh < c.kv_heads; ++kh) {
                std::span<float> ks(k.data() + kh * hd, hd);
                rope_f(ks, inv_freq_, pos, std::span<float>(tmp.data(), hd));
                std::copy_n(tmp.begin(), hd, ks.begin());
            }
            if (stats) {
                for (int hh = 0; hh < c.heads; ++hh)
                    for (int d = 0; d < hd; ++d)
                        stats->q_max[l][hh] =
                            std::max(stats->q_max[l][hh], std::fabs(q[hh * hd + d]));
                for (int kh = 0; kh < c.kv_heads; ++kh)
                    for (int d = 0; d < hd; ++d) {
                        stats->k_max[l][kh] =
                            std::max(stats->k_max[l][kh], std::fabs(k[kh * hd + d]));
                        stats->v_max[l][kh] =
                            std::max(stats->v_max[l][kh], std::fabs(v[kh * hd + d]));
                    }
            }
            k_cache_[l].insert(k_cache_[l].end(), k.begin(), k.end());
            v_cache_[l].insert(v_cache_[l].end(), v.begin(), v.end());
            const int ctx_len = pos + 1;
            std::vector<float> s(ctx_len), p(ctx_len);
            const double scale = 1.0 / std::sqrt(static_cast<double>(hd));
            for (int hh = 0; hh < c.heads; ++hh) {
                const int kh = hh / c.group();
                for (int j = 0; j < ctx_len; ++j) {
                    double acc = 0;
                    const float* kr = k_cache_[l].data() + static_cast<size_t>(j) * kvd + kh * hd;
                    for (int d = 0; d < hd; ++d) acc += static_cast<double>(q[hh * hd + d]) * kr[d];
                    s[j] = static_cast<float>(acc * scale);
                }
                softmax_f(s, p);
                for (int d = 0; d < hd; ++d) {
                    double acc = 0;
                    for (int j = 0; j < ctx_len; ++j)
                        acc += static_cast<double>(p[j]) *
                               v_cache_[l][static_cast<size_t>(j) * kvd + kh * hd + d];
                    ctx[hh * hd + d] = static_cast<float>(acc);
                }
            }
            linear_f(L.wo, h, qd, ctx, o);
            for (int i = 0; i < h; ++i) x[i] += o[i];
            rmsnorm_f(x, L.ffn_norm, c.rms_eps, n);
            linear_f(L.w_gate, f, h, n, g);
            linear_f(L.w_up, f, h, n, u);
            for (int i = 0; i < f; ++i) g[i] = silu_f(g[i]) * u[i];
            if (online_hadamard_) fht_f(g);
            linear_f(L.w_down, h, f, g, dn);
            for (int i = 0; i < h; ++i) x[i] += dn[i];
        }
        if (t + 1 == tokens.size()) {
            rmsnorm_f(x, w_.final_norm, c.rms_eps, n);
            linear_f(w_.lm_head_or_embed(), c.vocab, h, n, logits);
        }
    }
    return logits;
}

}  // namespace flexllm::golden
