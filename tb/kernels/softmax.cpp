// Registry entry of softmax (hls_src/kernels/softmax.h, rtl_gen/sv_softmax.cpp): the integer
// softmax of every query row over its causal keys into uint8 probabilities (scale 1/255), one c2
// Multiplier per head, checked against the softmax tap (0 past the causal limit).
#include "hls_src/kernels/softmax.h"

#include <algorithm>

#include "golden/tables.h"
#include "tb/csim_engine.h"
#include "tb/csim_shapes.h"
#include "tb/kernels/attn_data.h"
#include "tb/perf/stage_model.h"

namespace flexllm::tb {
namespace {

class Softmax final : public AttnKernel {
  public:
    std::string_view name() const override { return "softmax"; }
    const std::vector<Role>& roles() const override {
        static const std::vector<Role> r = {{"attn", Slot::kSoftmax}};
        return r;
    }

    // Per group: the header, one beat of the rows' c2 multipliers, the score beats (attn_scores'
    // layout, 0 past each row's keys) and as many probability beats.
    CaseBench bench(const CaseContext& x, const StageData& sd) const override {
        const auto& d = static_cast<const AttnData&>(sd);
        const kern::AttnShape s = kern::attn_shape(x.arch, x.spec.phase, x.bounds);
        const auto groups = attn_groups(x.spec, d, s);
        Packer hdr(x.module, "s_axis_hdr"), c2(x.module, "s_axis_c2"), sc(x.module, "s_axis_s");
        Expect out(x.module, "m_axis_p", "softmax");
        for (const AttnGroup& g : groups) {
            const AttnStep& st = d.steps[g.step];
            hdr.tmp[0] = attn_header(g);
            hdr.beat(true);
            for (int r = 0; r < g.nrows; ++r)
                c2.tmp[r] = multiplier_lane(x.spec.id(), d.score_mult[g.head(s, r)]);
            c2.beat(true);
            for (int blk = 0; blk < g.nblk; ++blk) {
                for (int r = 0; r < s.rows; ++r)
                    for (int kk = 0; kk < s.keys; ++kk) {
                        const int j = blk * s.keys + kk;
                        if (r >= g.nrows) {
                            out.elem(0, -1, -1);
                            continue;
                        }
                        const int t = g.token(s, r), h = g.head(s, r);
                        const bool live = j < g.keys(s, r);
                        sc.tmp[r * s.keys + kk] = live ? st.score(t, h, d.heads, j) : 0;
                        out.elem(live ? st.prob(t, h, d.heads, j) : 0, st.row0 + t, -1, h, j);
                    }
                sc.beat(blk == g.nblk - 1);
                out.beat(blk == g.nblk - 1);
            }
        }
        CaseBench b;
        b.inputs = {hdr.s, c2.s, sc.s};
        b.outputs = {out.e};
        b.primary = "m_axis_p";
        for (const auto& st : d.steps) b.tokens += st.tokens;
        b.d_in = b.d_out = d.steps.back().ctx();
        b.model_cycles =
            perf::softmax_cycles(static_cast<int>(groups.size()), attn_blocks(groups),
                                 std::max_element(groups.begin(), groups.end(),
                                                  [](const AttnGroup& a, const AttnGroup& b) {
                                                      return a.nblk < b.nblk;
                                                  })
                                     ->nblk)
                .total;
        return b;
    }

    bool csim(const CaseContext& x, CsimPorts& p) const override {
        const auto shape = kern::attn_shape(x.arch, x.spec.phase, x.bounds);
        return dispatch_shape<csim::shapes::kAllAttnShape>(shape, [&]<kern::AttnShape S>() {
            hls::stream<kern::AttnHdrBeat> hdr("s_axis_hdr");
            hls::stream<kern::SoftmaxC2Beat<S>> c2("s_axis_c2");
            hls::stream<kern::AttnScoreBeat<S>> s("s_axis_s");
            hls::stream<kern::SoftmaxProbBeat<S>> prob("m_axis_p");
            p.fill("s_axis_hdr", hdr);
            p.fill("s_axis_c2", c2);
            p.fill("s_axis_s", s);
            for (int g = p.transactions("s_axis_hdr"); g > 0; --g) {
                kern::softmax<S>(hdr, c2, s, prob, golden::exp2_table().data());
                p.drain("m_axis_p", prob);
            }
            p.consumed("s_axis_hdr", hdr);
            p.consumed("s_axis_c2", c2);
            p.consumed("s_axis_s", s);
        });
    }
};

}  // namespace

const Kernel& kernel_softmax() {
    static const Softmax k;
    return k;
}

}  // namespace flexllm::tb
