// Offline rotation, quantization and calibration.
#include "golden/quantize.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "golden/error.h"
#include "golden/rng.h"

namespace flexllm::golden {

namespace {

std::vector<float> random_signs(Rng& rng, int n) {
    std::vector<float> d(n);
    for (auto& x : d) x = (rng.next_u64() & 1) ? 1.f : -1.f;
    return d;
}

// Rows of a [rows, cols] matrix: row <- H_n (d .* row), segment by segment of length seg.
void rotate_rows(std::vector<float>& m, int rows, int cols, int seg, const std::vector<float>& d) {
    std::vector<float> buf(seg);
    for (int r = 0; r < rows; ++r)
        for (int s0 = 0; s0 < cols; s0 += seg) {
            float* p = m.data() + static_cast<size_t>(r) * cols + s0;
            for (int i = 0; i < seg; ++i) buf[i] = p[i] * (d.empty() ? 1.f : d[i]);
            fht_f(buf);
            std::copy(buf.begin(), buf.end(), p);
        }
}

// Columns of a [rows, cols] matrix: col <- H_n (d .* col), segment by segment of length seg.
void rotate_cols(std::vector<float>& m, int rows, int cols, int seg, const std::vector<float>& d) {
    std::vector<float> t(m.size());
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c)
            t[static_cast<size_t>(c) * rows + r] = m[static_cast<size_t>(r) * cols + c];
    rotate_rows(t, cols, rows, seg, d);
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c)
            m[static_cast<size_t>(r) * cols + c] = t[static_cast<size_t>(c) * rows + r];
}

void scale_cols(std::vector<float>& m, int rows, int cols, const std::vector<float>& g) {
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c) m[static_cast<size_t>(r) * cols + c] *= g[c];
}

}  // namespace

ModelWeightsF rotate_and_fold(const ModelWeightsF& w, const QuantizeOptions& opt) {
    const auto& c = w.cfg;
    const int h = c.hidden, f = c.intermediate, qd = c.q_dim(), kvd = c.kv_dim(), hd = c.head_dim;
    ModelWeightsF r = w;
    Rng rng(opt.rotation_seed);
    const std::vector<float> d1 = random_signs(rng, h);
    const std::vector<float> ones(h, 1.f);
    if (r.lm_head.empty()) r.lm_head = r.embed;  // untie: the head gets the final gain folded in
    scale_cols(r.lm_head, c.vocab, h, r.final_norm);
    r.final_norm = ones;
    if (opt.rotate) {
        rotate_rows(r.embed, c.vocab, h, h, d1);
        rotate_rows(r.lm_head, c.vocab, h, h, d1);
    }
    for (auto& L : r.layers) {
        const std::vector<float> d2 = random_signs(rng, hd);
        scale_cols(L.wq, qd, h, L.attn_norm);
        scale_cols(L.wk, kvd, h, L.attn_norm);
        scale_cols(L.wv, kvd, h, L.attn_norm);
        scale_cols(L.w_gate, f, h, L.ffn_norm);
        scale_cols(L.w_up, f, h, L.ffn_norm);
        L.attn_norm = ones;
        L.ffn_norm = ones;
        if (opt.rotate) {
            for (auto* m : {&L.wq, &L.wk, &L.wv, &L.w_gate, &L.w_up})
                rotate_rows(*m, static_cast<int>(m->size() / h), h, h, d1);
            rotate_cols(L.wo, h, qd, h, d1);
            rotate_cols(L.w_down, h, f, h, d1);
            rotate_cols(L.wv, kvd, h, hd, d2);  // R2 on each V head's outputs
            rotate_rows(L.wo, h, qd, hd, d2);   // R2^T on each O head's inputs
        }
        rotate_rows(L.w_down, h, f, f, {});  // R4: W_down H_n (online FHT before down_proj)
    }
    return r;
}

LinearParamsRef quantize_linear(const std::vector<float>& w, int d_out, int d_in,
                                double extra_scale) {
    LinearParamsRef p;
    p.d_in = d_in;
    p.d_out = d_out;
    p.w.resize(static_cast<size_t>(d_out) * d_in);
    p.rowsum.resize(d_out);
    p.mult.resize(d_out);
    std::vector<int8_t> cand(d_in);
    for (int j = 0; j < d_out; ++j) {
        const float* row = w.data() + static_cast<size_t>(j) * d_in;
        double amax = 0;
        for (int i = 0; i < d_in; ++i)
            amax = std::max(amax, std::fabs(static_cast<double>(row[i])));
        double best_err = INFINITY, best_s = 0;
        int8_t* out = p.w.data() + static_cast<size_t>(j) * d_in;
        if (amax == 0) {
            std::fill(out, out + d_in, 0);
        } else {
            for (int k = 0; k < 10; ++k) {  // clip ratios 1.00, 0.95, ..., 0.55
                const double s = (1.0 - 0.05 * k) * amax / 7.0;
                double err = 0;
                for (int i = 0; i < d_in; ++i) {
                    const double q = std::clamp(std::nearbyint(row[i] / s), -8.0, 7.0);
                    cand[i] = static_cast<int8_t>(q);
                    err += (row[i] - s * q) * (row[i] - s * q);
                }
                if (err < best_err) {
                    best_err = err;
                    best_s = s;
                    std::copy(cand.begin(), cand.end(), out);
                }
            }
        }
        int32_t sum = 0;
        for (int i = 0; i < d_in; ++i) sum += out[i];
        p.rowsum[j] = sum;
        p.mult[j] = to_multiplier(best_s / 15.0 * extra_scale);
    }
    return p;
}

Prepared prepare_model(const ModelWeightsF& w, const QuantizeOptions& opt) {
    const auto& c = w.cfg;
    Prepared out;
    out.folded = rotate_and_fold(w, opt);
    const auto& fw = out.folded;
    // Calibration of the static int8 scales on synthetic prompts.
    CalibStats stats;
    Rng rng(opt.calib_seed);
    for (int p = 0; p < opt.calib_prompts; ++p) {
        FloatModel fm(fw, true);
        std::vector<int> toks(opt.calib_len);
        for (auto& t : toks) t = rng.uniform_int(c.vocab);
        fm.forward(toks, &stats);
    }
    QuantModel& qm = out.qm;
    qm.cfg = c;
    const int h = c.hidden, f = c.intermediate, qd = c.q_dim(), kvd = c.kv_dim();
    qm.embed.resize(fw.embed.size());
    for (size_t i = 0; i < fw.embed.size(); ++i)
        qm.embed[i] = sat32(std::llround(std::ldexp(static_cast<double>(fw.embed[i]), kActFrac)));
    const double kQ16 = std::ldexp(1.0, kActFrac);
    const double fht_extra = std::ldexp(1.0, fht_shift(f)) / std::sqrt(static_cast<double>(f));
    for (int l = 0; l < c.layers; ++l) {
        const auto& L = fw.layers[l];
        LayerQ q;
        q.q = quantize_linear(L.wq, qd, h, 1.0);
        q.k = quantize_linear(L.wk, kvd, h, 1.0);
        q.v = quantize_linear(L.wv, kvd, h, 1.0);
        q.o = quantize_linear(L.wo, h, qd, 1.0);
        q.gate = quantize_linear(L.w_gate, f, h, 1.0);
        q.up = quantize_linear(L.w_up, f, h, 1.0);
        q.down = quantize_linear(L.w_down, h, f, fht_extra);
        auto scale_of = [](float mx) { return std::max(static_cast<double>(mx), 1e-6) / 127.0; };
        std::vector<double> sk(c.kv_heads), sv(c.kv_heads);
        for (int kh = 0; kh < c.kv_heads; ++kh) {
            sk[kh] = scale_of(stats.k_max[l][kh]);
            sv[kh] = scale_of(stats.v_max[l][kh]);
            q.k_mult.push_back(to_multiplier(1.0 / (sk[kh] * kQ16)));
            q.v_mult.push_back(to_multiplier(1.0 / (sv[kh] * kQ16)));
            q.ctx_mult.push_back(to_multiplier(sv[kh] * kQ16 / 255.0));
        }
        for (int hh = 0; hh < c.heads; ++hh) {
            const double sq = scale_of(stats.q_max[l][hh]);
            q.q_mult.push_back(to_multiplier(1.0 / (sq * kQ16)));
            // 1/sqrt(head_dim) folded into Q's scale; log2(e) and Q8 for the exp2 table.
            q.score_mult.push_back(
                to_multiplier(sq * sk[hh / c.group()] / std::sqrt(static_cast<double>(c.head_dim)) *
                              std::numbers::log2e * 256.0));
        }
        qm.layers.push_back(std::move(q));
    }
    qm.lm_head = quantize_linear(fw.lm_head, c.vocab, h, 1.0);
    qm.eps_q32 = rms_eps_q32(c.rms_eps);
    qm.sample_mult = to_multiplier(std::numbers::log2e * 256.0 / kQ16);
    qm.rope = make_rope_tables(c, opt.positions > 0 ? opt.positions : opt.calib_len);
    return out;
}

}  // namespace flexllm::golden
