// Registry entry of residual (hls_src/kernels/residual.h, rtl_gen/sv_residual.cpp): the two
// residual adds of every layer, checked against the attn_residual / ffn_residual taps.
#include "hls_src/kernels/residual.h"

#include <fmt/format.h>

#include "golden/ops_ref.h"
#include "tb/csim_engine.h"
#include "tb/csim_shapes.h"
#include "tb/kernels/vector_data.h"
#include "tb/perf/stage_model.h"

namespace flexllm::tb {
namespace {

class Residual final : public Kernel {
  public:
    std::string_view name() const override { return "residual"; }
    const std::vector<Role>& roles() const override {
        static const std::vector<Role> r = {{"attn", Slot::kAttnResidual},
                                            {"ffn", Slot::kFfnResidual}};
        return r;
    }

    // attn: the layer's input + o_proj -> attn_residual; ffn: attn_residual + down_proj ->
    // ffn_residual.
    std::shared_ptr<const StageData> golden_data(const CaseSpec& c,
                                                 const GoldenTaps& g) const override {
        const int h = g.qm().cfg.hidden;
        auto d = std::make_shared<VectorData>();
        const bool attn = c.role == "attn";
        d->in = {attn ? layer_input_rows(g, c.phase, c.layer, h)
                      : tap_rows(g, c.phase, c.layer, "attn_residual", h),
                 tap_rows(g, c.phase, c.layer, attn ? "o_proj" : "down_proj", h)};
        d->out = tap_rows(g, c.phase, c.layer, attn ? "attn_residual" : "ffn_residual", h);
        return d;
    }
    // Values near +-2^31 in both operands, so sums saturate both ways.
    std::shared_ptr<const StageData> random_data(const CaseSpec& c, const golden::ModelConfig& m,
                                                 const RandomSpec& r) const override {
        const uint64_t stream = c.role == "attn" ? 3 : 5;
        auto d = std::make_shared<VectorData>();
        d->in = {random_rows(c, r, m.hidden, stream, true),
                 random_rows(c, r, m.hidden, stream + 1, true)};
        for (size_t t = 0; t < d->in[0].size(); ++t) {
            std::vector<int32_t> z(m.hidden);
            for (int i = 0; i < m.hidden; ++i)
                z[i] = golden::residual_ref(d->in[0][t][i], d->in[1][t][i]);
            d->out.push_back(std::move(z));
        }
        return d;
    }

    CaseBench bench(const CaseContext& x, const StageData& data) const override {
        CaseBench b = vector_bench(x, static_cast<const VectorData&>(data),
                                   {"s_axis_x", "s_axis_y"}, "m_axis_z", "z");
        const kern::VectorShape s = kern::vector_shape(x.arch, x.spec.phase, x.bounds.d_max);
        b.model_cycles = perf::vector_cycles(b.tokens, b.d, s.lanes, s.tokens,
                                             perf::VectorKind::kStream, perf::fill::kResidual)
                             .total;
        return b;
    }

    bool csim(const CaseContext& x, CsimPorts& p) const override {
        const auto shape = kern::vector_shape(x.arch, x.spec.phase, x.bounds.d_max);
        const int d = static_cast<int>(p.scalar("cfg_d"));
        return dispatch_shape<csim::shapes::kAllVectorShape>(shape, [&]<kern::VectorShape S>() {
            hls::stream<kern::ActVecBeat<S>> a("s_axis_x"), y("s_axis_y"), z("m_axis_z");
            p.fill("s_axis_x", a);
            p.fill("s_axis_y", y);
            for (int g = p.transactions("s_axis_x"); g > 0; --g) {
                kern::residual<S>(a, y, z, d);
                p.drain("m_axis_z", z);
            }
            p.consumed("s_axis_x", a);
            p.consumed("s_axis_y", y);
        });
    }
};

}  // namespace

const Kernel& kernel_residual() {
    static const Residual k;
    return k;
}

}  // namespace flexllm::tb
