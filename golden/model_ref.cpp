// Integer forward pass built from the _ref ops.
#include "golden/model_ref.h"

#include <fmt/format.h>

#include "golden/error.h"

namespace flexllm::golden {

LinearTapNames linear_taps(const std::string& role) {
    if (role == "q" || role == "k" || role == "v") return {"attn_quant", role + "_proj"};
    if (role == "o") return {"o_quant", "o_proj"};
    if (role == "gate" || role == "up") return {"ffn_quant", role + "_proj"};
    if (role == "down") return {"down_quant", "down_proj"};
    if (role == "lm_head") return {"lm_quant", "logits"};
    throw Error(fmt::format("unknown linear role '{}'", role));
}

IntModel::IntModel(const QuantModel& qm, int max_positions) : qm_(&qm), max_pos_(max_positions) {
    if (max_positions > qm.rope.positions)
        throw Error(fmt::format("{} positions requested but the RoPE tables cover {}",
                                max_positions, qm.rope.positions));
    const auto& c = qm.cfg;
    const size_t per_layer = static_cast<size_t>(c.kv_heads) * max_pos_ * c.head_dim;
    kc_.assign(c.layers, std::vector<int8_t>(per_layer));
    vc_.assign(c.layers, std::vector<int8_t>(per_layer));
}

namespace {

// Quantizes each token row of x into `out` and taps NAME.q / .zero / .range.
void quant_and_tap(const std::vector<int32_t>& x, int tokens, int d, std::vector<TokenQuant>& out,
                   const std::string& name, const TapFn& tap) {
    out.clear();
    std::vector<uint8_t> q;
    std::vector<int32_t> zero;
    std::vector<uint32_t> range;
    for (int t = 0; t < tokens; ++t) {
        out.push_back(
            quant_token_ref(std::span<const int32_t>(x.data() + static_cast<size_t>(t) * d, d)));
        q.insert(q.end(), out.back().q.begin(), out.back().q.end());
        zero.push_back(out.back().zero);
        range.push_back(out.back().range);
    }
    if (tap) {
        tap(Tensor::from(name + ".q", {tokens, d}, q));
        tap(Tensor::from(name + ".zero", {tokens}, zero));
        tap(Tensor::from(name + ".range", {tokens}, range));
    }
}

std::vector<int32_t> linear_rows(const LinearParamsRef& p, const std::vector<TokenQuant>& a) {
    std::vector<int32_t> y(a.size() * p.d_out);
    for (size_t t = 0; t < a.size(); ++t)
        linear_ref(p, a[t], std::span<int32_t>(y.data() + t * p.d_out, p.d_out));
    return y;
}

}  // namespace

void IntModel::layer(int l, std::vector<int32_t>& x, int T, const std::string& pre,
                     const TapFn& tap) {
    const auto& c = qm_->cfg;
    const auto& L = qm_->layers[l];
    const int h = c.hidden, hd = c.head_dim, qd = c.q_dim(), kvd = c.kv_dim(), f = c.intermediate;
    const int ctx = pos_ + T;
    auto emit = [&](const std::string& name, std::vector<int64_t> shape, const auto& v) {
        if (tap) tap(Tensor::from(pre + name, std::move(shape), v));
    };
    auto norm = [&](const std::vector<int32_t>& in) {
        std::vector<int32_t> y(in.size());
        for (int t = 0; t < T; ++t)
            rmsnorm_ref(std::span<const int32_t>(in.data() + static_cast<size_t>(t) * h, h),
                        qm_->eps_q32, std::span<int32_t>(y.data() + static_cast<size_t>(t) * h, h));
        return y;
    };
    std::vector<TokenQuant> a;
    // ---- attention block
    auto n = norm(x);
    emit("attn_norm", {T, h}, n);
    quant_and_tap(n, T, h, a, pre + "attn_quant", tap);
    auto q = linear_rows(L.q, a), k = linear_rows(L.k, a), v = linear_rows(L.v, a);
    emit("q_proj", {T, qd}, q);
    emit("k_proj", {T, kvd}, k);
    emit("v_proj", {T, kvd}, v);
    std::vector<int32_t> qr(q.size()), kr(k.size());
    for (int t = 0; t < T; ++t) {
        for (int hh = 0; hh < c.heads; ++hh) {
            const size_t o = static_cast<size_t>(t) * qd + hh * hd;
            rope_ref(std::span<const int32_t>(q.data() + o, hd), qm_->rope, pos_ + t,
                     std::span<int32_t>(qr.data() + o, hd));
        }
        for (int kh = 0; kh < c.kv_heads; ++kh) {
            const size_t o = static_cast<size_t>(t) * kvd + kh * hd;
            rope_ref(std::span<const int32_t>(k.data() + o, hd), qm_->rope, pos_ + t,
                     std::span<int32_t>(kr.data() + o, hd));
        }
    }
    emit("q_rope", {T, qd}, qr);
    emit("k_rope", {T, kvd}, kr);
    std::vector<int8_t> q8(qr.size()), k8(kr.size()), v8(v.size());
    for (int t = 0; t < T; ++t) {
        for (int i = 0; i < qd; ++i)
            q8[t * qd + i] = quant_static_ref(qr[t * qd + i], L.q_mult[i / hd]);
        for (int i = 0; i < kvd; ++i) {
            k8[t * kvd + i] = quant_static_ref(kr[t * kvd + i], L.k_mult[i / hd]);
            v8[t * kvd + i] = quant_static_ref(v[t * kvd + i], L.v_mult[i / hd]);
        }
    }
    emit("q_int8", {T, qd}, q8);
    emit("k_int8", {T, kvd}, k8);
    emit("v_int8", {T, kvd}, v8);
    // kv_cache: write the step's keys/values at their positions.
    for (int t = 0; t < T; ++t)
        for (int kh = 0; kh < c.kv_heads; ++kh)
            for (int d = 0; d < hd; ++d) {
                const size_t dst = (static_cast<size_t>(kh) * max_pos_ + pos_ + t) * hd + d;
                kc_[l][dst] = k8[t * kvd + kh * hd + d];
                vc_[l][dst] = v8[t * kvd + kh * hd + d];
            }
    std::vector<int32_t> scores(static_cast<size_t>(T) * c.heads * ctx, 0);
    std::vector<uint8_t> probs(scores.size(), 0);
    std::vector<int32_t> cx(static_cast<size_t>(T) * qd);
    for (int t = 0; t < T; ++t)
        for (int hh = 0; hh < c.heads; ++hh) {
            const int kh = hh / c.group();
            const int n_keys = pos_ + t + 1;  // causal: keys 0..pos
            const int8_t* kbase = kc_[l].data() + static_cast<size_t>(kh) * max_pos_ * hd;
            const int8_t* vbase = vc_[l].data() + static_cast<size_t>(kh) * max_pos_ * hd;
            const size_t row = (static_cast<size_t>(t) * c.heads + hh) * ctx;
            std::span<int32_t> s(scores.data() + row, n_keys);
            std::span<uint8_t> p(probs.data() + row, n_keys);
            attn_scores_ref(std::span<const int8_t>(q8.data() + t * qd + hh * hd, hd),
                            std::span<const int8_t>(kbase, static_cast<size_t>(n_keys) * hd),
                            n_keys, hd, s);
            softmax_ref(s, L.score_mult[hh], p);
            attn_context_ref(p, std::span<const int8_t>(vbase, static_cast<size_t>(n_keys) * hd),
                             n_keys, hd, L.ctx_mult[kh],
                             std::span<int32_t>(cx.data() + t * qd + hh * hd, hd));
        }
    emit("attn_scores", {T, c.heads, ctx}, scores);
    emit("softmax", {T, c.heads, ctx}, probs);
    emit("attn_context", {T, qd}, cx);
    quant_and_tap(cx, T, qd, a, pre + "o_quant", tap);
    auto o = linear_rows(L.o, a);
    emit("o_proj", {T, h}, o);
    for (size_t i = 0; i < x.size(); ++i) x[i] = residual_ref(x[i], o[i]);
    emit("attn_residual", {T, h}, x);
    // ---- FFN block
    n = norm(x);
    emit("ffn_norm", {T, h}, n);
    quant_and_tap(n, T, h, a, pre + "ffn_quant", tap);
    auto g = linear_rows(L.gate, a), u = linear_rows(L.up, a);
    emit("gate_proj", {T, f}, g);
    emit("up_proj", {T, f}, u);
    std::vector<int32_t> sw(g.size()), fh(g.size());
    for (size_t i = 0; i < g.size(); ++i) sw[i] = swiglu_ref(g[i], u[i]);
    emit("swiglu", {T, f}, sw);
    for (int t = 0; t < T; ++t)
        fht_ref(std::span<const int32_t>(sw.data() + static_cast<size_t>(t) * f, f),
                std::span<int32_t>(fh.data() + static_cast<size_t>(t) * f, f));
    emit("fht", {T, f}, fh);
    quant_and_tap(fh, T, f, a, pre + "down_quant", tap);
    auto dn = linear_rows(L.down, a);
    emit("down_proj", {T, h}, dn);
    for (size_t i = 0; i < x.size(); ++i) x[i] = residual_ref(x[i], dn[i]);
    emit("ffn_residual", {T, h}, x);
}

std::vector<int32_t> IntModel::forward(std::span<const int> tokens, const std::string& step,
                                       const TapFn& tap) {
    const auto& c = qm_->cfg;
    const int T = static_cast<int>(tokens.size());
    if (T == 0) throw Error("forward needs at least one token");
    if (pos_ + T > max_pos_)
        throw Error(fmt::format("position {} exceeds the {} positions of the KV cache", pos_ + T,
                                max_pos_));
    const int h = c.hidden;
    std::vector<int32_t> x(static_cast<size_t>(T) * h);
    for (int t = 0; t < T; ++t) {
        if (tokens[t] < 0 || tokens[t] >= c.vocab)
            throw Error(
                fmt::format("token id {} outside the vocabulary (0..{})", tokens[t], c.vocab - 1));
        std::copy_n(qm_->embed.begin() + static_cast<size_t>(tokens[t]) * h, h,
                    x.begin() + static_cast<size_t>(t) * h);
    }
    if (tap) tap(Tensor::from(step + "/embed", {T, h}, x));
    for (int l = 0; l < c.layers; ++l) layer(l, x, T, fmt::format("{}/L{}/", step, l), tap);
    pos_ += T;
    std::vector<int32_t> last(x.end() - h, x.end()), n(h), logits(c.vocab);
    rmsnorm_ref(last, qm_->eps_q32, n);
    TokenQuant a = quant_token_ref(n);
    linear_ref(qm_->lm_head, a, logits);
    if (tap) {
        tap(Tensor::from(step + "/final_norm", {1, h}, n));
        tap(Tensor::from(step + "/lm_quant.q", {1, h}, a.q));
        tap(Tensor::from(step + "/lm_quant.zero", {1}, std::vector<int32_t>{a.zero}));
        tap(Tensor::from(step + "/lm_quant.range", {1}, std::vector<uint32_t>{a.range}));
        tap(Tensor::from(step + "/logits", {1, c.vocab}, logits));
    }
    return logits;
}

std::vector<int8_t> IntModel::cache_rows(const std::vector<int8_t>& cache) const {
    const auto& c = qm_->cfg;
    std::vector<int8_t> out;
    for (int kh = 0; kh < c.kv_heads; ++kh) {
        auto b = cache.begin() + static_cast<size_t>(kh) * max_pos_ * c.head_dim;
        out.insert(out.end(), b, b + static_cast<size_t>(pos_) * c.head_dim);
    }
    return out;
}

std::vector<int8_t> IntModel::k_cache(int layer) const { return cache_rows(kc_[layer]); }
std::vector<int8_t> IntModel::v_cache(int layer) const { return cache_rows(vc_[layer]); }

GenerateResult generate(IntModel& m, std::span<const int> prompt, int gen_len,
                        const SamplingParams& sp, const TapFn& tap) {
    GenerateResult r;
    SplitMix64 rng{sp.seed};
    auto logits = m.forward(prompt, "prefill", tap);
    for (int g = 0; g < gen_len; ++g) {
        const int tok = sample_topk_ref(logits, sp.top_k, m.model().sample_mult, rng);
        const std::string step = g == 0 ? "prefill" : fmt::format("decode/{}", m.position() - 1);
        if (tap) tap(Tensor::from(step + "/token", {1}, std::vector<int32_t>{tok}));
        r.tokens.push_back(tok);
        r.logits.push_back(std::move(logits));
        if (g + 1 < gen_len)
            logits = m.forward(std::span<const int>(&r.tokens.back(), 1),
                               fmt::format("decode/{}", m.position()), tap);
    }
    return r;
}

}  // namespace flexllm::golden
