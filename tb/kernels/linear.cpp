// Registry entry of the W4A4 linear engines (hls_src/kernels/linear_prefill.h and
// linear_decode.h, rtl_gen/sv_linear.cpp): every linear role of every layer and the LM head,
// weights and channel parameters through the memory-channel model, checked against the role's
// output tap.
#include <fmt/format.h>

#include <algorithm>

#include "hls_src/kernels/linear_decode.h"
#include "hls_src/kernels/linear_prefill.h"
#include "tb/bench_packing.h"
#include "tb/csim_engine.h"
#include "tb/csim_shapes.h"
#include "tb/kernels/linear_data.h"
#include "tb/perf/stage_model.h"

namespace flexllm::tb {
namespace {

using kern::Phase;

class Linear final : public Kernel {
  public:
    std::string_view name() const override { return "linear"; }
    const std::vector<Role>& roles() const override { return linear_roles(); }
    std::string variant(const CaseSpec& c) const override {
        if (c.phase == Phase::kDecode) return "linear_decode";
        return fmt::format("linear_prefill_{}",
                           kern::engine_name(kern::prefill_engine_of(linear_role(c))));
    }
    std::shared_ptr<const StageData> golden_data(const CaseSpec& c,
                                                 const GoldenTaps& g) const override {
        return golden_linear_data(c, g);
    }
    std::shared_ptr<const StageData> random_data(const CaseSpec& c, const golden::ModelConfig& m,
                                                 const RandomSpec& r) const override {
        return random_linear_data(c, m, r);
    }

    // Per token block of R tokens: the codes (d_in / act_lanes beats), the zero/range beat, then
    // per channel block the channel parameters (one beat per weight stream) and d_in weight
    // beats per stream; out: R x lanes beats of WP channels per channel block. The padding rows
    // of a partial block repeat real tokens (source_token) and are checked like them: rows of
    // range 0 would give 0 whatever their accumulators held.
    CaseBench bench(const CaseContext& x, const StageData& data) const override {
        const LinearStimulus& st = static_cast<const LinearData&>(data).st;
        const kern::LinearParams lp =
            kern::derive_linear(x.arch, x.model, x.spec.phase, linear_role(x.spec), x.bounds.d_max);
        const auto& s = lp.shape;
        const int R = s.rows, A = s.act_lanes, LN = s.lanes, WP = s.wp, cols = s.cols();
        const int d_in = lp.d_in, d_out = lp.d_out, n_cb = lp.n_cb;
        const int n = static_cast<int>(st.x.size());
        if (n == 0) throw Error(fmt::format("{}: no tokens", x.spec.id()));
        if (st.w.d_in != d_in || st.w.d_out != d_out)
            throw Error(fmt::format("{}: weights are {}x{}, the role needs {}x{}", x.spec.id(),
                                    st.w.d_out, st.w.d_in, d_out, d_in));
        CaseBench b;
        b.tokens = n;
        b.d_in = d_in;
        b.d_out = d_out;
        b.scalars = {{"cfg_d_in", static_cast<uint64_t>(d_in)},
                     {"cfg_n_cb", static_cast<uint64_t>(n_cb)}};
        const int channels = std::max(1, lp.mem.channels);
        b.mem.push_back(
            {channels, lp.mem.bytes_per_cycle * lp.mem.efficiency, lp.mem.latency_cycles, 0});
        // The channel of the lanes' beat `i`: consecutive beats of all lanes interleave over the
        // group's channels (address interleaving), so the lanes share the group's bandwidth evenly
        // whether there are more channels than lanes or fewer -- as the perf model assumes.
        auto interleave = [&](int i, int l) {
            return static_cast<uint8_t>((static_cast<int64_t>(i) * LN + l) % channels);
        };
        Packer act(x.module, "s_axis_act"), zr(x.module, "s_axis_zr"),
            chan(x.module, "s_axis_chan");
        std::vector<Packer> w;
        for (int l = 0; l < LN; ++l) w.emplace_back(x.module, fmt::format("s_axis_w{}", l));
        Expect y(x.module, "m_axis_y", "y");
        for (int tb = 0; tb * R < n; ++tb) {
            for (int bt = 0; bt < d_in / A; ++bt) {
                for (int r = 0; r < R; ++r)
                    for (int e = 0; e < A; ++e) {
                        act.tmp[r * A + e] = st.xq[source_token(tb * R + r, n)].q[bt * A + e];
                    }
                act.beat(bt == d_in / A - 1);
            }
            for (int r = 0; r < R; ++r) {
                zr.tmp[r] = zero_range_word(st.xq[source_token(tb * R + r, n)]);
            }
            zr.beat(true);
            for (int cb = 0; cb < n_cb; ++cb) {
                for (int l = 0; l < LN; ++l) {
                    for (int i = 0; i < WP; ++i) {
                        const int j = cb * cols + l * WP + i;
                        if (j >= d_out) continue;
                        const auto& mu = st.w.mult[j];
                        if (mu.m >= (1u << 16) || mu.shift < 0 || mu.shift > 63)
                            throw Error(
                                fmt::format("{}: channel {} multiplier {}*2^-{} does not fit "
                                            "the 16-bit mantissa / 6-bit shift port",
                                            x.spec.id(), j, mu.m, mu.shift));
                        chan.tmp[i] = static_cast<int64_t>(static_cast<uint32_t>(st.w.rowsum[j])) |
                                      (static_cast<int64_t>(mu.m) << 32) |
                                      (static_cast<int64_t>(mu.shift) << 48);
                    }
                    chan.beat(cb == n_cb - 1 && l == LN - 1);
                    chan.s.beat_channel.push_back(interleave(cb, l));
                }
                for (int k = 0; k < d_in; ++k)
                    for (int l = 0; l < LN; ++l) {
                        for (int i = 0; i < WP; ++i) {
                            const int j = cb * cols + l * WP + i;
                            w[l].tmp[i] = j < d_out ? st.w.w[static_cast<size_t>(j) * d_in + k] : 0;
                        }
                        w[l].beat(cb == n_cb - 1 && k == d_in - 1);
                        w[l].s.beat_channel.push_back(interleave(cb * d_in + k, l));
                    }
                for (int r = 0; r < R; ++r)
                    for (int l = 0; l < LN; ++l) {
                        const int tok = tb * R + r;
                        for (int i = 0; i < WP; ++i) {
                            const int j = cb * cols + l * WP + i;
                            y.elem(j < d_out ? st.y[source_token(tok, n)][j] : 0,
                                   tok < n ? tok : -1, j < d_out ? j : -1);
                        }
                        y.beat(cb == n_cb - 1 && r == R - 1 && l == LN - 1);
                    }
            }
        }
        b.inputs.push_back(std::move(act.s));
        b.inputs.push_back(std::move(zr.s));
        for (int l = 0; l < LN; ++l) {
            w[l].s.mem_group = 0;
            w[l].s.beat_bytes = (WP * 4 + 7) / 8;
            b.inputs.push_back(std::move(w[l].s));
        }
        chan.s.mem_group = 0;
        chan.s.beat_bytes = WP * perf::kChannelParamBytes;
        b.inputs.push_back(std::move(chan.s));
        b.outputs.push_back(std::move(y.e));
        b.primary = "m_axis_y";
        const bool prefill = x.spec.phase == Phase::kPrefill;
        const perf::StageFill& f = prefill ? perf::fill::kLinearPrefill : perf::fill::kLinearDecode;
        b.model_cycles = perf::linear_engine_cycles(
                             n, d_in, d_out, perf::EngineShape{R, LN, WP, prefill}, lp.mem, f)
                             .total;
        return b;
    }

    bool csim(const CaseContext& x, CsimPorts& p) const override {
        const kern::LinearParams lp =
            kern::derive_linear(x.arch, x.model, x.spec.phase, linear_role(x.spec), x.bounds.d_max);
        const int d_in = static_cast<int>(p.scalar("cfg_d_in"));
        const int n_cb = static_cast<int>(p.scalar("cfg_n_cb"));
        return dispatch_shape<csim::shapes::kAllLinearShape>(lp.shape, [&]<kern::LinearShape S>() {
            hls::stream<kern::ActBeat<S>> act("s_axis_act");
            hls::stream<kern::ZeroRangeBeat<S.rows>> zr("s_axis_zr");
            hls::stream<kern::WeightBeat<S>> ws[S.lanes];
            hls::stream<kern::ChanBeat<S>> chan("s_axis_chan");
            hls::stream<kern::OutBeat<S>> out("m_axis_y");
            p.fill("s_axis_act", act);
            p.fill("s_axis_zr", zr);
            for (int l = 0; l < S.lanes; ++l) p.fill(fmt::format("s_axis_w{}", l), ws[l]);
            p.fill("s_axis_chan", chan);
            for (int blk = p.transactions("s_axis_zr"); blk > 0; --blk) {
                if constexpr (S.rows == 1)  // one token in flight: the decode GEMV
                    kern::linear_decode<S>(act, zr, ws, chan, out, d_in, n_cb);
                else  // a token block: the prefill systolic array
                    kern::linear_prefill<S>(act, zr, ws, chan, out, d_in, n_cb);
                p.drain("m_axis_y", out);
            }
            p.consumed("s_axis_act", act);
            p.consumed("s_axis_zr", zr);
            for (int l = 0; l < S.lanes; ++l) p.consumed(fmt::format("s_axis_w{}", l), ws[l]);
            p.consumed("s_axis_chan", chan);
        });
    }
};

}  // namespace

const Kernel& kernel_linear() {
    static const Linear k;
    return k;
}

}  // namespace flexllm::tb
