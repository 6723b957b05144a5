// Registry entry of swiglu (hls_src/kernels/swiglu.h, rtl_gen/sv_swiglu.cpp): silu(gate) * up of
// every layer's FFN with the interpolated SIGMOID table, checked against the swiglu tap.
#include "hls_src/kernels/swiglu.h"

#include <fmt/format.h>

#include "golden/ops_ref.h"
#include "golden/tables.h"
#include "tb/csim_engine.h"
#include "tb/csim_shapes.h"
#include "tb/kernels/vector_data.h"
#include "tb/perf/stage_model.h"

namespace flexllm::tb {
namespace {

class Swiglu final : public Kernel {
  public:
    std::string_view name() const override { return "swiglu"; }
    const std::vector<Role>& roles() const override {
        static const std::vector<Role> r = {{"ffn", Slot::kSwiglu}};
        return r;
    }

    // gate_proj, up_proj -> swiglu.
    std::shared_ptr<const StageData> golden_data(const CaseSpec& c,
                                                 const GoldenTaps& g) const override {
        const int f = g.qm().cfg.intermediate;
        auto d = std::make_shared<VectorData>();
        d->in = {tap_rows(g, c.phase, c.layer, "gate_proj", f),
                 tap_rows(g, c.phase, c.layer, "up_proj", f)};
        d->out = tap_rows(g, c.phase, c.layer, "swiglu", f);
        return d;
    }
    // Random rows (values near +-2^31 included: both clamps of the sigmoid and saturation).
    std::shared_ptr<const StageData> random_data(const CaseSpec& c, const golden::ModelConfig& m,
                                                 const RandomSpec& r) const override {
        const int f = m.intermediate;
        auto d = std::make_shared<VectorData>();
        d->in = {random_rows(c, r, f, 31, true), random_rows(c, r, f, 32, true)};
        for (size_t t = 0; t < d->in[0].size(); ++t) {
            std::vector<int32_t> h(f);
            for (int i = 0; i < f; ++i) h[i] = golden::swiglu_ref(d->in[0][t][i], d->in[1][t][i]);
            d->out.push_back(std::move(h));
        }
        return d;
    }

    CaseBench bench(const CaseContext& x, const StageData& sd) const override {
        CaseBench b = vector_bench(x, static_cast<const VectorData&>(sd), {"s_axis_g", "s_axis_u"},
                                   "m_axis_h", "h");
        const kern::VectorShape s = kern::vector_shape(x.arch, x.spec.phase, x.bounds.d_max);
        set_streamed_cycles(b, s, [&](int tokens) {
            return perf::vector_cycles(tokens, b.d, s.lanes, s.tokens, perf::VectorKind::kStream,
                                       perf::fill::kSwiglu)
                .total;
        });
        return b;
    }

    bool csim(const CaseContext& x, CsimPorts& p) const override {
        const auto shape = kern::vector_shape(x.arch, x.spec.phase, x.bounds.d_max);
        const int d = static_cast<int>(p.scalar("cfg_d"));
        return dispatch_shape<csim::shapes::kAllVectorShape>(shape, [&]<kern::VectorShape S>() {
            hls::stream<kern::ActVecBeat<S>> gate("s_axis_g"), up("s_axis_u"), h("m_axis_h");
            p.fill("s_axis_g", gate);
            p.fill("s_axis_u", up);
            for (int g = p.transactions("s_axis_g"); g > 0; --g) {
                kern::swiglu<S>(gate, up, h, d, golden::sigmoid_table().data());
                p.drain("m_axis_h", h);
            }
            p.consumed("s_axis_g", gate);
            p.consumed("s_axis_u", up);
        });
    }
};

}  // namespace

const Kernel& kernel_swiglu() {
    static const Swiglu k;
    return k;
}

}  // namespace flexllm::tb
