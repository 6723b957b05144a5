// Registry entry of quant_token (hls_src/kernels/quant_token.h, rtl_gen/sv_quant_token.cpp):
// the per-token uint4 quantization of every linear role's input, checked against the role's
// .q/.zero/.range taps.
#include "hls_src/kernels/quant_token.h"

#include <fmt/format.h>

#include "tb/bench_packing.h"
#include "tb/csim_engine.h"
#include "tb/csim_shapes.h"
#include "tb/kernels/linear_data.h"
#include "tb/perf/stage_model.h"

namespace flexllm::tb {
namespace {

using kern::Phase;

class QuantToken final : public Kernel {
  public:
    std::string_view name() const override { return "quant_token"; }
    const std::vector<Role>& roles() const override { return linear_roles(); }
    std::shared_ptr<const StageData> golden_data(const CaseSpec& c,
                                                 const GoldenTaps& g) const override {
        return golden_linear_data(c, g);
    }
    std::shared_ptr<const StageData> random_data(const CaseSpec& c, const golden::ModelConfig& m,
                                                 const RandomSpec& r) const override {
        return random_linear_data(c, m, r);
    }

    // Token groups of T tokens (the padding tokens of a partial group repeat real ones,
    // source_token, and are checked like them): d / lanes beats of T x L int32 in; as many code
    // beats and one zero/range beat per group out.
    CaseBench bench(const CaseContext& x, const StageData& data) const override {
        const LinearStimulus& st = static_cast<const LinearData&>(data).st;
        const kern::QuantParams qp =
            kern::derive_quant(x.arch, x.model, x.spec.phase, linear_role(x.spec), x.bounds.d_max);
        const int T = qp.shape.tokens, L = qp.shape.lanes, d = qp.d, beats = qp.beats();
        const int n = static_cast<int>(st.x.size());
        if (n == 0) throw Error(fmt::format("{}: no tokens", x.spec.id()));
        CaseBench b;
        b.tokens = n;
        b.d_in = b.d_out = b.d = d;
        b.scalars = {{"cfg_d", static_cast<uint64_t>(d)}};
        Packer in(x.module, "s_axis_x");
        Expect q(x.module, "m_axis_q", "codes"), zr(x.module, "m_axis_zr", "zero_range");
        for (int g = 0; g * T < n; ++g) {
            for (int bt = 0; bt < beats; ++bt) {
                for (int t = 0; t < T; ++t)
                    for (int l = 0; l < L; ++l) {
                        const int tok = g * T + t, i = bt * L + l, src = source_token(tok, n);
                        in.tmp[t * L + l] = st.x[src][i];
                        q.elem(st.xq[src].q[i], tok < n ? tok : -1, i);
                    }
                in.beat(bt == beats - 1);
                q.beat(bt == beats - 1);
            }
            for (int t = 0; t < T; ++t) {
                const int tok = g * T + t;
                zr.elem(zero_range_word(st.xq[source_token(tok, n)]), tok < n ? tok : -1, -1);
            }
            zr.beat(true);
        }
        b.inputs.push_back(std::move(in.s));
        b.outputs.push_back(std::move(q.e));
        b.outputs.push_back(std::move(zr.e));
        b.primary = "m_axis_q";
        auto cycles = [&](int tokens) {
            return (x.spec.phase == Phase::kPrefill ? perf::quant_token_prefill_cycles(tokens, d, T)
                                                    : perf::quant_token_cycles(tokens, d, L))
                .total;
        };
        b.model_cycles = cycles(n);
        b.chain = perf::ChainStage{(n + T - 1) / T, beats, cycles(T), true};
        return b;
    }

    bool csim(const CaseContext& x, CsimPorts& p) const override {
        const auto shape = kern::vector_shape(x.arch, x.spec.phase, x.bounds.d_max);
        const int d = static_cast<int>(p.scalar("cfg_d"));
        return dispatch_shape<csim::shapes::kAllVectorShape>(shape, [&]<kern::VectorShape S>() {
            hls::stream<kern::QuantInBeat<S>> in("s_axis_x");
            hls::stream<kern::QuantCodeBeat<S>> codes("m_axis_q");
            hls::stream<kern::ZeroRangeBeat<S.tokens>> zr("m_axis_zr");
            p.fill("s_axis_x", in);
            for (int g = p.transactions("s_axis_x"); g > 0; --g) {
                kern::quant_token<S>(in, codes, zr, d);
                p.drain("m_axis_q", codes);
                p.drain("m_axis_zr", zr);
            }
            p.consumed("s_axis_x", in);
        });
    }
};

}  // namespace

const Kernel& kernel_quant_token() {
    static const QuantToken k;
    return k;
}

}  // namespace flexllm::tb
