// Registry entry of quant_static (hls_src/kernels/quant_static.h, rtl_gen/sv_quant_static.cpp):
// the static int8 quantization of Q (after rope), K (after rope) and V of every layer with one
// Multiplier per head, checked against the q_int8 / k_int8 / v_int8 taps.
#include "hls_src/kernels/quant_static.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "golden/ops_ref.h"
#include "tb/bench_packing.h"
#include "tb/csim_engine.h"
#include "tb/csim_shapes.h"
#include "tb/kernels/vector_data.h"
#include "tb/perf/stage_model.h"

namespace flexllm::tb {
namespace {

struct QuantStaticData : VectorData {
    std::vector<golden::Multiplier> mult;  // per head
    int head_dim = 0;
};

class QuantStatic final : public Kernel {
  public:
    std::string_view name() const override { return "quant_static"; }
    const std::vector<Role>& roles() const override {
        static const std::vector<Role> r = {
            {"q", Slot::kQuantStatic}, {"k", Slot::kQuantStatic}, {"v", Slot::kQuantStatic}};
        return r;
    }

    // q: q_rope -> q_int8 (q_mult per head); k: k_rope -> k_int8; v: v_proj -> v_int8.
    std::shared_ptr<const StageData> golden_data(const CaseSpec& c,
                                                 const GoldenTaps& g) const override {
        const auto& cfg = g.qm().cfg;
        const auto& L = g.qm().layers.at(c.layer);
        const int d = c.role == "q" ? cfg.q_dim() : cfg.kv_dim();
        auto data = std::make_shared<QuantStaticData>();
        data->head_dim = cfg.head_dim;
        data->mult = c.role == "q" ? L.q_mult : c.role == "k" ? L.k_mult : L.v_mult;
        const std::string in = c.role == "q" ? "q_rope" : c.role == "k" ? "k_rope" : "v_proj";
        data->in = {tap_rows(g, c.phase, c.layer, in, d)};
        data->out = tap_rows(g, c.phase, c.layer, c.role + "_int8", d);
        return data;
    }
    // Random rows with per-head multipliers that put the head's largest value at 1.1 x 127, so
    // both clamps are reached; expected values from quant_static_ref.
    std::shared_ptr<const StageData> random_data(const CaseSpec& c, const golden::ModelConfig& m,
                                                 const RandomSpec& r) const override {
        const int d = c.role == "q" ? m.q_dim() : m.kv_dim(), hd = m.head_dim;
        auto data = std::make_shared<QuantStaticData>();
        data->head_dim = hd;
        data->in = {random_rows(c, r, d, c.role == "q" ? 11 : c.role == "k" ? 12 : 13, false)};
        for (int h = 0; h < d / hd; ++h) {
            double mx = 1;
            for (const auto& row : data->in[0])
                for (int i = h * hd; i < (h + 1) * hd; ++i)
                    mx = std::max(mx, std::abs(static_cast<double>(row[i])));
            data->mult.push_back(golden::to_multiplier(1.1 * 127 / mx));
        }
        for (const auto& row : data->in[0]) {
            std::vector<int32_t> q(d);
            for (int i = 0; i < d; ++i) q[i] = golden::quant_static_ref(row[i], data->mult[i / hd]);
            data->out.push_back(std::move(q));
        }
        return data;
    }

    // Per token group: one {shift, m} beat per head on s_axis_m, then the rows.
    CaseBench bench(const CaseContext& x, const StageData& sd) const override {
        const auto& d = static_cast<const QuantStaticData&>(sd);
        const int heads = static_cast<int>(d.mult.size());
        if (heads > x.module.shape.at("hmax").get<int>())
            throw Error(fmt::format("{}: {} heads exceed the {} the RTL holds", x.spec.id(), heads,
                                    x.module.shape.at("hmax").get<int>()));
        std::vector<std::vector<int64_t>> mults;
        for (const auto& m : d.mult) mults.push_back({multiplier_lane(x.spec.id(), m)});
        CaseBench b = vector_bench(x, d, {"s_axis_x"}, "m_axis_q", "int8",
                                   {{"s_axis_m", [&](int) { return mults; }}});
        b.scalars.push_back({"cfg_head_dim", static_cast<uint64_t>(d.head_dim)});
        const kern::VectorShape s = kern::vector_shape(x.arch, x.spec.phase, x.bounds.d_max);
        b.model_cycles = perf::quant_static_cycles(b.tokens, b.d, heads, s.lanes, s.tokens).total;
        return b;
    }

    bool csim(const CaseContext& x, CsimPorts& p) const override {
        const auto shape = kern::vector_shape(x.arch, x.spec.phase, x.bounds.d_max);
        const int d = static_cast<int>(p.scalar("cfg_d"));
        const int hd = static_cast<int>(p.scalar("cfg_head_dim"));
        return dispatch_shape<csim::shapes::kAllVectorShape>(shape, [&]<kern::VectorShape S>() {
            hls::stream<kern::QuantStaticMultBeat> mult("s_axis_m");
            hls::stream<kern::ActVecBeat<S>> in("s_axis_x");
            hls::stream<kern::QuantStaticCodeBeat<S>> q("m_axis_q");
            p.fill("s_axis_m", mult);
            p.fill("s_axis_x", in);
            for (int g = p.transactions("s_axis_x"); g > 0; --g) {
                kern::quant_static<S>(mult, in, q, d, hd);
                p.drain("m_axis_q", q);
            }
            p.consumed("s_axis_m", mult);
            p.consumed("s_axis_x", in);
        });
    }
};

}  // namespace

const Kernel& kernel_quant_static() {
    static const QuantStatic k;
    return k;
}

}  // namespace flexllm::tb
