// Registry entry of rope (hls_src/kernels/rope.h, rtl_gen/sv_rope.cpp): the llama3 rotary
// embedding of q and k of every layer at each token's position, the cos/sin streamed in per
// token group from the golden tables, checked against the q_rope / k_rope taps.
#include "hls_src/kernels/rope.h"

#include <fmt/format.h>

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

struct RopeData : VectorData {
    std::vector<std::vector<int64_t>> cs;  // per token: {sin[63:32], cos[31:0]} for j < hd / 2
    int head_dim = 0;
};

std::vector<int64_t> cs_words(const golden::RopeTables& t, int pos) {
    std::vector<int64_t> v;
    for (int j = 0; j < t.half; ++j)
        v.push_back(
            static_cast<int64_t>(static_cast<uint64_t>(static_cast<uint32_t>(t.s(pos, j))) << 32 |
                                 static_cast<uint32_t>(t.c(pos, j))));
    return v;
}

class Rope final : public Kernel {
  public:
    std::string_view name() const override { return "rope"; }
    const std::vector<Role>& roles() const override {
        static const std::vector<Role> r = {{"q", Slot::kRope}, {"k", Slot::kRope}};
        return r;
    }

    // q: q_proj -> q_rope; k: k_proj -> k_rope; positions from the step (prefill 0.., decode/N).
    std::shared_ptr<const StageData> golden_data(const CaseSpec& c,
                                                 const GoldenTaps& g) const override {
        const auto& cfg = g.qm().cfg;
        const int d = c.role == "q" ? cfg.q_dim() : cfg.kv_dim();
        auto data = std::make_shared<RopeData>();
        data->head_dim = cfg.head_dim;
        data->in = {tap_rows(g, c.phase, c.layer, c.role + "_proj", d, false, &data->positions)};
        data->out = tap_rows(g, c.phase, c.layer, c.role + "_rope", d);
        for (const int pos : data->positions) data->cs.push_back(cs_words(g.qm().rope, pos));
        return data;
    }
    // Random rows (values near +-2^31 included) at random positions, the last one among them.
    std::shared_ptr<const StageData> random_data(const CaseSpec& c, const golden::ModelConfig& m,
                                                 const RandomSpec& r) const override {
        const int d = c.role == "q" ? m.q_dim() : m.kv_dim(), hd = m.head_dim;
        const golden::RopeTables tables = golden::make_rope_tables(m, m.max_positions);
        auto data = std::make_shared<RopeData>();
        data->head_dim = hd;
        data->in = {random_rows(c, r, d, c.role == "q" ? 21 : 22, true)};
        std::mt19937_64 rng(r.seed * 977 + (c.role == "q" ? 1 : 2));
        std::uniform_int_distribution<int> pick(0, m.max_positions - 1);
        for (size_t t = 0; t < data->in[0].size(); ++t) {
            const int pos = t == 0 ? m.max_positions - 1 : pick(rng);
            data->positions.push_back(pos);
            data->cs.push_back(cs_words(tables, pos));
            std::vector<int32_t> y(d);
            for (int h = 0; h < d / hd; ++h)
                golden::rope_ref(std::span<const int32_t>(data->in[0][t].data() + h * hd, hd),
                                 tables, pos, std::span<int32_t>(y.data() + h * hd, hd));
            data->out.push_back(std::move(y));
        }
        return data;
    }

    // Per token group: the cos/sin of each token's position, (hd/2)/L beats of T x L words (lane
    // t*L + l of beat b: token t, pair j = b*L + l), then the rows.
    CaseBench bench(const CaseContext& x, const StageData& sd) const override {
        const auto& d = static_cast<const RopeData&>(sd);
        const kern::VectorShape s = kern::vector_shape(x.arch, x.spec.phase, x.bounds.d_max);
        const int half = d.head_dim / 2, n = static_cast<int>(d.cs.size());
        if (half % s.lanes != 0 || d.head_dim > x.module.shape.at("hdmax").get<int>())
            throw Error(fmt::format("{}: head_dim {} needs lanes dividing {} and at most {}",
                                    x.spec.id(), d.head_dim, half,
                                    x.module.shape.at("hdmax").get<int>()));
        auto group_cs = [&](int g) {
            std::vector<std::vector<int64_t>> beats;
            for (int b = 0; b < half / s.lanes; ++b) {
                std::vector<int64_t> beat;
                for (int t = 0; t < s.tokens; ++t)
                    for (int l = 0; l < s.lanes; ++l) {
                        const int tok = g * s.tokens + t;
                        beat.push_back(d.cs[source_token(tok, n)][b * s.lanes + l]);
                    }
                beats.push_back(std::move(beat));
            }
            return beats;
        };
        CaseBench b =
            vector_bench(x, d, {"s_axis_x"}, "m_axis_y", "rope", {{"s_axis_cs", group_cs}});
        b.scalars.push_back({"cfg_head_dim", static_cast<uint64_t>(d.head_dim)});
        b.model_cycles = perf::rope_cycles(b.tokens, b.d, d.head_dim, s.lanes, s.tokens).total;
        return b;
    }

    bool csim(const CaseContext& x, CsimPorts& p) const override {
        const auto shape = kern::vector_shape(x.arch, x.spec.phase, x.bounds.d_max);
        const int d = static_cast<int>(p.scalar("cfg_d"));
        const int hd = static_cast<int>(p.scalar("cfg_head_dim"));
        return dispatch_shape<csim::shapes::kAllVectorShape>(shape, [&]<kern::VectorShape S>() {
            hls::stream<kern::RopeCsBeat<S>> cs("s_axis_cs");
            hls::stream<kern::ActVecBeat<S>> in("s_axis_x"), out("m_axis_y");
            p.fill("s_axis_cs", cs);
            p.fill("s_axis_x", in);
            for (int g = p.transactions("s_axis_x"); g > 0; --g) {
                kern::rope<S>(cs, in, out, d, hd);
                p.drain("m_axis_y", out);
            }
            p.consumed("s_axis_cs", cs);
            p.consumed("s_axis_x", in);
        });
    }
};

}  // namespace

const Kernel& kernel_rope() {
    static const Rope k;
    return k;
}

}  // namespace flexllm::tb
