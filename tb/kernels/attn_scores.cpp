// Registry entry of attn_scores (hls_src/kernels/attn_scores.h, rtl_gen/sv_attn_scores.cpp):
// Q·Kᵀ of every head with the causal mask, query groups of the attention shape against the int8
// KV cache, checked against the attn_scores tap (entries past the causal limit are 0).
#include "hls_src/kernels/attn_scores.h"

#include "tb/csim_engine.h"
#include "tb/csim_shapes.h"
#include "tb/kernels/attn_data.h"
#include "tb/perf/stage_model.h"

namespace flexllm::tb {
namespace {

class AttnScores final : public AttnKernel {
  public:
    std::string_view name() const override { return "attn_scores"; }
    const std::vector<Role>& roles() const override {
        static const std::vector<Role> r = {{"attn", Slot::kAttnScores}};
        return r;
    }

    // Per group: the header, head_dim q beats (the rows' element d), the key words of every
    // block, and one score beat of rows x keys per block.
    CaseBench bench(const CaseContext& x, const StageData& sd) const override {
        const auto& d = static_cast<const AttnData&>(sd);
        const kern::AttnShape s = kern::attn_shape(x.arch, x.spec.phase, x.bounds);
        const auto groups = attn_groups(x.spec, d, s);
        const int hd = d.head_dim;
        Packer hdr(x.module, "s_axis_hdr"), q(x.module, "s_axis_q"), k(x.module, "s_axis_k");
        Expect out(x.module, "m_axis_s", "attn_scores");
        for (const AttnGroup& g : groups) {
            const AttnStep& st = d.steps[g.step];
            hdr.tmp[0] = attn_header(g);
            hdr.beat(true);
            for (int dd = 0; dd < hd; ++dd) {
                for (int r = 0; r < g.nrows; ++r)
                    q.tmp[r] = st.q8[g.token(s, r)][g.head(s, r) * hd + dd];
                q.beat(dd == hd - 1);
            }
            attn_kv_beats(k, d, g, s, &AttnStep::k8);
            for (int blk = 0; blk < g.nblk; ++blk) {
                for (int r = 0; r < s.rows; ++r)
                    for (int kk = 0; kk < s.keys; ++kk) {
                        const int j = blk * s.keys + kk;
                        if (r >= g.nrows) {
                            out.elem(0, -1, -1);
                            continue;
                        }
                        const int t = g.token(s, r), h = g.head(s, r);
                        const int32_t v = j < g.keys(s, r) ? st.score(t, h, d.heads, j) : 0;
                        out.elem(v, st.row0 + t, -1, h, j);
                    }
                out.beat(blk == g.nblk - 1);
            }
        }
        CaseBench b;
        b.scalars = {{"cfg_head_dim", static_cast<uint64_t>(hd)}};
        b.inputs = {hdr.s, q.s, k.s};
        b.outputs = {out.e};
        b.primary = "m_axis_s";
        for (const auto& st : d.steps) b.tokens += st.tokens;
        b.d_in = hd;
        b.d_out = d.steps.back().ctx();
        b.model_cycles =
            perf::attn_scores_cycles(static_cast<int>(groups.size()), attn_blocks(groups), hd)
                .total;
        return b;
    }

    bool csim(const CaseContext& x, CsimPorts& p) const override {
        const auto shape = kern::attn_shape(x.arch, x.spec.phase, x.bounds);
        const int hd = static_cast<int>(p.scalar("cfg_head_dim"));
        return dispatch_shape<csim::shapes::kAllAttnShape>(shape, [&]<kern::AttnShape S>() {
            hls::stream<kern::AttnHdrBeat> hdr("s_axis_hdr");
            hls::stream<kern::AttnQBeat<S>> q("s_axis_q");
            hls::stream<kern::AttnKvBeat<S>> k("s_axis_k");
            hls::stream<kern::AttnScoreBeat<S>> s("m_axis_s");
            p.fill("s_axis_hdr", hdr);
            p.fill("s_axis_q", q);
            p.fill("s_axis_k", k);
            for (int g = p.transactions("s_axis_hdr"); g > 0; --g) {
                kern::attn_scores<S>(hdr, q, k, s, hd);
                p.drain("m_axis_s", s);
            }
            p.consumed("s_axis_hdr", hdr);
            p.consumed("s_axis_q", q);
            p.consumed("s_axis_k", k);
        });
    }
};

}  // namespace

const Kernel& kernel_attn_scores() {
    static const AttnScores k;
    return k;
}

}  // namespace flexllm::tb
