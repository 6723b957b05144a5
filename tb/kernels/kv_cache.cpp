// Registry entry of kv_cache (hls_src/kernels/kv_cache.h, rtl_gen/sv_kv_cache.cpp): a layer's int8
// K (role k) or V (role v) cache, written as the steps produce it and read back in the attention
// engines' words, checked against the k_int8 / v_int8 taps of every position so far. A decode case
// first writes the prefill's positions (often not a multiple of the word), then appends each
// decode token and reads the whole cache back: the earlier positions of a shared word must survive.
#include "hls_src/kernels/kv_cache.h"

#include <memory>

#include "tb/csim_engine.h"
#include "tb/csim_shapes.h"
#include "tb/kernels/attn_data.h"
#include "tb/perf/stage_model.h"

namespace flexllm::tb {
namespace {

constexpr int64_t kWrite = 0, kRead = 1;

int64_t command(int64_t op, int count, int pos0) {
    return op << 32 | static_cast<int64_t>(count) << 16 | pos0;
}

class KvCache final : public AttnKernel {
  public:
    std::string_view name() const override { return "kv_cache"; }
    const std::vector<Role>& roles() const override {
        static const std::vector<Role> r = {{"k", Slot::kKvCache}, {"v", Slot::kKvCache}};
        return r;
    }

    CaseBench bench(const CaseContext& x, const StageData& sd) const override {
        const auto& d = static_cast<const AttnData&>(sd);
        const kern::KvCacheShape s = kern::kv_cache_shape(x.arch, x.spec.phase, x.bounds);
        const Rows AttnStep::*cache = x.spec.role == "k" ? &AttnStep::k8 : &AttnStep::v8;
        const int hd = d.head_dim, kvd = d.kv_heads * hd;
        if (hd > s.head_dim_max || kvd > s.kv_dim_max || d.steps.back().ctx() > s.positions_max)
            throw Error(fmt::format("{}: the cache ({} positions of {}) exceeds the RTL's {} of {}",
                                    x.spec.id(), d.steps.back().ctx(), kvd, s.positions_max,
                                    s.kv_dim_max));
        Packer cmd(x.module, "s_axis_cmd"), row(x.module, "s_axis_x");
        Expect out(x.module, "m_axis_kv", x.spec.role + "_cache");
        int64_t write_beats = 0, words = 0, commands = 0;
        // WRITE positions [p0, p0 + n) of `rows`, T tokens per beat group.
        const auto write = [&](const Rows& rows, int p0, int n) {
            cmd.tmp[0] = command(kWrite, n, p0);
            cmd.beat(true);
            ++commands;
            for (int t0 = 0; t0 < n; t0 += s.tokens)
                for (int b = 0; b < kvd / s.lanes; ++b) {
                    for (int t = 0; t < s.tokens && t0 + t < n; ++t)
                        for (int l = 0; l < s.lanes; ++l)
                            row.tmp[t * s.lanes + l] = rows[p0 + t0 + t][b * s.lanes + l];
                    row.beat(b == kvd / s.lanes - 1);
                    ++write_beats;
                }
        };
        const auto read = [&](const Rows& rows, int n) {
            cmd.tmp[0] = command(kRead, n, 0);
            cmd.beat(true);
            ++commands;
            const int nblk = (n + s.keys - 1) / s.keys;
            for (int kh = 0; kh < d.kv_heads; ++kh)
                for (int blk = 0; blk < nblk; ++blk)
                    for (int dd = 0; dd < hd; ++dd) {
                        for (int k = 0; k < s.keys; ++k) {
                            const int j = blk * s.keys + k;
                            out.elem(j < n ? rows[j][kh * hd + dd] : 0, j, dd, kh, j);
                        }
                        out.beat(kh == d.kv_heads - 1 && blk == nblk - 1 && dd == hd - 1);
                        ++words;
                    }
        };
        if (d.steps.front().pos0 > 0) write(d.steps.front().*cache, 0, d.steps.front().pos0);
        for (const AttnStep& st : d.steps) {
            write(st.*cache, st.pos0, st.tokens);
            read(st.*cache, st.ctx());
        }
        CaseBench b;
        b.scalars = {{"cfg_kv_dim", static_cast<uint64_t>(kvd)},
                     {"cfg_head_dim", static_cast<uint64_t>(hd)}};
        b.inputs = {cmd.s, row.s};
        b.outputs = {out.e};
        b.primary = "m_axis_kv";
        for (const auto& st : d.steps) b.tokens += st.tokens;
        b.d_in = b.d_out = kvd;
        b.model_cycles = perf::kv_cache_cycles(commands, write_beats, s.lanes, words).total;
        return b;
    }

    bool csim(const CaseContext& x, CsimPorts& p) const override {
        const auto shape = kern::kv_cache_shape(x.arch, x.spec.phase, x.bounds);
        const int kvd = static_cast<int>(p.scalar("cfg_kv_dim"));
        const int hd = static_cast<int>(p.scalar("cfg_head_dim"));
        return dispatch_shape<csim::shapes::kAllKvCacheShape>(shape, [&]<kern::KvCacheShape S>() {
            constexpr kern::VectorShape W{S.tokens, S.lanes, S.kv_dim_max};
            constexpr kern::AttnShape A{1, S.keys, 1, true, S.head_dim_max, S.positions_max};
            using Cache = kern::KvCache<W, A, S.kv_dim_max>;
            hls::stream<kern::KvCmdBeat> cmd("s_axis_cmd");
            hls::stream<kern::KvRowBeat<W>> x_in("s_axis_x");
            hls::stream<kern::KvWordBeat<A>> kv("m_axis_kv");
            p.fill("s_axis_cmd", cmd);
            p.fill("s_axis_x", x_in);
            auto cache = std::make_unique<Cache>();
            for (int c = p.transactions("s_axis_cmd"); c > 0; --c) {
                cache->run(cmd, x_in, kv, kvd, hd);
                p.drain("m_axis_kv", kv);
            }
            p.consumed("s_axis_cmd", cmd);
            p.consumed("s_axis_x", x_in);
        });
    }
};

}  // namespace

const Kernel& kernel_kv_cache() {
    static const KvCache k;
    return k;
}

}  // namespace flexllm::tb
