// C-sim of quant_token, linear_prefill (K|Q, V|O, FFN engines) and linear_decode at the production
// shapes: arch u280_mem_opt with the llama-3.2-1b dims (tests/csim/csim_runner.h, namespace
// u280_mem_opt), bit-exact against the golden _ref ops on golden::Rng data, with the stream
// contract of each kernel (beat counts in and out, every stream drained) checked at these shapes.
//
// Runtime (a few seconds in RelWithDebInfo): every case runs the real engine shapes (TP 8 x WP 24,
// TP 8 x 3 blocks x 32, BP 16 x WP 64; d_max 8192) but not whole layers at full size:
//   - every role at its full d_in (2048; 8192 = d_max for down, the whole activation buffer) with
//     kCbs output channel blocks, the last one holding as many real channels as the real layer's
//     last block (its padded channels included), prefill and decode, both activation paths;
//   - every role with all of the real layer's channel blocks (up to 86 on prefill) at a reduced
//     d_in (kReducedDin), one token block;
//   - the value extremes (saturation) at d_in = d_max, one or two channel blocks.
// The decode GEMV dominates (its weight streams carry BP x WP int4 per reduction step).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "golden/model_config.h"
#include "golden/rng.h"
#include "hls_src/arch_config.h"
#include "tests/csim/csim_runner.h"
#include "tests/csim/csim_test_support.h"

namespace flexllm::csim {
namespace {

using kern::LinearRole;
using kern::Phase;
using kern::PrefillEngine;
namespace u280 = u280_mem_opt;

constexpr int32_t kI32Min = std::numeric_limits<int32_t>::min();
constexpr int32_t kI32Max = std::numeric_limits<int32_t>::max();

// The dataflow chain quant_token -> linear feeds the engine's activation beats straight from the
// quantizer's code beats: the quantizer shape of each phase must be the linear engines' beat shape.
static_assert(VectorShape{u280::kKq.rows, u280::kKq.act_lanes, u280::kKq.d_max} ==
              u280::kQuantPrefill);
static_assert(VectorShape{u280::kVo.rows, u280::kVo.act_lanes, u280::kVo.d_max} ==
              u280::kQuantPrefill);
static_assert(VectorShape{u280::kFfn.rows, u280::kFfn.act_lanes, u280::kFfn.d_max} ==
              u280::kQuantPrefill);
static_assert(VectorShape{u280::kDecode.rows, u280::kDecode.act_lanes, u280::kDecode.d_max} ==
              u280::kQuantDecode);

// Reduced d_in of the all-channel-block cases: a multiple of every divisibility rule on d_in -
// the decode activation / quant_token lanes (8: the rule derive_linear enforces), the prefill
// token parallelism (8), one 32-byte HBM beat of int4 weights (64) - a power of two dividing every
// llama d_in (2048, 8192), and longer than the prefill array's skew (TP + WP - 2 steps), so the
// wavefront is full for most of the reduction.
constexpr int kReducedDin = 256;
static_assert(kReducedDin % u280::kQuantDecode.lanes == 0 &&
              kReducedDin % u280::kDecode.act_lanes == 0 && kReducedDin % u280::kKq.rows == 0 &&
              kReducedDin % 64 == 0 && 2048 % kReducedDin == 0);
static_assert(kReducedDin > 4 * (u280::kFfn.rows + u280::kFfn.wp - 2) &&
              kReducedDin > 4 * (u280::kKq.rows + u280::kKq.wp - 2));
constexpr int kCbs = 2;  // channel blocks per reduced case

struct U280 {
    golden::ModelConfig model = golden::load_model_config("llama-3.2-1b");
    kern::ArchParams arch = kern::load_arch_config("u280_mem_opt");
    int d_max = kern::max_d_in(model);
};
const U280& u280_env() {
    static const U280 env;
    return env;
}

TEST(CsimShapes, U280MemOptMatchesTheDerivedParams) {
    const U280& e = u280_env();
    ASSERT_EQ(e.d_max, u280::kDMax);
    EXPECT_EQ(kern::vector_shape(e.arch, Phase::kPrefill, e.d_max), u280::kQuantPrefill);
    EXPECT_EQ(kern::vector_shape(e.arch, Phase::kDecode, e.d_max), u280::kQuantDecode);
    EXPECT_EQ(kern::linear_prefill_shape(e.arch, PrefillEngine::kKq, e.d_max), u280::kKq);
    EXPECT_EQ(kern::linear_prefill_shape(e.arch, PrefillEngine::kVo, e.d_max), u280::kVo);
    EXPECT_EQ(kern::linear_prefill_shape(e.arch, PrefillEngine::kFfn, e.d_max), u280::kFfn);
    EXPECT_EQ(kern::linear_decode_shape(e.arch, e.d_max), u280::kDecode);
    // Every role derives (validates) at these shapes: the run parameters the tests below use.
    for (LinearRole r : kern::kAllRoles) {
        const auto pre = kern::derive_linear(e.arch, e.model, Phase::kPrefill, r, e.d_max);
        const auto dec = kern::derive_linear(e.arch, e.model, Phase::kDecode, r, e.d_max);
        EXPECT_EQ(dec.shape, u280::kDecode) << kern::role_name(r);
        EXPECT_EQ(pre.shape,
                  kern::linear_prefill_shape(e.arch, kern::prefill_engine_of(r), e.d_max))
            << kern::role_name(r);
        for (Phase p : {Phase::kPrefill, Phase::kDecode})
            EXPECT_EQ(kern::derive_quant(e.arch, e.model, p, r, e.d_max).shape,
                      p == Phase::kPrefill ? u280::kQuantPrefill : u280::kQuantDecode);
    }
}

// ---- stimulus (golden::Rng: the same numbers on every platform and standard library) ----------
std::vector<int32_t> random_token(golden::Rng& rng, int d) {
    std::vector<int32_t> x(d);
    for (auto& v : x) {
        double a = rng.normal() * 65536.0;      // ~1.0 in Q15.16
        if (rng.uniform_int(32) == 0) a *= 64;  // outliers stretch the token range
        v = static_cast<int32_t>(std::clamp(a, -2.0e9, 2.0e9));
    }
    return x;
}

// Random int4 weights, per-channel Multipliers, `tokens` random tokens (token 1 constant: range 0);
// xq and y from quant_token_ref / linear_ref (tb::complete_with_golden).
tb::LinearStimulus rng_stimulus(int d_in, int d_out, int tokens, uint64_t seed) {
    golden::Rng rng(seed);
    tb::LinearStimulus s;
    s.w.d_in = d_in;
    s.w.d_out = d_out;
    s.w.w.resize(static_cast<size_t>(d_in) * d_out);
    for (auto& v : s.w.w) v = static_cast<int8_t>(rng.uniform_int(16) - 8);
    s.w.rowsum.assign(d_out, 0);
    for (int j = 0; j < d_out; ++j) {
        for (int i = 0; i < d_in; ++i) s.w.rowsum[j] += s.w.w[static_cast<size_t>(j) * d_in + i];
        s.w.mult.push_back(
            golden::to_multiplier(std::ldexp(0.5 + 1.5 * rng.uniform(), -6 - rng.uniform_int(11))));
    }
    for (int t = 0; t < tokens; ++t) {
        s.x.push_back(random_token(rng, d_in));
        if (t == 1 && tokens > 2) std::fill(s.x[t].begin(), s.x[t].end(), -4321);
    }
    tb::complete_with_golden(s);
    return s;
}

// ---- quant_token: one token group through the kernel, stream contract checked -------------------
// csim::run_quant_group (the stream contract of quant_token.h checked) as a test failure.
template <VectorShape S>
void quant_group(const std::vector<std::vector<int32_t>>& x, int t0, QuantResult& r) {
    try {
        run_quant_group<S>(x, t0, r);
    } catch (const std::runtime_error& e) {
        FAIL() << e.what();
    }
}

template <VectorShape S>
void check_quant(const std::vector<std::vector<int32_t>>& x, const std::string& what) {
    QuantResult r;
    for (int t0 = 0; t0 < static_cast<int>(x.size()); t0 += S.tokens) {
        quant_group<S>(x, t0, r);
        ASSERT_FALSE(::testing::Test::HasFatalFailure()) << what << " group at token " << t0;
    }
    ASSERT_EQ(r.q.size(), x.size());
    for (size_t t = 0; t < x.size(); ++t) {
        const golden::TokenQuant ref = golden::quant_token_ref(x[t]);
        EXPECT_EQ(r.zero[t], ref.zero) << what << " token " << t;
        EXPECT_EQ(r.range[t], ref.range) << what << " token " << t;
        EXPECT_TRUE(SameValues(r.q[t], ref.q, ref.q.size())) << what << " token " << t;
    }
}

// Tokens of length d: random ones plus the edges - the full int32 span (range 2^32 - 1, the
// largest x - zero; minimum inside the first beat, maximum in the last), the maximum and minimum
// both in the first beat, a constant token (range 0: every code 0), range 1 (codes 0 and 15).
std::vector<std::vector<int32_t>> quant_tokens(int d, int random, uint64_t seed) {
    golden::Rng rng(seed);
    std::vector<std::vector<int32_t>> x;
    for (int t = 0; t < random; ++t) x.push_back(random_token(rng, d));
    std::vector<int32_t> span = random_token(rng, d);
    span[1] = kI32Min;
    span[d - 1] = kI32Max;
    x.push_back(span);
    std::vector<int32_t> first = random_token(rng, d);
    first[0] = *std::max_element(first.begin(), first.end()) + 1;
    first[2] = *std::min_element(first.begin(), first.end()) - 1;
    x.push_back(first);
    x.push_back(std::vector<int32_t>(d, kI32Min));
    std::vector<int32_t> two(d, 7);
    for (int i = 0; i < d; i += 3) two[i] = 8;
    x.push_back(two);
    return x;
}

TEST(U280QuantTokenCsim, PrefillAndDecodeAtEveryConsumerLength) {
    const U280& e = u280_env();
    std::vector<int> lengths;  // the token lengths the quantizer sees: every linear's d_in
    for (LinearRole r : kern::kAllRoles) {
        const int d = kern::derive_quant(e.arch, e.model, Phase::kPrefill, r, e.d_max).d;
        if (std::find(lengths.begin(), lengths.end(), d) == lengths.end()) lengths.push_back(d);
    }
    ASSERT_TRUE(std::find(lengths.begin(), lengths.end(), u280::kDMax) != lengths.end());
    for (int d : lengths) {
        // Prefill: 8 random + 4 edge tokens = 12, a full group of TP and a partial one.
        check_quant<u280::kQuantPrefill>(quant_tokens(d, 8, 500 + d),
                                         fmt::format("prefill d={}", d));
        check_quant<u280::kQuantDecode>(quant_tokens(d, 1, 600 + d), fmt::format("decode d={}", d));
    }
    // The extremes did what they are for, by the reference: a full-span range and a range 0.
    const auto x = quant_tokens(u280::kDMax, 0, 1);
    EXPECT_EQ(golden::quant_token_ref(x[0]).range, std::numeric_limits<uint32_t>::max());
    EXPECT_EQ(golden::quant_token_ref(x[2]).range, 0u);
}

// ---- linear: one token block through the kernel entry point, stream contract checked ---------
// csim::run_linear_block (linear_prefill for TP rows, linear_decode for rows == 1; the stream
// contract of linear_engine.h checked before and after the call) as a test failure.
template <LinearShape S>
void linear_block(const tb::LinearStimulus& s, const std::vector<golden::TokenQuant>& xq, int t0,
                  int n_cb, bool chain, std::vector<std::vector<int32_t>>& y) {
    try {
        run_linear_block<S>(s, xq, t0, n_cb, chain, y);
    } catch (const std::runtime_error& e) {
        FAIL() << e.what();
    }
}

// Every token of the stimulus (token blocks of S.rows) with both activation paths; compares
// with s.y (from linear_ref) and checks the padded channels are 0.
template <LinearShape S>
void check_linear(const tb::LinearStimulus& s, const std::string& what,
                  std::initializer_list<bool> chains = {false, true}) {
    const int n_cb = (s.w.d_out + S.cols() - 1) / S.cols();
    for (bool chain : chains) {
        std::vector<std::vector<int32_t>> y;
        for (int t0 = 0; t0 < static_cast<int>(s.x.size()); t0 += S.rows) {
            linear_block<S>(s, s.xq, t0, n_cb, chain, y);
            ASSERT_FALSE(::testing::Test::HasFatalFailure())
                << what << " token block at " << t0 << (chain ? " (dataflow)" : "");
        }
        ASSERT_EQ(y.size(), s.y.size());
        for (size_t t = 0; t < y.size(); ++t) {
            EXPECT_TRUE(SameValues(y[t], s.y[t], s.w.d_out))
                << what << " token " << t << (chain ? " (dataflow)" : "");
            for (size_t j = s.w.d_out; j < y[t].size(); ++j)
                EXPECT_EQ(y[t][j], 0) << what << " padded channel " << j;
        }
    }
}

// The d_out of a reduced case: `cbs` channel blocks whose last one holds as many real channels
// as the real layer's last block (so its padding is exercised exactly as in the real layer).
int reduced_d_out(const kern::LinearParams& lp, int cbs) {
    const int cols = lp.shape.cols();
    const int last = lp.d_out - (lp.n_cb - 1) * cols;
    const int n = std::min(cbs, lp.n_cb);
    return (n - 1) * cols + last;
}

// Runs `fn.template operator()<S>()` with S the compile-time shape of the role's engine in this
// phase, after checking it is the shape derive_linear gives at run time.
template <typename F>
void with_shape(const kern::LinearParams& lp, F&& fn) {
    if (lp.phase == Phase::kDecode) {
        ASSERT_EQ(lp.shape, u280::kDecode);
        return fn.template operator()<u280::kDecode>();
    }
    switch (kern::prefill_engine_of(lp.role)) {
        case PrefillEngine::kKq:
            ASSERT_EQ(lp.shape, u280::kKq);
            return fn.template operator()<u280::kKq>();
        case PrefillEngine::kVo:
            ASSERT_EQ(lp.shape, u280::kVo);
            return fn.template operator()<u280::kVo>();
        case PrefillEngine::kFfn:
            ASSERT_EQ(lp.shape, u280::kFfn);
            return fn.template operator()<u280::kFfn>();
    }
}

// One role in one phase at its derived shape: `d_in` (0: the role's full d_in), `cbs` channel
// blocks (0: all of the real layer's), `tokens` random tokens.
void check_role(Phase p, LinearRole r, int d_in, int cbs, int tokens, uint64_t seed,
                std::initializer_list<bool> chains = {false, true}) {
    const U280& e = u280_env();
    const auto lp = kern::derive_linear(e.arch, e.model, p, r, e.d_max);
    const int din = d_in ? d_in : lp.d_in;
    const auto st = rng_stimulus(din, reduced_d_out(lp, cbs ? cbs : lp.n_cb), tokens, seed);
    with_shape(lp, [&]<LinearShape S>() {
        check_linear<S>(
            st,
            fmt::format("{} {} d_in={} n_cb={}", kern::phase_name(p), kern::role_name(r), din,
                        (st.w.d_out + S.cols() - 1) / S.cols()),
            chains);
    });
}

// Every role on its prefill engine (K|Q, V|O, FFN) at its full d_in - hidden 2048 for q, k, v,
// gate, up, lm_head, q_dim 2048 for o, intermediate 8192 = d_max (the whole activation buffer)
// for down - with kCbs channel blocks; 11 tokens (a full TP block and a partial one), both
// activation paths (golden codes, and the quant_token -> linear chain).
TEST(U280LinearPrefillCsim, EveryRoleFullDin) {
    uint64_t seed = 1000;
    for (LinearRole r : kern::kAllRoles) check_role(Phase::kPrefill, r, 0, kCbs, 11, ++seed);
}

// Every channel block of the real layer (the activation buffer replayed n_cb - 1 times: up to
// 86 blocks for q, gate, up), at the reduced d_in; one TP block of tokens. lm_head's 1336
// blocks are left out for time (its last block is full: 128256 = 1336 * 96).
TEST(U280LinearPrefillCsim, EveryRoleAllChannelBlocksReducedDin) {
    uint64_t seed = 2000;
    for (LinearRole r : kern::kAllRoles)
        if (r != LinearRole::kLmHead)
            check_role(Phase::kPrefill, r, kReducedDin, 0, u280::kKq.rows, ++seed, {false});
}

// The decode GEMV for every role at its full d_in, kCbs channel blocks (the last one padded as
// in the real layer), 2 tokens, both activation paths.
TEST(U280LinearDecodeCsim, EveryRoleFullDin) {
    uint64_t seed = 3000;
    for (LinearRole r : kern::kAllRoles) check_role(Phase::kDecode, r, 0, kCbs, 2, ++seed);
}

// Every channel block of the real layer at the reduced d_in (lm_head's 126 left out for time).
TEST(U280LinearDecodeCsim, EveryRoleAllChannelBlocksReducedDin) {
    uint64_t seed = 4000;
    for (LinearRole r : kern::kAllRoles)
        if (r != LinearRole::kLmHead)
            check_role(Phase::kDecode, r, kReducedDin, 0, 1, ++seed, {false});
}

// ---- value extremes ---------------------------------------------------------------------------
// Every code 15 and every weight -8 (acc = -120 * d_in, the contract's bound, at d_in = d_max),
// tokens at the int32 / uint32 limits of zero and range, and per-channel Multipliers from the
// largest scale to the smallest: the dequant must saturate to both int32 limits. Expected values
// come from linear_ref; that saturation happened is checked on the exact 128-bit contract value.
//
// Shifts below 10 (scales >= 64, far from any real linear's) make t * m >> shift exceed int64
// (|t| < 2^57, m < 2^16): linear_ref must saturate on the exact 128-bit value there too (it
// once returned the opposite limit, a wrapped int64).
struct Extremes {
    golden::LinearParamsRef w;
    std::vector<golden::TokenQuant> xq;
    std::vector<std::vector<int32_t>> y;  // linear_ref
};

Extremes extremes(int d_in, int d_out, int tokens) {
    Extremes x;
    x.w.d_in = d_in;
    x.w.d_out = d_out;
    x.w.w.assign(static_cast<size_t>(d_in) * d_out, -8);
    x.w.rowsum.assign(d_out, -8 * d_in);
    const golden::Multiplier ms[] = {{65535, 10}, {32768, 16}, {65535, 24}, {40000, 31},
                                     {32768, 40}, {65535, 47}, {50000, 55}, {32768, 62},
                                     {0, 0},      {65535, 0},  {32768, 4},  {65535, 9}};
    for (int j = 0; j < d_out; ++j) x.w.mult.push_back(ms[j % std::size(ms)]);
    // With every code 15 and every weight -8, t = -120 * d_in * (zero + range): the sign and size
    // of the dequant follow x_max = zero + range (the contract takes any int32 zero and uint32
    // range, realizable by quant_token or not).
    const uint32_t kRangeMax = std::numeric_limits<uint32_t>::max();
    const std::pair<int32_t, uint32_t> zr[] = {
        {kI32Min, kRangeMax},             // the full int32 span: x_max = 2^31 - 1, saturates low
        {kI32Min, 0},                     // x_max = -2^31: the one positive t, saturates high
        {kI32Max, kRangeMax},             // x_max ~ 3 * 2^31: the largest |t| (~2^52.6 at d_max)
        {0, kRangeMax},                   // range * acc alone
        {kI32Max, 0},                     // 15 * zero * rowsum alone
        {-(1 << 30), (1u << 30) + 1000},  // x_max = 1000: saturates only at the largest scales
        {kI32Min, 1u << 31},              // x_max = 0: t = 0
        {0, 0}};
    for (int t = 0; t < tokens; ++t) {
        golden::TokenQuant q;
        q.q.assign(d_in, 15);
        q.zero = zr[t % std::size(zr)].first;
        q.range = zr[t % std::size(zr)].second;
        x.xq.push_back(q);
        std::vector<int32_t> y(d_out);
        golden::linear_ref(x.w, q, y);
        x.y.push_back(std::move(y));
    }
    return x;
}

// The exact dequant value of the contract in 128 bits (before saturation).
__int128 exact_dequant(const Extremes& x, int t, int j) {
    const __int128 acc = -120 * static_cast<__int128>(x.w.d_in);
    const __int128 tt = static_cast<__int128>(x.xq[t].range) * acc +
                        15 * static_cast<__int128>(x.xq[t].zero) * x.w.rowsum[j];
    const int s = x.w.mult[j].shift;
    const __int128 p = tt * x.w.mult[j].m;
    return s == 0 ? p : (p + (static_cast<__int128>(1) << (s - 1))) >> s;
}

template <LinearShape S>
void check_extremes(int d_in, int n_cb, int tokens) {
    const Extremes x = extremes(d_in, n_cb * S.cols(), tokens);
    EXPECT_EQ(golden::linear_acc_ref(x.w, x.xq[0], 0), -120 * d_in);
    // The oracle is linear_ref; it agrees with the saturated exact value of the contract.
    const std::vector<std::vector<int32_t>>& exp = x.y;
    int hi = 0, lo = 0, inside = 0;
    for (int t = 0; t < tokens; ++t)
        for (int j = 0; j < x.w.d_out; ++j) {
            const __int128 v = exact_dequant(x, t, j);
            const int32_t sat = v > kI32Max ? kI32Max : v < kI32Min ? kI32Min : int32_t(v);
            hi += v > kI32Max;
            lo += v < kI32Min;
            inside += v >= kI32Min && v <= kI32Max;
            EXPECT_EQ(x.y[t][j], sat) << "linear_ref token " << t << " channel " << j;
        }
    // Saturation to both limits happened, and not everywhere.
    EXPECT_GT(hi, 0) << "no output saturates high";
    EXPECT_GT(lo, 0) << "no output saturates low";
    EXPECT_GT(inside, 0);
    tb::LinearStimulus s;
    s.w = x.w;
    std::vector<std::vector<int32_t>> y;
    for (int t0 = 0; t0 < tokens; t0 += S.rows) {
        linear_block<S>(s, x.xq, t0, n_cb, false, y);
        ASSERT_FALSE(::testing::Test::HasFatalFailure()) << "token block at " << t0;
    }
    ASSERT_EQ(y.size(), exp.size());
    for (int t = 0; t < tokens; ++t)
        EXPECT_TRUE(SameValues(y[t], exp[t], x.w.d_out)) << "token " << t;
}

TEST(U280LinearExtremes, PrefillFfnAtDmaxSaturatesLikeRef) {
    check_extremes<u280::kFfn>(u280::kDMax, 1, u280::kFfn.rows);
}
TEST(U280LinearExtremes, PrefillKqSaturatesLikeRef) {
    check_extremes<u280::kKq>(u280::kDMax, 2, u280::kKq.rows);
}
TEST(U280LinearExtremes, PrefillVoSaturatesLikeRef) {
    check_extremes<u280::kVo>(2048, 1, u280::kVo.rows);
}
TEST(U280LinearExtremes, DecodeAtDmaxSaturatesLikeRef) {
    check_extremes<u280::kDecode>(u280::kDMax, 1, 3);
}

// The direct runner (tests/csim/csim_runner.h) at the u280 shapes: run_linear drives
// linear_prefill's systolic array for the prefill shape and linear_decode for the decode shape.
TEST(U280DirectRunner, RunQuantAndRunLinearAgreeWithRef) {
    const auto st = rng_stimulus(kReducedDin, 100, 9, 77);
    const auto pre = run_linear<u280::kFfn>(st, true);
    const auto dec = run_linear<u280::kDecode>(st, false);
    ASSERT_EQ(pre.size(), st.y.size());
    ASSERT_EQ(dec.size(), st.y.size());
    for (size_t t = 0; t < st.y.size(); ++t) {
        EXPECT_TRUE(SameValues(pre[t], st.y[t], st.w.d_out)) << "prefill token " << t;
        EXPECT_TRUE(SameValues(dec[t], st.y[t], st.w.d_out)) << "decode token " << t;
    }
    const auto q = run_quant<u280::kQuantDecode>(st.x);
    ASSERT_EQ(q.q.size(), st.xq.size());
    for (size_t t = 0; t < st.xq.size(); ++t) EXPECT_EQ(q.q[t], st.xq[t].q) << "token " << t;
}

}  // namespace
}  // namespace flexllm::csim
