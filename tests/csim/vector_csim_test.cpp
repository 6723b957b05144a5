// C-sim conformance of the vector-stage kernels (rmsnorm, residual, rope, quant_static, swiglu,
// fht, embedding) against the golden _ref ops and the embedding table:
// hand-worked cases, and the registry's C-sim engine on seeded random rows (saturating values,
// all-equal tokens, odd d) at every built shape and the u280 shapes; and the engine itself:
// a divergence and a broken stream contract are verdicts, never exceptions.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <climits>

#include "golden/model_config.h"
#include "golden/ops_ref.h"
#include "golden/tables.h"
#include "hls_src/arch_config.h"
#include "hls_src/kernels/embedding.h"
#include "hls_src/kernels/fht.h"
#include "hls_src/kernels/quant_static.h"
#include "hls_src/kernels/residual.h"
#include "hls_src/kernels/rmsnorm.h"
#include "hls_src/kernels/rope.h"
#include "hls_src/kernels/swiglu.h"
#include "tb/cases.h"
#include "tb/kernels/linear_data.h"
#include "tb/kernels/vector_data.h"
#include "tests/csim/csim_test_support.h"

namespace flexllm::tb {
namespace {

using ::testing::HasSubstr;

template <kern::VectorShape S>
std::vector<std::vector<int32_t>> run_rmsnorm(const std::vector<std::vector<int32_t>>& rows,
                                              int64_t eps) {
    const int d = static_cast<int>(rows[0].size());
    hls::stream<kern::ActVecBeat<S>> in, out;
    for (int b = 0; b < d / S.lanes; ++b) {
        kern::ActVecBeat<S> v;
        for (int t = 0; t < S.tokens; ++t)
            for (int l = 0; l < S.lanes; ++l)
                v[t * S.lanes + l] =
                    t < static_cast<int>(rows.size()) ? rows[t][b * S.lanes + l] : 0;
        in.write(v);
    }
    kern::rmsnorm<S>(in, out, d, static_cast<uint64_t>(eps));
    EXPECT_TRUE(in.empty());
    std::vector<std::vector<int32_t>> y(S.tokens, std::vector<int32_t>(d));
    for (int b = 0; b < d / S.lanes; ++b) {
        const auto v = out.read();
        for (int t = 0; t < S.tokens; ++t)
            for (int l = 0; l < S.lanes; ++l) y[t][b * S.lanes + l] = v[t * S.lanes + l].to_int();
    }
    EXPECT_TRUE(out.empty());
    return y;
}

TEST(RmsnormCsim, HandWorkedRows) {
    // x = 1.0 everywhere: ms = 2^32, v = 2^32 + 42950, r = floor(2^40 / sqrt(v)) = 16777132,
    // y = rshift_rnd(65536 * 16777132, 24) = 65536 (NUMERICS.md §2.1).
    const std::vector<int32_t> ones(8, 65536);
    const auto y = run_rmsnorm<kern::VectorShape{1, 4, 16}>({ones}, 42950);
    EXPECT_EQ(y[0], std::vector<int32_t>(8, 65536));
    EXPECT_EQ(golden::rmsnorm_recip_ref(ones, 42950), 16777132u);
    // A zero row (v = eps) stays zero; d = 12 is not a power of two: ss = 12 * 4^2 * 2^32 / 12.
    const auto z = run_rmsnorm<kern::VectorShape{2, 1, 16}>(
        {std::vector<int32_t>(12, 0), std::vector<int32_t>(12, 4 << 16)}, 1);
    EXPECT_EQ(z[0], std::vector<int32_t>(12, 0));
    std::vector<int32_t> ref(12);
    golden::rmsnorm_ref(std::vector<int32_t>(12, 4 << 16), 1, ref);
    EXPECT_EQ(z[1], ref);
    EXPECT_EQ(ref[0], 65536);  // 4.0 / rms(4.0) = 1.0
}

TEST(RmsnormCsim, ExtremeRowsMatchRef) {
    // Near +-2^31 (the sum of squares needs 62 + log2(d) bits) and the smallest eps.
    std::vector<int32_t> big(16), mixed(16);
    for (int i = 0; i < 16; ++i) {
        big[i] = i % 2 ? INT32_MAX : INT32_MIN;
        mixed[i] = i == 3 ? INT32_MIN : i;
    }
    const auto y = run_rmsnorm<kern::VectorShape{2, 1, 16}>({big, mixed}, 1);
    std::vector<int32_t> e0(16), e1(16);
    golden::rmsnorm_ref(big, 1, e0);
    golden::rmsnorm_ref(mixed, 1, e1);
    EXPECT_TRUE(csim::SameValues(y[0], e0, 16));
    EXPECT_TRUE(csim::SameValues(y[1], e1, 16));
}

TEST(ResidualCsim, SaturatesBothWays) {
    hls::stream<kern::ActVecBeat<kern::VectorShape{1, 4, 4}>> x, y, z;
    kern::ActVecBeat<kern::VectorShape{1, 4, 4}> a, b;
    const int32_t xs[4] = {INT32_MAX, INT32_MIN, 5, -7}, ys[4] = {1, -1, -9, INT32_MIN};
    for (int i = 0; i < 4; ++i) {
        a[i] = xs[i];
        b[i] = ys[i];
    }
    x.write(a);
    y.write(b);
    kern::residual<kern::VectorShape{1, 4, 4}>(x, y, z, 4);
    const auto out = z.read();
    const int32_t exp[4] = {INT32_MAX, INT32_MIN, -4, INT32_MIN};
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(out[i].to_int(), exp[i]) << i;
        EXPECT_EQ(golden::residual_ref(xs[i], ys[i]), exp[i]) << i;
    }
}

TEST(QuantStaticCsim, HandWorkedRoundingAndClamps) {
    // m = 2^15, shift 16: x / 2, round half up; head 1 has m = 2^15, shift 10: x * 32, clamped.
    const golden::Multiplier half{1u << 15, 16}, big{1u << 15, 10};
    const int32_t xs[8] = {3, -3, 100, -257, 1, 4, -5, 0};
    const int32_t exp[8] = {2, -1, 50, -128, 32, 127, -128, 0};
    hls::stream<kern::QuantStaticMultBeat> mult;
    hls::stream<kern::ActVecBeat<kern::VectorShape{1, 4, 8}>> x;
    hls::stream<kern::QuantStaticCodeBeat<kern::VectorShape{1, 4, 8}>> q;
    for (const auto& m : {half, big}) {
        kern::QuantStaticMultBeat b;
        b[0] = static_cast<uint32_t>(m.shift) << 16 | m.m;
        mult.write(b);
    }
    for (int beat = 0; beat < 2; ++beat) {
        kern::ActVecBeat<kern::VectorShape{1, 4, 8}> v;
        for (int l = 0; l < 4; ++l) v[l] = xs[beat * 4 + l];
        x.write(v);
    }
    kern::quant_static<kern::VectorShape{1, 4, 8}>(mult, x, q, 8, 4);
    for (int beat = 0; beat < 2; ++beat) {
        const auto v = q.read();
        for (int l = 0; l < 4; ++l) {
            const int i = beat * 4 + l;
            EXPECT_EQ(v[l].to_int(), exp[i]) << i;
            EXPECT_EQ(golden::quant_static_ref(xs[i], i < 4 ? half : big), exp[i]) << i;
        }
    }
}

TEST(RopeCsim, PositionZeroIsTheIdentityAndPairsRotate) {
    const auto m = golden::load_model_config("tiny");
    const auto tables = golden::make_rope_tables(m, m.max_positions);
    constexpr kern::VectorShape S{1, 4, 16};
    const int hd = 16;
    std::vector<int32_t> row(hd);
    for (int i = 0; i < hd; ++i) row[i] = (i + 1) * 4096 * (i % 3 == 0 ? -1 : 1);
    for (int pos : {0, 1, m.max_positions - 1}) {
        hls::stream<kern::RopeCsBeat<S>> cs;
        hls::stream<kern::ActVecBeat<S>> x, y;
        for (int b = 0; b < hd / 2 / 4; ++b) {
            kern::RopeCsBeat<S> beat;
            for (int l = 0; l < 4; ++l) {
                const int j = b * 4 + l;
                beat[l] = static_cast<uint64_t>(static_cast<uint32_t>(tables.s(pos, j))) << 32 |
                          static_cast<uint32_t>(tables.c(pos, j));
            }
            cs.write(beat);
        }
        for (int b = 0; b < hd / 4; ++b) {
            kern::ActVecBeat<S> beat;
            for (int l = 0; l < 4; ++l) beat[l] = row[b * 4 + l];
            x.write(beat);
        }
        kern::rope<S>(cs, x, y, hd, hd);
        std::vector<int32_t> got, want(hd);
        while (!y.empty()) {
            const auto beat = y.read();
            for (int l = 0; l < 4; ++l) got.push_back(beat[l].to_int());
        }
        golden::rope_ref(row, tables, pos, want);
        EXPECT_TRUE(csim::SameValues(got, want, hd)) << "position " << pos;
        if (pos == 0) {
            EXPECT_EQ(got, row);  // cos 1, sin 0
        }
    }
}

TEST(SwigluCsim, HandWorkedClampsAndZero) {
    // gate 0: sigmoid 1/2, silu 0 -> h 0; gate >= 16.0: sigmoid 1, silu = gate, h = gate * up;
    // gate < -16.0: sigmoid 0 -> h 0.
    constexpr kern::VectorShape S{1, 4, 4};
    hls::stream<kern::ActVecBeat<S>> g, u, h;
    kern::ActVecBeat<S> gb, ub;
    const int32_t gs[4] = {0, 16 << 16, 20 << 16, -(17 << 16)};
    const int32_t us[4] = {5 << 16, 2 << 16, -(1 << 16), 3 << 16};
    const int32_t exp[4] = {0, 32 << 16, -(20 << 16), 0};
    for (int i = 0; i < 4; ++i) {
        gb[i] = gs[i];
        ub[i] = us[i];
    }
    g.write(gb);
    u.write(ub);
    kern::swiglu<S>(g, u, h, 4, golden::sigmoid_table().data());
    const auto out = h.read();
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(out[i].to_int(), exp[i]) << i;
        EXPECT_EQ(golden::swiglu_ref(gs[i], us[i]), exp[i]) << i;
    }
}

TEST(FhtCsim, OneHotSpreadsEvenly) {
    // n 16, c = 2: WHT(4.0 * e_0) = 4.0 everywhere, / 2^2 -> 1.0 everywhere.
    constexpr kern::VectorShape S{1, 4, 16};
    hls::stream<kern::ActVecBeat<S>> x, y;
    for (int b = 0; b < 4; ++b) {
        kern::ActVecBeat<S> beat;
        for (int l = 0; l < 4; ++l) beat[l] = b == 0 && l == 0 ? (4 << 16) : 0;
        x.write(beat);
    }
    kern::fht<S>(x, y, 16);
    std::vector<int32_t> got;
    while (!y.empty()) {
        const auto beat = y.read();
        for (int l = 0; l < 4; ++l) got.push_back(beat[l].to_int());
    }
    EXPECT_EQ(got, std::vector<int32_t>(16, 1 << 16));
    std::vector<int32_t> in(16, 0), ref(16);
    in[0] = 4 << 16;
    golden::fht_ref(in, ref);
    EXPECT_EQ(ref, got);
}

// The registry's engine on random rows (values near +-2^31, an all-equal token) at every built
// shape and at the production shapes (u280_mem_opt x llama-3.2-1b, d = 2048).
TEST(VectorCsim, EngineMatchesRefOnRandomRowsEveryShape) {
    const std::pair<const char*, const char*> configs[] = {
        {"tiny_a", "tiny"}, {"tiny_b", "tiny"}, {"u280_mem_opt", "llama-3.2-1b"}};
    for (const auto& [arch_name, model_name] : configs) {
        const auto arch = kern::load_arch_config(arch_name);
        const auto m = golden::load_model_config(model_name);
        for (kern::Phase p : {kern::Phase::kPrefill, kern::Phase::kDecode})
            for (const char* stage :
                 {"rmsnorm", "residual", "rope", "quant_static", "swiglu", "fht"}) {
                const CaseSpec c{arch_name, p, stage, find_kernel(stage).roles().back().name, 0};
                const auto data = find_kernel(stage).random_data(c, m, RandomSpec{7, 5, 3});
                const CaseBench b = build_bench(c, arch, m, *data);
                const auto r = csim_case(c, arch, m, b);
                ASSERT_TRUE(r.has_value()) << c.id() << ": no C-sim instantiation";
                EXPECT_TRUE(r->ok) << c.id() << ": " << r->summary();
            }
    }
}

// One group through the embedding kernel: the output beats as rows [token][element].
template <kern::VectorShape S>
std::vector<std::vector<int32_t>> run_embedding(const std::vector<uint32_t>& ids,
                                                const std::vector<std::vector<int32_t>>& table,
                                                bool* ok) {
    const int d = static_cast<int>(table[0].size()), n = S.tokens * S.lanes;
    std::vector<kern::ActVecBeat<S>> mem;
    for (const auto& row : table)
        for (int k = 0; k < d / n; ++k) {
            kern::ActVecBeat<S> v;
            for (int e = 0; e < n; ++e) v[e] = row[k * n + e];
            mem.push_back(v);
        }
    hls::stream<kern::TokenBeat<S>> tok;
    hls::stream<kern::ActVecBeat<S>> out;
    kern::TokenBeat<S> t;
    for (int i = 0; i < S.tokens; ++i) t[i] = ids[i];
    tok.write(t);
    *ok = kern::embedding<S>(tok, mem.data(), d, static_cast<uint32_t>(table.size()), out);
    std::vector<std::vector<int32_t>> y(S.tokens, std::vector<int32_t>(d));
    for (int b = 0; b < d / S.lanes; ++b) {
        const auto v = out.read();
        for (int i = 0; i < S.tokens; ++i)
            for (int l = 0; l < S.lanes; ++l) y[i][b * S.lanes + l] = v[i * S.lanes + l].to_int();
    }
    EXPECT_TRUE(out.empty());
    return y;
}

TEST(EmbeddingCsim, HandWorkedRowsPaddingAndBadIds) {
    // Three rows of 4: row r holds 10 r + i (row 2 at the int32 extremes).
    const std::vector<std::vector<int32_t>> table = {
        {0, 1, 2, 3}, {10, 11, 12, 13}, {INT32_MIN, 21, 22, INT32_MAX}};
    bool ok = false;
    // Two tokens per beat (prefill), one element each: beat b = {row_a[b], row_b[b]}.
    auto y = run_embedding<kern::VectorShape{2, 1, 8}>({1, 2}, table, &ok);
    EXPECT_TRUE(ok);
    EXPECT_EQ(y[0], table[1]);
    EXPECT_EQ(y[1], table[2]);
    // A lane without a token emits zeros and is no error; an id past the table is one (zeros).
    y = run_embedding<kern::VectorShape{2, 1, 8}>({0, kern::kNoToken}, table, &ok);
    EXPECT_TRUE(ok);
    EXPECT_EQ(y[0], table[0]);
    EXPECT_EQ(y[1], std::vector<int32_t>(4, 0));
    y = run_embedding<kern::VectorShape{2, 1, 8}>({2, 3}, table, &ok);
    EXPECT_FALSE(ok);
    EXPECT_EQ(y[0], table[2]);
    EXPECT_EQ(y[1], std::vector<int32_t>(4, 0));
    // One token, two lanes per beat (decode).
    y = run_embedding<kern::VectorShape{1, 2, 8}>({2}, table, &ok);
    EXPECT_TRUE(ok);
    EXPECT_EQ(y[0], table[2]);
}

// The registry's engine (the table as the read channel's image) at every built shape and at the
// production shapes with a small vocabulary (llama-3.2-1b's table is 1 GB).
TEST(EmbeddingCsim, EngineMatchesTheTableEveryShape) {
    const std::pair<const char*, const char*> configs[] = {
        {"tiny_a", "tiny"}, {"tiny_b", "tiny"}, {"u280_mem_opt", "llama-3.2-1b"}};
    for (const auto& [arch_name, model_name] : configs) {
        const auto arch = kern::load_arch_config(arch_name);
        auto m = golden::load_model_config(model_name);
        m.vocab = std::min(m.vocab, 300);
        for (kern::Phase p : {kern::Phase::kPrefill, kern::Phase::kDecode}) {
            const CaseSpec c{arch_name, p, "embedding", "embed", -1};
            const auto data = find_kernel("embedding").random_data(c, m, RandomSpec{7, 5, 3});
            const CaseBench b = build_bench(c, arch, m, *data);
            const auto r = csim_case(c, arch, m, b);
            ASSERT_TRUE(r.has_value()) << c.id() << ": no C-sim instantiation";
            EXPECT_TRUE(r->ok) << c.id() << ": " << r->summary();
            // The engine judges the output: one wrong table element is a divergence.
            CaseBench bad = b;
            bad.reads[0].image[static_cast<size_t>(m.vocab - 1) * m.hidden] ^= 1;
            const auto rb = csim_case(c, arch, m, bad);
            ASSERT_FALSE(rb->ok) << c.id();
            EXPECT_EQ(rb->first->port, "m_axis_x");
            EXPECT_EQ(rb->first->coord.channel, 0);
        }
    }
}

struct QuantCase {
    CaseSpec c{"tiny_a", kern::Phase::kDecode, "quant_token", "q", 0};
    golden::ModelConfig m = golden::load_model_config("tiny");
    kern::ArchParams a = kern::load_arch_config("tiny_a");
    LinearData data = [] {
        LinearData d;
        d.st = random_linear_stimulus(64, 8, 3, 5);
        return d;
    }();
    CaseBench b = build_bench(c, a, m, data);
};

TEST(CsimEngine, ReportsTheFirstDivergenceWithCoordinates) {
    QuantCase q;
    ASSERT_TRUE(csim_case(q.c, q.a, q.m, q.b)->ok);
    // d 64, 4 lanes: 16 code beats per token; beat 18 = token 1 beat 2, lane 2 = channel 10.
    q.b.outputs[0].elems[4 * 18 + 2] ^= 1;
    const auto r = csim_case(q.c, q.a, q.m, q.b);
    ASSERT_FALSE(r->ok);
    ASSERT_TRUE(r->first.has_value());
    EXPECT_EQ(r->first->port, "m_axis_q");
    EXPECT_EQ(r->first->coord.token, 1);
    EXPECT_EQ(r->first->coord.channel, 10);
    EXPECT_THAT(r->summary(), HasSubstr("token 1 channel 10"));
    EXPECT_THAT(r->summary(), ::testing::Not(HasSubstr("cycle")));  // C-sim has no cycles
}

TEST(CsimEngine, ABrokenStreamContractIsAVerdictNotAnException) {
    QuantCase q;
    // One input beat short: the kernel reads an empty stream.
    auto& in = q.b.inputs[0];
    in.words.resize(in.words.size() - in.words_per_beat);
    in.last.pop_back();
    in.last.back() = 1;
    std::optional<RunResult> r;
    ASSERT_NO_THROW(r = csim_case(q.c, q.a, q.m, q.b));
    ASSERT_FALSE(r->ok);
    ASSERT_FALSE(r->protocol.empty());
    EXPECT_THAT(r->protocol.front(), HasSubstr("C-sim stream contract"));
    EXPECT_THAT(r->protocol.front(), HasSubstr("read from an empty stream"));
    // An extra beat the kernel never reads is a finding too.
    QuantCase e;
    auto& x = e.b.inputs[0];
    x.words.insert(x.words.end(), x.words.begin(), x.words.begin() + x.words_per_beat);
    x.last.push_back(0);
    const auto r2 = csim_case(e.c, e.a, e.m, e.b);
    ASSERT_FALSE(r2->ok);
    EXPECT_THAT(r2->summary(), HasSubstr("beats left unread on s_axis_x"));
}

}  // namespace
}  // namespace flexllm::tb
