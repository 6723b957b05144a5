// Golden and random rows and the bench layout of the vector stages.
#include "tb/kernels/vector_data.h"

#include <fmt/format.h>

#include <algorithm>
#include <random>

#include "golden/error.h"
#include "tb/bench_packing.h"

namespace flexllm::tb {

Rows tap_rows(const GoldenTaps& g, kern::Phase p, int layer, const std::string& name, int d,
              bool last_only, std::vector<int>* positions) {
    Rows rows;
    for (const auto& step : g.steps(p)) {
        const auto v = g.ints(GoldenTaps::prefix(step, layer) + name);
        if (v.empty() || v.size() % d != 0)
            throw Error(fmt::format("golden tap {}{} has {} elements, not rows of {}",
                                    GoldenTaps::prefix(step, layer), name, v.size(), d));
        const size_t n = v.size() / d;
        for (size_t t = last_only ? n - 1 : 0; t < n; ++t) {
            rows.emplace_back(v.begin() + t * d, v.begin() + (t + 1) * d);
            if (positions)
                positions->push_back(GoldenTaps::first_position(step) + static_cast<int>(t));
        }
    }
    return rows;
}

Rows layer_input_rows(const GoldenTaps& g, kern::Phase p, int layer, int d) {
    return layer == 0 ? tap_rows(g, p, -1, "embed", d)
                      : tap_rows(g, p, layer - 1, "ffn_residual", d);
}

Rows random_rows(const CaseSpec& c, const RandomSpec& r, int d, uint64_t stream, bool extremes) {
    const int ph = c.phase == kern::Phase::kPrefill ? 0 : 1;
    const int n = ph == 0 ? (c.layer < 0 ? 1 : r.prompt_len) : r.decode_tokens;
    std::mt19937_64 rng(r.seed * 131 + ph * 17 + stream * 7919 + 1000 * (c.layer + 1));
    std::normal_distribution<double> act(0.0, 1 << 16);
    std::uniform_int_distribution<int> pick(0, 31);
    std::uniform_int_distribution<int64_t> full(INT32_MIN, INT32_MAX);
    Rows rows;
    for (int t = 0; t < n; ++t) {
        std::vector<int32_t> x(d);
        for (auto& v : x) {
            double a = act(rng);
            if (pick(rng) == 0) a *= 64;  // outliers
            v = static_cast<int32_t>(std::clamp(a, -2.0e9, 2.0e9));
            if (extremes && pick(rng) < 4) v = static_cast<int32_t>(full(rng));
        }
        if (t == 1 && n > 2) std::fill(x.begin(), x.end(), 12345);  // an all-equal token
        rows.push_back(std::move(x));
    }
    return rows;
}

CaseBench vector_bench(const CaseContext& x, const VectorData& d,
                       const std::vector<std::string>& inputs, const std::string& output,
                       const std::string& tensor, const std::vector<GroupPort>& per_group) {
    const kern::VectorShape s = kern::vector_shape(x.arch, x.spec.phase, x.bounds.d_max);
    const int T = s.tokens, L = s.lanes;
    const int n = static_cast<int>(d.out.size());
    if (n == 0) throw Error(fmt::format("{}: no tokens", x.spec.id()));
    const int dim = static_cast<int>(d.out[0].size());
    if (dim % L != 0 || dim > s.d_max)
        throw Error(fmt::format("{}: {} lanes do not divide the token length {} (or it exceeds "
                                "the buffer of {})",
                                x.spec.id(), L, dim, s.d_max),
                    "choose decode.lanes dividing every layer dimension");
    CaseBench b;
    b.tokens = n;
    b.d_in = b.d_out = b.d = dim;
    b.scalars = {{"cfg_d", static_cast<uint64_t>(dim)}};
    std::vector<Packer> in, pre;
    for (const auto& p : inputs) in.emplace_back(x.module, p);
    for (const auto& p : per_group) pre.emplace_back(x.module, p.port);
    Expect out(x.module, output, tensor);
    const int beats = dim / L;
    for (int g = 0; g * T < n; ++g) {
        for (size_t p = 0; p < pre.size(); ++p) {
            const auto group_beats = per_group[p].beats(g);
            for (size_t bt = 0; bt < group_beats.size(); ++bt) {
                if (static_cast<int>(group_beats[bt].size()) != pre[p].lanes)
                    throw Error(fmt::format("{}: a beat of {} has {} elements, the port {}",
                                            x.spec.id(), per_group[p].port, group_beats[bt].size(),
                                            pre[p].lanes));
                pre[p].tmp = group_beats[bt];
                pre[p].beat(bt + 1 == group_beats.size());
            }
        }
        for (int bt = 0; bt < beats; ++bt) {
            for (int t = 0; t < T; ++t)
                for (int l = 0; l < L; ++l) {
                    const int tok = g * T + t, i = bt * L + l, src = source_token(tok, n);
                    for (size_t p = 0; p < in.size(); ++p) in[p].tmp[t * L + l] = d.in[p][src][i];
                    out.elem(d.out[src][i], tok < n ? tok : -1, i);
                }
            for (auto& p : in) p.beat(bt == beats - 1);
            out.beat(bt == beats - 1);
        }
    }
    for (auto& p : in) b.inputs.push_back(std::move(p.s));
    for (auto& p : pre) b.inputs.push_back(std::move(p.s));
    b.outputs.push_back(std::move(out.e));
    b.primary = output;
    return b;
}

void set_streamed_cycles(CaseBench& b, const kern::VectorShape& s,
                         const std::function<int64_t(int tokens)>& cycles) {
    b.model_cycles = cycles(b.tokens);
    b.chain = perf::ChainStage{(b.tokens + s.tokens - 1) / s.tokens, b.d / s.lanes,
                               cycles(s.tokens), false};
}

}  // namespace flexllm::tb
