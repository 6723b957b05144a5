// Registry entry of sample (hls_src/kernels/sample.h, rtl_gen/sv_sample.cpp): the token choice
// after the LM head on the decode accelerator -- greedy (role greedy, checked against the golden
// token taps when the golden run was greedy) and seeded top-k with the golden's SplitMix64 (role
// topk, k = 8, the draws chained from the suite's seed; expected tokens and states from
// sample_topk_ref).
#include "hls_src/kernels/sample.h"

#include <random>

#include "golden/ops_ref.h"
#include "golden/tables.h"
#include "tb/bench_packing.h"
#include "tb/csim_engine.h"
#include "tb/csim_shapes.h"
#include "tb/kernels/vector_data.h"
#include "tb/perf/stage_model.h"

namespace flexllm::tb {
namespace {

constexpr int kTopK = 8;
constexpr int kMaxK = 64;  // the RTL's sorted list (rtl_gen/sv_sample.cpp)

struct SampleData : StageData {
    Rows logits;  // per decode token
    int top_k = 1;
    golden::Multiplier mult;
    std::vector<uint64_t> state_in, state_out;
    std::vector<int> tokens;
};

// Expected tokens of `d.logits` with sample_topk_ref, the RNG chained from `seed`.
void expect_tokens(SampleData& d, uint64_t seed) {
    golden::SplitMix64 rng{seed};
    for (const auto& l : d.logits) {
        d.state_in.push_back(rng.state);
        d.tokens.push_back(golden::sample_topk_ref(l, d.top_k, d.mult, rng));
        d.state_out.push_back(rng.state);
    }
}

class Sample final : public Kernel {
  public:
    std::string_view name() const override { return "sample"; }
    const std::vector<Role>& roles() const override {
        static const std::vector<Role> r = {{"greedy", Slot::kSample, false, true},
                                            {"topk", Slot::kSample, false, true}};
        return r;
    }

    std::shared_ptr<const StageData> golden_data(const CaseSpec& c,
                                                 const GoldenTaps& g) const override {
        auto d = std::make_shared<SampleData>();
        d->logits = tap_rows(g, c.phase, -1, "logits", g.qm().cfg.vocab, true);
        d->mult = g.qm().sample_mult;
        d->top_k = c.role == "greedy" ? 1 : kTopK;
        expect_tokens(*d, 1);
        // A greedy golden run chose its tokens as this role does: they must agree.
        if (c.role == "greedy" && g.options().top_k == 1) {
            const Rows taps = tap_rows(g, c.phase, -1, "token", 1, true);
            for (size_t i = 0; i < taps.size(); ++i)
                if (taps[i][0] != d->tokens[i])
                    throw Error(fmt::format("{}: golden token tap {} disagrees with argmax_ref {}",
                                            c.id(), taps[i][0], d->tokens[i]));
        }
        return d;
    }
    // Logits from a small set of values (many ties, also for the maximum), one all-equal token,
    // int32 extremes; expected values from sample_topk_ref.
    std::shared_ptr<const StageData> random_data(const CaseSpec& c, const golden::ModelConfig& m,
                                                 const RandomSpec& r) const override {
        auto d = std::make_shared<SampleData>();
        d->top_k = c.role == "greedy" ? 1 : kTopK;
        d->mult = golden::to_multiplier(1.4426950408889634 * 256.0 / 65536.0);
        std::mt19937_64 rng(r.seed * 131 + 17 + 7919 * 31);
        std::uniform_int_distribution<int> pick(0, 7);
        const int32_t values[8] = {INT32_MIN, -5 << 16,    -1 << 16, 0,
                                   3 << 16,   3 << 16 | 1, 4 << 16,  INT32_MAX};
        for (int t = 0; t < r.decode_tokens; ++t) {
            std::vector<int32_t> l(m.vocab);
            for (auto& v : l) v = values[std::min(pick(rng), 6)];
            if (t == 0) l[m.vocab - 1] = INT32_MAX;              // the maximum at the last index
            if (t == 1) std::fill(l.begin(), l.end(), 7 << 16);  // every logit equal
            d->logits.push_back(std::move(l));
        }
        expect_tokens(*d, r.seed);
        return d;
    }

    CaseBench bench(const CaseContext& x, const StageData& sd) const override {
        const auto& d = static_cast<const SampleData&>(sd);
        const kern::VectorShape s = kern::vector_shape(x.arch, x.spec.phase, x.bounds.d_max);
        const int vocab = static_cast<int>(d.logits.front().size());
        if (vocab % s.lanes != 0 || d.top_k > kMaxK || d.top_k > vocab)
            throw Error(
                fmt::format("{}: vocab {} / top-k {} do not fit the RTL ({} lanes, k <= {})",
                            x.spec.id(), vocab, d.top_k, s.lanes, kMaxK));
        Packer st(x.module, "s_axis_state"), lg(x.module, "s_axis_logits");
        Expect tok(x.module, "m_axis_token", "token"), so(x.module, "m_axis_state", "rng_state");
        for (size_t t = 0; t < d.logits.size(); ++t) {
            st.tmp[0] = static_cast<int64_t>(d.state_in[t]);
            st.beat(true);
            for (int b = 0; b < vocab / s.lanes; ++b) {
                for (int l = 0; l < s.lanes; ++l) lg.tmp[l] = d.logits[t][b * s.lanes + l];
                lg.beat(b == vocab / s.lanes - 1);
            }
            tok.elem(d.tokens[t], static_cast<int>(t), -1);
            tok.beat(true);
            so.elem(static_cast<int64_t>(d.state_out[t]), static_cast<int>(t), -1);
            so.beat(true);
        }
        CaseBench b;
        b.scalars = {{"cfg_vocab", static_cast<uint64_t>(vocab)},
                     {"cfg_top_k", static_cast<uint64_t>(d.top_k)},
                     {"cfg_mult", static_cast<uint64_t>(multiplier_lane(x.spec.id(), d.mult))}};
        b.inputs = {st.s, lg.s};
        b.outputs = {tok.e, so.e};
        b.primary = "m_axis_token";
        b.tokens = static_cast<int>(d.logits.size());
        b.d_in = vocab;
        b.d_out = 1;
        b.model_cycles = b.tokens * perf::sample_cycles(vocab, s.lanes, d.top_k).total;
        return b;
    }

    bool csim(const CaseContext& x, CsimPorts& p) const override {
        const auto shape = kern::vector_shape(x.arch, x.spec.phase, x.bounds.d_max);
        const int vocab = static_cast<int>(p.scalar("cfg_vocab"));
        const int k = static_cast<int>(p.scalar("cfg_top_k"));
        const ap_uint<22> mult = p.scalar("cfg_mult");
        return dispatch_shape<csim::shapes::kAllVectorShape>(shape, [&]<kern::VectorShape S>() {
            if constexpr (!kern::sample_shape_ok(S, kMaxK))
                throw Error(fmt::format("{}: no sample kernel of {} tokens per beat", x.spec.id(),
                                        S.tokens));
            else {
                hls::stream<kern::SampleStateBeat> si("s_axis_state"), so("m_axis_state");
                hls::stream<kern::ActVecBeat<S>> lg("s_axis_logits");
                hls::stream<kern::SampleTokenBeat> tok("m_axis_token");
                p.fill("s_axis_state", si);
                p.fill("s_axis_logits", lg);
                for (int t = p.transactions("s_axis_state"); t > 0; --t) {
                    kern::sample<S, kMaxK>(si, lg, tok, so, golden::exp2_table().data(), vocab, k,
                                           mult);
                    p.drain("m_axis_token", tok);
                    p.drain("m_axis_state", so);
                }
                p.consumed("s_axis_state", si);
                p.consumed("s_axis_logits", lg);
            }
        });
    }
};

}  // namespace

const Kernel& kernel_sample() {
    static const Sample k;
    return k;
}

}  // namespace flexllm::tb
