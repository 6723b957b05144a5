// Accuracy report: per-stage SQNR on the same inputs and end-to-end logit agreement.
#include "golden/accuracy.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numbers>

#include "golden/error.h"
#include "golden/float_ref.h"
#include "golden/tables.h"

namespace flexllm::golden {

namespace {

constexpr double kQ16 = 65536.0;

struct Acc {
    double sig = 0, noise = 0;
    int64_t n = 0;
    void add(double ref, double got) {
        sig += ref * ref;
        noise += (ref - got) * (ref - got);
        ++n;
    }
    double db() const {
        return noise == 0 ? std::numeric_limits<double>::infinity() : 10 * std::log10(sig / noise);
    }
};

class Taps {
  public:
    explicit Taps(const std::vector<Tensor>& ts) {
        for (const auto& t : ts) map_.emplace(t.name, &t);
    }
    bool has(const std::string& n) const { return map_.count(n) != 0; }
    template <class T>
    std::vector<T> get(const std::string& n) const {
        auto it = map_.find(n);
        if (it == map_.end()) throw Error(fmt::format("accuracy: missing tap '{}'", n));
        return it->second->to_vector<T>();
    }
    const Tensor& tensor(const std::string& n) const { return *map_.at(n); }

  private:
    std::map<std::string, const Tensor*> map_;
};

std::vector<float> deq(const std::vector<int32_t>& v, double scale = 1.0) {
    std::vector<float> f(v.size());
    for (size_t i = 0; i < v.size(); ++i) f[i] = static_cast<float>(v[i] / kQ16 * scale);
    return f;
}

std::vector<double> softmax_d(const std::vector<double>& l) {
    const double mx = *std::max_element(l.begin(), l.end());
    double s = 0;
    std::vector<double> p(l.size());
    for (size_t i = 0; i < l.size(); ++i) s += (p[i] = std::exp(l[i] - mx));
    for (auto& x : p) x /= s;
    return p;
}

}  // namespace

AccuracyReport measure_accuracy(const Prepared& prep, const std::vector<Tensor>& taps,
                                const std::vector<std::vector<int32_t>>& int_logits,
                                const std::vector<std::vector<float>>& float_logits) {
    const auto& c = prep.qm.cfg;
    const auto& fw = prep.folded;
    const int h = c.hidden, hd = c.head_dim, qd = c.q_dim(), kvd = c.kv_dim(), f = c.intermediate;
    const auto inv_freq = rope_inv_freq(c);
    const double fht_scale = std::exp2(fht_shift(f)) / std::sqrt(static_cast<double>(f));
    Taps tp(taps);
    std::vector<std::string> steps;
    for (const auto& t : taps) {
        if (!t.name.ends_with("/embed")) continue;
        steps.push_back(t.name.substr(0, t.name.size() - 6));
    }
    std::map<std::string, Acc> acc;
    std::vector<std::string> order = {"rmsnorm",
                                      "q_proj (quant_token+linear)",
                                      "k_proj (quant_token+linear)",
                                      "v_proj (quant_token+linear)",
                                      "rope",
                                      "quant_static q/k/v (int8)",
                                      "softmax (uint8)",
                                      "attn_context",
                                      "o_proj (quant_token+linear)",
                                      "gate_proj (quant_token+linear)",
                                      "up_proj (quant_token+linear)",
                                      "swiglu",
                                      "fht (R4)",
                                      "down_proj (quant_token+linear)",
                                      "lm_head (quant_token+linear)"};
    auto cmp = [&](const std::string& stage, const std::vector<float>& ref,
                   const std::vector<float>& got) {
        Acc& a = acc[stage];
        for (size_t i = 0; i < ref.size(); ++i) a.add(ref[i], got[i]);
    };
    auto lin = [&](const std::vector<float>& w, int d_out, int d_in, const std::vector<float>& x,
                   int T) {
        std::vector<float> y(static_cast<size_t>(T) * d_out);
        for (int t = 0; t < T; ++t)
            linear_f(w, d_out, d_in,
                     std::span<const float>(x.data() + static_cast<size_t>(t) * d_in, d_in),
                     std::span<float>(y.data() + static_cast<size_t>(t) * d_out, d_out));
        return y;
    };
    auto norm_rows = [&](const std::vector<float>& x, int T) {
        std::vector<float> y(x.size());
        for (int t = 0; t < T; ++t)
            rmsnorm_f(std::span<const float>(x.data() + static_cast<size_t>(t) * h, h), {},
                      c.rms_eps, std::span<float>(y.data() + static_cast<size_t>(t) * h, h));
        return y;
    };
    std::vector<std::vector<int8_t>> vcache(c.layers);
    int pos0 = 0;
    for (const auto& s : steps) {
        const int T = static_cast<int>(tp.tensor(s + "/embed").shape[0]);
        auto resid = tp.get<int32_t>(s + "/embed");
        for (int l = 0; l < c.layers; ++l) {
            const std::string P = fmt::format("{}/L{}/", s, l);
            const auto& L = fw.layers[l];
            const auto& Q = prep.qm.layers[l];
            auto n = tp.get<int32_t>(P + "attn_norm");
            cmp("rmsnorm", norm_rows(deq(resid), T), deq(n));
            const auto nf = deq(n);
            auto q = tp.get<int32_t>(P + "q_proj"), k = tp.get<int32_t>(P + "k_proj"),
                 v = tp.get<int32_t>(P + "v_proj");
            cmp("q_proj (quant_token+linear)", lin(L.wq, qd, h, nf, T), deq(q));
            cmp("k_proj (quant_token+linear)", lin(L.wk, kvd, h, nf, T), deq(k));
            cmp("v_proj (quant_token+linear)", lin(L.wv, kvd, h, nf, T), deq(v));
            auto qr = tp.get<int32_t>(P + "q_rope"), kr = tp.get<int32_t>(P + "k_rope");
            for (auto [in, out, d] : {std::tuple{&q, &qr, qd}, std::tuple{&k, &kr, kvd}}) {
                const auto fin = deq(*in);
                std::vector<float> fo(fin.size());
                for (int t = 0; t < T; ++t)
                    for (int o = 0; o < d; o += hd)
                        rope_f(std::span<const float>(fin.data() + t * d + o, hd), inv_freq,
                               pos0 + t, std::span<float>(fo.data() + t * d + o, hd));
                cmp("rope", fo, deq(*out));
            }
            auto q8 = tp.get<int8_t>(P + "q_int8"), k8 = tp.get<int8_t>(P + "k_int8"),
                 v8 = tp.get<int8_t>(P + "v_int8");
            auto cmp_int8 = [&](const std::vector<int32_t>& x, const std::vector<int8_t>& x8, int d,
                                const std::vector<Multiplier>& m) {
                std::vector<float> ref(x.size()), got(x.size());
                for (size_t i = 0; i < x.size(); ++i) {
                    const double scale = 1.0 / (m[(i % d) / hd].value() * kQ16);
                    ref[i] = static_cast<float>(x[i] / kQ16);
                    got[i] = static_cast<float>(x8[i] * scale);
                }
                cmp("quant_static q/k/v (int8)", ref, got);
            };
            cmp_int8(qr, q8, qd, Q.q_mult);
            cmp_int8(kr, k8, kvd, Q.k_mult);
            cmp_int8(v, v8, kvd, Q.v_mult);
            vcache[l].insert(vcache[l].end(), v8.begin(), v8.end());
            auto sc = tp.get<int32_t>(P + "attn_scores");
            auto p8 = tp.get<uint8_t>(P + "softmax");
            auto cx = tp.get<int32_t>(P + "attn_context");
            const int ctx = pos0 + T;
            std::vector<float> ctx_ref(static_cast<size_t>(T) * qd);
            for (int t = 0; t < T; ++t)
                for (int hh = 0; hh < c.heads; ++hh) {
                    const int kh = hh / c.group(), nk = pos0 + t + 1;
                    const size_t row = (static_cast<size_t>(t) * c.heads + hh) * ctx;
                    const double unit = Q.score_mult[hh].value() / (std::numbers::log2e * 256.0);
                    std::vector<float> sf(nk), pf(nk), pg(nk);
                    for (int j = 0; j < nk; ++j) {
                        sf[j] = static_cast<float>(sc[row + j] * unit);
                        pg[j] = static_cast<float>(p8[row + j] / 255.0);
                    }
                    softmax_f(sf, pf);
                    cmp("softmax (uint8)", pf, pg);
                    const double sv = 1.0 / (Q.v_mult[kh].value() * kQ16);
                    for (int d = 0; d < hd; ++d) {
                        double a = 0;
                        for (int j = 0; j < nk; ++j)
                            a += p8[row + j] / 255.0 *
                                 vcache[l][static_cast<size_t>(j) * kvd + kh * hd + d] * sv;
                        ctx_ref[static_cast<size_t>(t) * qd + hh * hd + d] = static_cast<float>(a);
                    }
                }
            cmp("attn_context", ctx_ref, deq(cx));
            cmp("o_proj (quant_token+linear)", lin(L.wo, h, qd, deq(cx), T),
                deq(tp.get<int32_t>(P + "o_proj")));
            auto fn = deq(tp.get<int32_t>(P + "ffn_norm"));
            cmp("rmsnorm", norm_rows(deq(tp.get<int32_t>(P + "attn_residual")), T), fn);
            auto g = tp.get<int32_t>(P + "gate_proj"), u = tp.get<int32_t>(P + "up_proj");
            cmp("gate_proj (quant_token+linear)", lin(L.w_gate, f, h, fn, T), deq(g));
            cmp("up_proj (quant_token+linear)", lin(L.w_up, f, h, fn, T), deq(u));
            auto sw = tp.get<int32_t>(P + "swiglu");
            std::vector<float> swr(g.size());
            for (size_t i = 0; i < g.size(); ++i)
                swr[i] = silu_f(static_cast<float>(g[i] / kQ16)) * static_cast<float>(u[i] / kQ16);
            cmp("swiglu", swr, deq(sw));
            auto swf = deq(sw);
            for (int t = 0; t < T; ++t)
                fht_f(std::span<float>(swf.data() + static_cast<size_t>(t) * f, f));
            auto fhf = deq(tp.get<int32_t>(P + "fht"), fht_scale);
            cmp("fht (R4)", swf, fhf);
            cmp("down_proj (quant_token+linear)", lin(L.w_down, h, f, fhf, T),
                deq(tp.get<int32_t>(P + "down_proj")));
            resid = tp.get<int32_t>(P + "ffn_residual");
        }
        const std::vector<int32_t> last(resid.end() - h, resid.end());
        auto fnorm = tp.get<int32_t>(s + "/final_norm");
        cmp("rmsnorm", norm_rows(deq(last), 1), deq(fnorm));
        cmp("lm_head (quant_token+linear)", lin(fw.lm_head, c.vocab, h, deq(fnorm), 1),
            deq(tp.get<int32_t>(s + "/logits")));
        pos0 += T;
    }
    AccuracyReport r;
    for (const auto& name : order)
        if (acc.count(name)) r.stages.push_back({name, acc[name].n, acc[name].db()});
    // End to end.
    Acc la;
    int agree = 0;
    double kl = 0;
    r.positions = static_cast<int>(std::min(int_logits.size(), float_logits.size()));
    for (int i = 0; i < r.positions; ++i) {
        std::vector<double> li(int_logits[i].size()),
            lf(float_logits[i].begin(), float_logits[i].end());
        for (size_t j = 0; j < li.size(); ++j) {
            li[j] = int_logits[i][j] / kQ16;
            la.add(lf[j], li[j]);
        }
        agree += std::max_element(li.begin(), li.end()) - li.begin() ==
                 std::max_element(lf.begin(), lf.end()) - lf.begin();
        auto pi = softmax_d(li), pf = softmax_d(lf);
        for (size_t j = 0; j < pi.size(); ++j)
            if (pf[j] > 0) kl += pf[j] * (std::log(pf[j]) - std::log(std::max(pi[j], 1e-300)));
    }
    if (r.positions > 0) {
        r.top1_agreement = static_cast<double>(agree) / r.positions;
        r.mean_kl = kl / r.positions;
    }
    r.logits_sqnr_db = la.db();
    return r;
}

std::string AccuracyReport::to_table() const {
    std::string s = fmt::format("{:<34} {:>10} {:>10}\n", "stage (integer vs float, same inputs)",
                                "elements", "SQNR dB");
    for (const auto& st : stages)
        s += fmt::format(
            "{:<34} {:>10} {:>10}\n", st.stage, st.elements,
            std::isinf(st.sqnr_db) ? std::string("exact") : fmt::format("{:.1f}", st.sqnr_db));
    s += fmt::format(
        "end to end over {} generated positions: top-1 agreement {:.1f}%, mean KL {:.4f} nats, "
        "logits SQNR {:.1f} dB\n",
        positions, 100 * top1_agreement, mean_kl, logits_sqnr_db);
    return s;
}

}  // namespace flexllm::golden
