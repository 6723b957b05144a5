// Registry entry of attn_context (hls_src/kernels/attn_context.h, rtl_gen/sv_attn_context.cpp):
// A·V of every query row over its causal keys with one Multiplier per KV head, checked against the
// attn_context tap (heads concatenated).
#include "hls_src/kernels/attn_context.h"

#include "tb/csim_engine.h"
#include "tb/csim_shapes.h"
#include "tb/kernels/attn_data.h"
#include "tb/perf/stage_model.h"

namespace flexllm::tb {
namespace {

class AttnContext final : public AttnKernel {
  public:
    std::string_view name() const override { return "attn_context"; }
    const std::vector<Role>& roles() const override {
        static const std::vector<Role> r = {{"attn", Slot::kAttnContext}};
        return r;
    }

    // Per group: the header, one beat of the rows' multipliers, the probability beats (softmax's
    // layout), the value words of every block, then head_dim context beats (the rows' element d).
    CaseBench bench(const CaseContext& x, const StageData& sd) const override {
        const auto& d = static_cast<const AttnData&>(sd);
        const kern::AttnShape s = kern::attn_shape(x.arch, x.spec.phase, x.bounds);
        const auto groups = attn_groups(x.spec, d, s);
        const int hd = d.head_dim;
        Packer hdr(x.module, "s_axis_hdr"), m(x.module, "s_axis_m"), pr(x.module, "s_axis_p");
        Packer v(x.module, "s_axis_v");
        Expect out(x.module, "m_axis_ctx", "attn_context");
        for (const AttnGroup& g : groups) {
            const AttnStep& st = d.steps[g.step];
            hdr.tmp[0] = attn_header(g);
            hdr.beat(true);
            for (int r = 0; r < g.nrows; ++r)
                m.tmp[r] = multiplier_lane(x.spec.id(), d.ctx_mult[g.head(s, r) / d.group()]);
            m.beat(true);
            for (int blk = 0; blk < g.nblk; ++blk) {
                for (int r = 0; r < g.nrows; ++r)
                    for (int kk = 0; kk < s.keys; ++kk) {
                        const int j = blk * s.keys + kk;
                        if (j < g.keys(s, r))
                            pr.tmp[r * s.keys + kk] =
                                st.prob(g.token(s, r), g.head(s, r), d.heads, j);
                    }
                pr.beat(blk == g.nblk - 1);
            }
            attn_kv_beats(v, d, g, s, &AttnStep::v8);
            for (int dd = 0; dd < hd; ++dd) {
                for (int r = 0; r < s.rows; ++r) {
                    if (r >= g.nrows) {
                        out.elem(0, -1, -1);
                        continue;
                    }
                    const int t = g.token(s, r), h = g.head(s, r);
                    out.elem(st.context[t][h * hd + dd], st.row0 + t, dd, h);
                }
                out.beat(dd == hd - 1);
            }
        }
        CaseBench b;
        b.scalars = {{"cfg_head_dim", static_cast<uint64_t>(hd)}};
        b.inputs = {hdr.s, m.s, pr.s, v.s};
        b.outputs = {out.e};
        b.primary = "m_axis_ctx";
        for (const auto& st : d.steps) b.tokens += st.tokens;
        b.d_in = d.steps.back().ctx();
        b.d_out = hd;
        b.model_cycles =
            perf::attn_context_cycles(static_cast<int>(groups.size()), attn_blocks(groups), hd)
                .total;
        return b;
    }

    bool csim(const CaseContext& x, CsimPorts& p) const override {
        const auto shape = kern::attn_shape(x.arch, x.spec.phase, x.bounds);
        const int hd = static_cast<int>(p.scalar("cfg_head_dim"));
        return dispatch_shape<csim::shapes::kAllAttnShape>(shape, [&]<kern::AttnShape S>() {
            hls::stream<kern::AttnHdrBeat> hdr("s_axis_hdr");
            hls::stream<kern::AttnMultBeat<S>> m("s_axis_m");
            hls::stream<kern::AttnProbBeat<S>> pr("s_axis_p");
            hls::stream<kern::AttnKvBeat<S>> v("s_axis_v");
            hls::stream<kern::AttnCtxBeat<S>> ctx("m_axis_ctx");
            p.fill("s_axis_hdr", hdr);
            p.fill("s_axis_m", m);
            p.fill("s_axis_p", pr);
            p.fill("s_axis_v", v);
            for (int g = p.transactions("s_axis_hdr"); g > 0; --g) {
                kern::attn_context<S>(hdr, m, pr, v, ctx, hd);
                p.drain("m_axis_ctx", ctx);
            }
            p.consumed("s_axis_hdr", hdr);
            p.consumed("s_axis_m", m);
            p.consumed("s_axis_p", pr);
            p.consumed("s_axis_v", v);
        });
    }
};

}  // namespace

const Kernel& kernel_attn_context() {
    static const AttnContext k;
    return k;
}

}  // namespace flexllm::tb
