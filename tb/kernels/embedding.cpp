// Registry entry of embedding (hls_src/kernels/embedding.h, rtl_gen/sv_embedding.cpp): the lookup
// of each step's token ids in the int32 embedding table before the first layer (role embed),
// the table served from off-chip memory through the harness's read channel (the decode weight
// memory group), checked against the embed tap; the row requests are checked too (RTL).
#include "hls_src/kernels/embedding.h"

#include <random>

#include "golden/ops_ref.h"
#include "tb/bench_packing.h"
#include "tb/csim_engine.h"
#include "tb/csim_shapes.h"
#include "tb/kernels/vector_data.h"
#include "tb/perf/stage_model.h"

namespace flexllm::tb {
namespace {

struct EmbedData : StageData {
    std::vector<int> tokens;     // the case's token ids, in order
    std::vector<int32_t> table;  // [vocab][hidden]
    int vocab = 0, hidden = 0;
    Rows out;  // per token, the expected row
};

class Embedding final : public Kernel {
  public:
    std::string_view name() const override { return "embedding"; }
    const std::vector<Role>& roles() const override {
        static const std::vector<Role> r = {{"embed", Slot::kEmbed, false}};
        return r;
    }

    // The prompt (prefill) or each decode step's input token, the quantized table, the embed tap.
    std::shared_ptr<const StageData> golden_data(const CaseSpec& c,
                                                 const GoldenTaps& g) const override {
        auto d = std::make_shared<EmbedData>();
        d->vocab = g.qm().cfg.vocab;
        d->hidden = g.qm().cfg.hidden;
        d->table = g.qm().embed;
        for (const auto& step : g.steps(c.phase))
            for (int t : g.step_tokens(step)) d->tokens.push_back(t);
        d->out = tap_rows(g, c.phase, -1, "embed", d->hidden);
        if (d->out.size() != d->tokens.size())
            throw Error(fmt::format("{}: {} embed rows for {} tokens", c.id(), d->out.size(),
                                    d->tokens.size()));
        return d;
    }
    // A random table with int32 extremes; the first and the last id, an id repeated within a
    // token group, the rest uniform; expected rows looked up in the table.
    std::shared_ptr<const StageData> random_data(const CaseSpec& c, const golden::ModelConfig& m,
                                                 const RandomSpec& r) const override {
        auto d = std::make_shared<EmbedData>();
        d->vocab = m.vocab;
        d->hidden = m.hidden;
        d->table = random_rows(c, r, m.vocab * m.hidden, 11, true)[0];
        const bool prefill = c.phase == kern::Phase::kPrefill;
        std::mt19937_64 rng(r.seed * 131 + (prefill ? 0 : 17) + 7919 * 41);
        std::uniform_int_distribution<int> id(0, m.vocab - 1);
        const int n = prefill ? r.prompt_len : r.decode_tokens;
        for (int t = 0; t < n; ++t)
            d->tokens.push_back(t == 0 ? m.vocab - 1 : t == 1 ? 0 : t == 2 ? m.vocab - 1 : id(rng));
        for (int t : d->tokens)
            d->out.emplace_back(d->table.begin() + static_cast<size_t>(t) * m.hidden,
                                d->table.begin() + static_cast<size_t>(t + 1) * m.hidden);
        return d;
    }

    // Per token group: one beat of T ids (kNoToken past the last token), a row request per token,
    // hidden / L output beats; the table as the read channel's image in beats of T x L elements.
    CaseBench bench(const CaseContext& x, const StageData& sd) const override {
        const auto& d = static_cast<const EmbedData&>(sd);
        const kern::VectorShape s = kern::vector_shape(x.arch, x.spec.phase, x.bounds.d_max);
        const int T = s.tokens, L = s.lanes, NE = T * L, h = d.hidden;
        const int n = static_cast<int>(d.tokens.size());
        if (n == 0) throw Error(fmt::format("{}: no tokens", x.spec.id()));
        if (h % NE != 0 || h > s.d_max)
            throw Error(fmt::format("{}: {} x {} lanes do not divide the row length {} (or it "
                                    "exceeds the buffer of {})",
                                    x.spec.id(), T, L, h, s.d_max),
                        "choose decode.lanes and prefill.tp dividing hidden");
        const int rb = h / NE;
        CaseBench b;
        b.tokens = n;
        b.d_in = b.d_out = b.d = h;
        b.scalars = {{"cfg_d", static_cast<uint64_t>(h)},
                     {"cfg_vocab", static_cast<uint64_t>(d.vocab)}};
        const kern::MemChannelParams& mp = x.arch.decode.weight_mem;
        b.mem.push_back(
            {std::max(1, mp.channels), mp.bytes_per_cycle * mp.efficiency, mp.latency_cycles, 0});
        MemReadPort table;
        table.request = "m_axis_rd";
        table.response = "s_axis_rd";
        table.words_per_beat = (NE * 32 + 31) / 32;
        table.mem_group = 0;
        table.beat_bytes = NE * 4;
        table.image.resize(d.table.size());
        std::vector<int64_t> beat(NE);
        for (size_t a = 0; a * NE < d.table.size(); ++a) {
            for (int e = 0; e < NE; ++e) beat[e] = d.table[a * NE + e];
            pack_elems(beat.data(), NE, 32, &table.image[a * table.words_per_beat]);
        }
        b.reads.push_back(std::move(table));
        Packer tok(x.module, "s_axis_tok");
        Expect req(x.module, "m_axis_rd", "row_request"), out(x.module, "m_axis_x", "embed");
        for (int g = 0; g * T < n; ++g) {
            for (int t = 0; t < T; ++t) {
                const int i = g * T + t;
                tok.tmp[t] = i < n ? d.tokens[i] : kern::kNoToken;
                if (i >= n) continue;
                req.elem(static_cast<int64_t>(d.tokens[i]) * rb, i, -1);
                req.elem(rb, i, -1);
                req.beat(true);
            }
            tok.beat(true);
            for (int bt = 0; bt < h / L; ++bt) {
                for (int t = 0; t < T; ++t)
                    for (int l = 0; l < L; ++l) {
                        const int i = g * T + t, ch = bt * L + l;
                        out.elem(i < n ? d.out[i][ch] : 0, i < n ? i : -1, ch);
                    }
                out.beat(bt == h / L - 1);
            }
        }
        b.inputs = {tok.s};
        b.outputs = {req.e, out.e};
        b.primary = "m_axis_x";
        b.model_cycles = perf::embed_cycles(n, h, T, L, mp).total;
        return b;
    }

    bool csim(const CaseContext& x, CsimPorts& p) const override {
        const auto shape = kern::vector_shape(x.arch, x.spec.phase, x.bounds.d_max);
        const int d = static_cast<int>(p.scalar("cfg_d"));
        const auto vocab = static_cast<uint32_t>(p.scalar("cfg_vocab"));
        return dispatch_shape<csim::shapes::kAllVectorShape>(shape, [&]<kern::VectorShape S>() {
            if constexpr (S.d_max % (S.tokens * S.lanes) != 0)
                throw Error(fmt::format("{}: no embedding kernel of shape {}x{} (d_max {})",
                                        x.spec.id(), S.tokens, S.lanes, S.d_max));
            else {
                const auto table = p.memory<kern::ActVecBeat<S>>("s_axis_rd");
                hls::stream<kern::TokenBeat<S>> tok("s_axis_tok");
                hls::stream<kern::ActVecBeat<S>> out("m_axis_x");
                p.fill("s_axis_tok", tok);
                for (int g = p.transactions("s_axis_tok"); g > 0; --g) {
                    if (!kern::embedding<S>(tok, table.data(), d, vocab, out))
                        p.contract("a token id outside the table");
                    p.drain("m_axis_x", out);
                }
                p.consumed("s_axis_tok", tok);
            }
        });
    }
};

}  // namespace

const Kernel& kernel_embedding() {
    static const Embedding k;
    return k;
}

}  // namespace flexllm::tb
