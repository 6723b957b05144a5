// Registry entry of rmsnorm (hls_src/kernels/rmsnorm.h, rtl_gen/sv_rmsnorm.cpp): the attention
// and FFN norms of every layer and the final norm (the last token of a step), checked against
// the attn_norm / ffn_norm / final_norm taps.
#include "hls_src/kernels/rmsnorm.h"

#include <fmt/format.h>

#include "golden/ops_ref.h"
#include "tb/csim_engine.h"
#include "tb/csim_shapes.h"
#include "tb/kernels/vector_data.h"
#include "tb/perf/stage_model.h"

namespace flexllm::tb {
namespace {

class Rmsnorm final : public Kernel {
  public:
    std::string_view name() const override { return "rmsnorm"; }
    const std::vector<Role>& roles() const override {
        static const std::vector<Role> r = {
            {"attn", Slot::kAttnNorm}, {"ffn", Slot::kFfnNorm}, {"final", Slot::kFinalNorm, false}};
        return r;
    }

    // attn: the layer's input -> attn_norm; ffn: attn_residual -> ffn_norm; final: the last
    // layer's ffn_residual of each step's last token -> final_norm.
    std::shared_ptr<const StageData> golden_data(const CaseSpec& c,
                                                 const GoldenTaps& g) const override {
        const int h = g.qm().cfg.hidden, last = g.qm().cfg.layers - 1;
        auto d = std::make_shared<VectorData>();
        d->eps_q32 = g.qm().eps_q32;
        if (c.role == "attn") {
            d->in = {layer_input_rows(g, c.phase, c.layer, h)};
            d->out = tap_rows(g, c.phase, c.layer, "attn_norm", h);
        } else if (c.role == "ffn") {
            d->in = {tap_rows(g, c.phase, c.layer, "attn_residual", h)};
            d->out = tap_rows(g, c.phase, c.layer, "ffn_norm", h);
        } else {
            d->in = {tap_rows(g, c.phase, last, "ffn_residual", h, true)};
            d->out = tap_rows(g, c.phase, -1, "final_norm", h);
        }
        return d;
    }
    std::shared_ptr<const StageData> random_data(const CaseSpec& c, const golden::ModelConfig& m,
                                                 const RandomSpec& r) const override {
        auto d = std::make_shared<VectorData>();
        d->eps_q32 = golden::rms_eps_q32(m.rms_eps);
        d->in = {random_rows(c, r, m.hidden, c.role == "ffn" ? 2 : 1, true)};
        for (const auto& x : d->in[0]) {
            std::vector<int32_t> y(x.size());
            golden::rmsnorm_ref(x, d->eps_q32, y);
            d->out.push_back(std::move(y));
        }
        return d;
    }

    CaseBench bench(const CaseContext& x, const StageData& data) const override {
        const auto& d = static_cast<const VectorData&>(data);
        CaseBench b = vector_bench(x, d, {"s_axis_x"}, "m_axis_y", "y");
        b.scalars.push_back({"cfg_eps", static_cast<uint64_t>(d.eps_q32)});
        const kern::VectorShape s = kern::vector_shape(x.arch, x.spec.phase, x.bounds.d_max);
        b.model_cycles = perf::vector_cycles(b.tokens, b.d, s.lanes, s.tokens,
                                             perf::VectorKind::kRowReduce, perf::fill::kRmsNorm)
                             .total;
        return b;
    }

    bool csim(const CaseContext& x, CsimPorts& p) const override {
        const auto shape = kern::vector_shape(x.arch, x.spec.phase, x.bounds.d_max);
        const int d = static_cast<int>(p.scalar("cfg_d"));
        const uint64_t eps = p.scalar("cfg_eps");
        return dispatch_shape<csim::shapes::kAllVectorShape>(shape, [&]<kern::VectorShape S>() {
            hls::stream<kern::ActVecBeat<S>> in("s_axis_x"), out("m_axis_y");
            p.fill("s_axis_x", in);
            for (int g = p.transactions("s_axis_x"); g > 0; --g) {
                kern::rmsnorm<S>(in, out, d, eps);
                p.drain("m_axis_y", out);
            }
            p.consumed("s_axis_x", in);
        });
    }
};

}  // namespace

const Kernel& kernel_rmsnorm() {
    static const Rmsnorm k;
    return k;
}

}  // namespace flexllm::tb
