// The attention stages' shared stage data, query groups and beats.
#include "tb/kernels/attn_data.h"

#include <fmt/format.h>

#include <random>

#include "golden/error.h"
#include "golden/ops_ref.h"

namespace flexllm::tb {
namespace {

Rows split_rows(const std::vector<int64_t>& v, int d, const std::string& name) {
    if (v.empty() || v.size() % d != 0)
        throw Error(
            fmt::format("golden tap {} has {} elements, not rows of {}", name, v.size(), d));
    Rows rows;
    for (size_t o = 0; o < v.size(); o += d) rows.emplace_back(v.begin() + o, v.begin() + o + d);
    return rows;
}

std::vector<int32_t> narrow(const std::vector<int64_t>& v) { return {v.begin(), v.end()}; }

// Row j's dims [kh * hd, (kh + 1) * hd) of the positions < n, as the [n][hd] block _ref ops take.
std::vector<int8_t> head_block(const Rows& cache, int kh, int hd, int n) {
    std::vector<int8_t> out;
    for (int j = 0; j < n; ++j)
        for (int d = 0; d < hd; ++d) out.push_back(static_cast<int8_t>(cache[j][kh * hd + d]));
    return out;
}

// The expected scores, probabilities and context of a step from its codes (the golden model's
// attention loop, golden/model_ref.cpp).
void expect_step(const AttnData& a, AttnStep& s) {
    const int hd = a.head_dim, ctx = s.ctx();
    s.scores.assign(static_cast<size_t>(s.tokens) * a.heads * ctx, 0);
    s.probs.assign(s.scores.size(), 0);
    s.context.assign(s.tokens, std::vector<int32_t>(static_cast<size_t>(a.heads) * hd));
    for (int t = 0; t < s.tokens; ++t)
        for (int h = 0; h < a.heads; ++h) {
            const int kh = h / a.group(), n = s.pos0 + t + 1;
            std::vector<int8_t> q(hd);
            for (int d = 0; d < hd; ++d) q[d] = static_cast<int8_t>(s.q8[t][h * hd + d]);
            const auto k = head_block(s.k8, kh, hd, n), v = head_block(s.v8, kh, hd, n);
            std::vector<int32_t> sc(n), cx(hd);
            std::vector<uint8_t> p(n);
            golden::attn_scores_ref(q, k, n, hd, sc);
            golden::softmax_ref(sc, a.score_mult[h], p);
            golden::attn_context_ref(p, v, n, hd, a.ctx_mult[kh], cx);
            const size_t row = (static_cast<size_t>(t) * a.heads + h) * ctx;
            for (int j = 0; j < n; ++j) {
                s.scores[row + j] = sc[j];
                s.probs[row + j] = p[j];
            }
            std::copy(cx.begin(), cx.end(), s.context[t].begin() + h * hd);
        }
}

}  // namespace

std::shared_ptr<const AttnData> attn_golden_data(const CaseSpec& c, const GoldenTaps& g) {
    const auto& cfg = g.qm().cfg;
    const auto& L = g.qm().layers.at(c.layer);
    auto a = std::make_shared<AttnData>();
    a->heads = cfg.heads;
    a->kv_heads = cfg.kv_heads;
    a->head_dim = cfg.head_dim;
    a->score_mult = L.score_mult;
    a->ctx_mult = L.ctx_mult;
    const auto rows = [&](const std::string& step, const std::string& name, int d) {
        const std::string full = GoldenTaps::prefix(step, c.layer) + name;
        return split_rows(g.ints(full), d, full);
    };
    Rows k_hist, v_hist;
    if (c.phase == kern::Phase::kDecode) {
        k_hist = rows("prefill", "k_int8", cfg.kv_dim());
        v_hist = rows("prefill", "v_int8", cfg.kv_dim());
    }
    int row = 0;
    for (const auto& step : g.steps(c.phase)) {
        AttnStep s;
        s.pos0 = GoldenTaps::first_position(step);
        s.q8 = rows(step, "q_int8", cfg.q_dim());
        s.tokens = static_cast<int>(s.q8.size());
        s.row0 = row;
        row += s.tokens;
        if (static_cast<int>(k_hist.size()) != s.pos0)
            throw Error(fmt::format("{}: the cache before {} holds {} positions, not {}", c.id(),
                                    step, k_hist.size(), s.pos0));
        for (const auto& r : rows(step, "k_int8", cfg.kv_dim())) k_hist.push_back(r);
        for (const auto& r : rows(step, "v_int8", cfg.kv_dim())) v_hist.push_back(r);
        s.k8 = k_hist;
        s.v8 = v_hist;
        const auto pre = GoldenTaps::prefix(step, c.layer);
        s.scores = narrow(g.ints(pre + "attn_scores"));
        s.probs = narrow(g.ints(pre + "softmax"));
        const size_t want = static_cast<size_t>(s.tokens) * cfg.heads * s.ctx();
        if (s.scores.size() != want || s.probs.size() != want)
            throw Error(fmt::format("{}: {}attn_scores/softmax have {}/{} elements, not {}", c.id(),
                                    pre, s.scores.size(), s.probs.size(), want));
        s.context = rows(step, "attn_context", cfg.q_dim());
        a->steps.push_back(std::move(s));
    }
    return a;
}

std::shared_ptr<const AttnData> attn_random_data(const CaseSpec& c, const golden::ModelConfig& m,
                                                 const RandomSpec& r) {
    auto a = std::make_shared<AttnData>();
    a->heads = m.heads;
    a->kv_heads = m.kv_heads;
    a->head_dim = m.head_dim;
    const bool prefill = c.phase == kern::Phase::kPrefill;
    std::mt19937_64 rng(r.seed * 131 + (prefill ? 0 : 17) + 7919 * 21 + 1000 * (c.layer + 1));
    std::uniform_int_distribution<int> code(-128, 127);
    std::uniform_real_distribution<double> c2(0.004, 0.06), cm(1.0, 400.0);
    for (int h = 0; h < m.heads; ++h) a->score_mult.push_back(golden::to_multiplier(c2(rng)));
    for (int h = 0; h < m.kv_heads; ++h) a->ctx_mult.push_back(golden::to_multiplier(cm(rng)));
    const int n_steps = prefill ? 1 : r.decode_tokens;
    const int first = prefill ? 0 : m.max_positions - r.decode_tokens;
    const int end = prefill ? r.prompt_len : m.max_positions;
    const auto random_row = [&](int d) {
        std::vector<int32_t> v(d);
        for (auto& x : v) x = code(rng);
        return v;
    };
    Rows k(end), v(end);
    for (int j = 0; j < end; ++j) {
        k[j] = random_row(m.kv_dim());
        v[j] = random_row(m.kv_dim());
    }
    if (end > 3) k[3] = k[1];  // equal keys: scores that tie for the max
    if (end > 5) std::fill(k[5].begin(), k[5].end(), 127);
    if (end > 6) std::fill(v[6].begin(), v[6].end(), -128);
    int row = 0;
    for (int i = 0; i < n_steps; ++i) {
        AttnStep s;
        s.pos0 = prefill ? 0 : first + i;
        s.tokens = prefill ? r.prompt_len : 1;
        s.row0 = row;
        row += s.tokens;
        for (int t = 0; t < s.tokens; ++t) s.q8.push_back(random_row(m.q_dim()));
        if (row == 2) std::fill(s.q8.back().begin(), s.q8.back().end(), 0);  // all scores equal
        s.k8.assign(k.begin(), k.begin() + s.ctx());
        s.v8.assign(v.begin(), v.begin() + s.ctx());
        expect_step(*a, s);
        a->steps.push_back(std::move(s));
    }
    return a;
}

std::vector<AttnGroup> attn_groups(const CaseSpec& c, const AttnData& d, const kern::AttnShape& s) {
    if (d.head_dim > s.head_dim_max)
        throw Error(fmt::format("{}: head_dim {} exceeds the {} the RTL holds", c.id(), d.head_dim,
                                s.head_dim_max));
    if (d.kv_heads < 1 || d.heads % d.kv_heads != 0)
        throw Error(fmt::format("{}: {} heads do not form groups over {} KV heads", c.id(), d.heads,
                                d.kv_heads));
    std::vector<AttnGroup> out;
    for (size_t i = 0; i < d.steps.size(); ++i) {
        const AttnStep& st = d.steps[i];
        if (st.ctx() > s.positions_max)
            throw Error(fmt::format("{}: {} positions exceed the {} the RTL holds", c.id(),
                                    st.ctx(), s.positions_max));
        const auto add = [&](int t0, int h0, int nrows) {
            AttnGroup g{static_cast<int>(i), t0, h0, st.pos0 + t0, nrows, 0};
            g.nblk = (g.keys(s, nrows - 1) + s.keys - 1) / s.keys;
            out.push_back(g);
        };
        if (s.token_rows) {
            for (int h = 0; h < d.heads; ++h)
                for (int t0 = 0; t0 < st.tokens; t0 += s.rows)
                    add(t0, h, std::min(s.rows, st.tokens - t0));
        } else {
            for (int t = 0; t < st.tokens; ++t)
                for (int h0 = 0; h0 < d.heads; h0 += s.rows)
                    add(t, h0, std::min(s.rows, d.heads - h0));
        }
    }
    return out;
}

int64_t attn_header(const AttnGroup& g) {
    return static_cast<int64_t>(g.nrows) << 16 | static_cast<int64_t>(g.qpos0);
}

void attn_kv_beats(Packer& p, const AttnData& d, const AttnGroup& g, const kern::AttnShape& s,
                   Rows AttnStep::*cache) {
    const AttnStep& st = d.steps[g.step];
    const Rows& rows = st.*cache;
    const int hd = d.head_dim;
    for (int blk = 0; blk < g.nblk; ++blk)
        for (int dd = 0; dd < hd; ++dd) {
            for (int set = 0; set < s.sets; ++set) {
                const int h = s.sets == 1 ? g.h0 : g.h0 + set;
                if (h >= d.heads) continue;  // a padding row's set
                const int kh = h / d.group();
                for (int k = 0; k < s.keys; ++k) {
                    const int j = blk * s.keys + k;
                    p.tmp[set * s.keys + k] = j < st.ctx() ? rows[j][kh * hd + dd] : 0;
                }
            }
            p.beat(blk == g.nblk - 1 && dd == hd - 1);
        }
}

int64_t attn_blocks(const std::vector<AttnGroup>& groups) {
    int64_t n = 0;
    for (const auto& g : groups) n += g.nblk;
    return n;
}

}  // namespace flexllm::tb
