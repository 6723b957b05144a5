// Registry entry of fht (hls_src/kernels/fht.h, rtl_gen/sv_fht.cpp): the online R4 Walsh-Hadamard
// transform of every layer's swiglu output, checked against the fht tap.
#include "hls_src/kernels/fht.h"

#include <fmt/format.h>

#include <bit>

#include "golden/ops_ref.h"
#include "tb/csim_engine.h"
#include "tb/csim_shapes.h"
#include "tb/kernels/vector_data.h"
#include "tb/perf/stage_model.h"

namespace flexllm::tb {
namespace {

class Fht final : public Kernel {
  public:
    std::string_view name() const override { return "fht"; }
    const std::vector<Role>& roles() const override {
        static const std::vector<Role> r = {{"ffn", Slot::kFht}};
        return r;
    }

    // swiglu -> fht.
    std::shared_ptr<const StageData> golden_data(const CaseSpec& c,
                                                 const GoldenTaps& g) const override {
        const int f = g.qm().cfg.intermediate;
        auto d = std::make_shared<VectorData>();
        d->in = {tap_rows(g, c.phase, c.layer, "swiglu", f)};
        d->out = tap_rows(g, c.phase, c.layer, "fht", f);
        return d;
    }
    // Random rows (values near +-2^31 included: the sums need 31 + log2(n) bits and saturate).
    std::shared_ptr<const StageData> random_data(const CaseSpec& c, const golden::ModelConfig& m,
                                                 const RandomSpec& r) const override {
        const int f = m.intermediate;
        auto d = std::make_shared<VectorData>();
        d->in = {random_rows(c, r, f, 41, true)};
        for (const auto& row : d->in[0]) {
            std::vector<int32_t> y(f);
            golden::fht_ref(row, y);
            d->out.push_back(std::move(y));
        }
        return d;
    }

    CaseBench bench(const CaseContext& x, const StageData& sd) const override {
        CaseBench b =
            vector_bench(x, static_cast<const VectorData&>(sd), {"s_axis_x"}, "m_axis_y", "y");
        if (!std::has_single_bit(static_cast<unsigned>(b.d)))
            throw Error(fmt::format("{}: fht size {} is not a power of two", x.spec.id(), b.d));
        b.scalars.push_back(
            {"cfg_log2n", static_cast<uint64_t>(std::countr_zero(static_cast<unsigned>(b.d)))});
        const kern::VectorShape s = kern::vector_shape(x.arch, x.spec.phase, x.bounds.d_max);
        set_streamed_cycles(b, s, [&](int tokens) {
            return perf::fht_cycles(tokens, b.d, s.lanes, s.tokens, perf::fill::kFht).total;
        });
        return b;
    }

    bool csim(const CaseContext& x, CsimPorts& p) const override {
        const auto shape = kern::vector_shape(x.arch, x.spec.phase, x.bounds.d_max);
        const int n = static_cast<int>(p.scalar("cfg_d"));
        return dispatch_shape<csim::shapes::kAllVectorShape>(shape, [&]<kern::VectorShape S>() {
            hls::stream<kern::ActVecBeat<S>> in("s_axis_x"), out("m_axis_y");
            p.fill("s_axis_x", in);
            for (int g = p.transactions("s_axis_x"); g > 0; --g) {
                kern::fht<S>(in, out, n);
                p.drain("m_axis_y", out);
            }
            p.consumed("s_axis_x", in);
        });
    }
};

}  // namespace

const Kernel& kernel_fht() {
    static const Fht k;
    return k;
}

}  // namespace flexllm::tb
