// Reference ops: hand-worked cases, mathematical properties, and SQNR of every integer non-linear
// op against its float counterpart over its input range (NUMERICS.md §4: >= 40 dB).
#include "golden/ops_ref.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>

#include "golden/error.h"
#include "golden/float_ref.h"
#include "golden/quantize.h"
#include "golden/rng.h"
#include "golden/tables.h"
#include "sqnr.h"

namespace flexllm::golden {
namespace {

using flexllm::testing::sqnr_db;
constexpr double kQ16 = 65536.0;

TEST(FixedPoint, RoundHalfUpShift) {
    EXPECT_EQ(rshift_rnd(3, 1), 2);    // 1.5 -> 2
    EXPECT_EQ(rshift_rnd(-3, 1), -1);  // -1.5 -> -1 (half up, toward +inf)
    EXPECT_EQ(rshift_rnd(-5, 1), -2);  // -2.5 -> -2
    EXPECT_EQ(rshift_rnd(5, 2), 1);    // 1.25 -> 1
    EXPECT_EQ(rshift_rnd(6, 2), 2);    // 1.5 -> 2
    EXPECT_EQ(rshift_rnd(7, 0), 7);
    EXPECT_EQ(sat32(int64_t{1} << 40), INT32_MAX);
    EXPECT_EQ(sat32(-(int64_t{1} << 40)), INT32_MIN);
}

TEST(FixedPoint, MultiplierIsNearestWithSixteenBitMantissa) {
    EXPECT_EQ(to_multiplier(1.0).m, 32768u);
    EXPECT_EQ(to_multiplier(1.0).shift, 15);
    EXPECT_EQ(to_multiplier(0.75).m, 49152u);
    EXPECT_EQ(to_multiplier(0.75).shift, 16);
    EXPECT_EQ(to_multiplier(0.0).m, 0u);
    Rng rng(1);
    for (int i = 0; i < 1000; ++i) {
        const double v = std::exp2(rng.uniform() * 60 - 45);
        Multiplier m = to_multiplier(v);
        EXPECT_GE(m.m, 1u << 15);
        EXPECT_LT(m.m, 1u << 16);
        EXPECT_LE(std::fabs(m.value() - v) / v, std::ldexp(1.0, -16)) << v;
    }
    EXPECT_THROW(to_multiplier(-1.0), Error);
    EXPECT_THROW(to_multiplier(70000.0), Error);
}

TEST(FixedPoint, IsqrtIsExactFloor) {
    Rng rng(2);
    for (int i = 0; i < 2000; ++i) {
        u128 v =
            (static_cast<u128>(rng.next_u64()) << 64 | rng.next_u64()) >> (rng.next_u64() % 128);
        u128 r = isqrt_u128(v);
        EXPECT_TRUE(r * r <= v);
        EXPECT_TRUE((r + 1) * (r + 1) > v);
    }
    EXPECT_TRUE(isqrt_u128(0) == 0);
    EXPECT_TRUE(isqrt_u128(15) == 3);
    EXPECT_TRUE(isqrt_u128(16) == 4);
}

// ---- quant_token ---------------------------------------------------------------------------

TEST(QuantToken, HandWorked) {
    std::vector<int32_t> x = {-65536, 0, 65536, 131072};  // -1, 0, 1, 2: step 0.2
    TokenQuant t = quant_token_ref(x);
    EXPECT_EQ(t.zero, -65536);
    EXPECT_EQ(t.range, 196608u);
    EXPECT_EQ(t.q, (std::vector<uint8_t>{0, 5, 10, 15}));
    TokenQuant c = quant_token_ref(std::vector<int32_t>{7, 7, 7});
    EXPECT_EQ(c.range, 0u);
    EXPECT_EQ(c.q, (std::vector<uint8_t>{0, 0, 0}));
}

TEST(QuantToken, CodesInRangeAndReconstructionWithinHalfStep) {
    Rng rng(3);
    for (int trial = 0; trial < 300; ++trial) {
        int n = 1 + rng.uniform_int(300);
        const double mag = std::exp2(rng.uniform() * 46 - 15);  // up to the int32 range
        std::vector<int32_t> x(n);
        for (auto& v : x)
            v = static_cast<int32_t>(std::clamp(rng.normal() * mag, -2147483648.0, 2147483647.0));
        if (trial == 0) x = {INT32_MIN, INT32_MAX, 0};  // the widest range
        n = static_cast<int>(x.size());
        TokenQuant t = quant_token_ref(x);
        const double step = t.range / 15.0;
        for (int i = 0; i < n; ++i) {
            ASSERT_LE(t.q[i], 15);
            const double rec = t.zero + t.q[i] * step;
            // Half a step, plus the documented reciprocal error (< 2^-11 step, NUMERICS.md §2.2).
            EXPECT_LE(std::fabs(rec - x[i]), step * (0.5 + std::ldexp(1.0, -11)) + 1e-9)
                << "i=" << i << " x=" << x[i] << " q=" << int(t.q[i]);
        }
    }
}

// ---- linear --------------------------------------------------------------------------------

LinearParamsRef random_linear(Rng& rng, int d_out, int d_in) {
    LinearParamsRef p;
    p.d_in = d_in;
    p.d_out = d_out;
    for (int i = 0; i < d_out * d_in; ++i)
        p.w.push_back(static_cast<int8_t>(rng.uniform_int(16) - 8));
    for (int j = 0; j < d_out; ++j) {
        int32_t s = 0;
        for (int i = 0; i < d_in; ++i) s += p.w[j * d_in + i];
        p.rowsum.push_back(s);
        p.mult.push_back(to_multiplier(std::exp2(rng.uniform() * 10 - 14)));
    }
    return p;
}

TEST(Linear, HandWorked) {
    LinearParamsRef p;
    p.d_in = 2;
    p.d_out = 1;
    p.w = {3, -2};
    p.rowsum = {1};
    p.mult = {to_multiplier(0.5)};  // s_w/15 = 0.5
    // x = {0, 15}: zero 0, range 15, codes {0, 15}; x_hat = {0, 15}; y = 0.5*15*(3*0 + -2*15) =
    // -225
    std::vector<int32_t> y(1);
    linear_ref(p, quant_token_ref(std::vector<int32_t>{0, 15}), y);
    EXPECT_EQ(y[0], -225);
    // x = {-30, 0}: zero -30, range 30, codes {0, 15}; x_hat = {-30, 0}; y = 0.5*15*(-90) = -675
    linear_ref(p, quant_token_ref(std::vector<int32_t>{-30, 0}), y);
    EXPECT_EQ(y[0], -675);
}

// quantize_linear's multiplier folds the weight scale s_w and the activation scale range / 15:
// the integer linear is then an unbiased estimate of the float one. The least-squares slope of
// the integer outputs on the float outputs over 16 tokens x 64 channels is 1 within the bias of
// the int4 clip search (a scale folded as range / 16 would give 15/16).
TEST(QuantizeLinear, IsAnUnbiasedEstimateOfTheFloatLinear) {
    const int d_in = 256, d_out = 64;
    Rng rng(21);
    std::vector<float> w(static_cast<size_t>(d_in) * d_out);
    for (auto& v : w) v = static_cast<float>(rng.normal() * 0.05);
    const LinearParamsRef p = quantize_linear(w, d_out, d_in, 1.0);
    double num = 0, den = 0;
    for (int t = 0; t < 16; ++t) {
        std::vector<int32_t> x(d_in);
        for (auto& v : x) v = static_cast<int32_t>(std::lround(rng.normal() * kQ16));
        std::vector<int32_t> y(d_out);
        linear_ref(p, quant_token_ref(x), y);
        for (int j = 0; j < d_out; ++j) {
            double yf = 0;
            for (int i = 0; i < d_in; ++i) yf += static_cast<double>(w[j * d_in + i]) * x[i];
            num += yf * y[j];
            den += yf * yf;
        }
    }
    EXPECT_NEAR(num / den, 1.0, 0.03);
}

TEST(Linear, SaturatesOnTheExactProductBeyond64Bits) {
    // One channel, d_in 2048, codes all 15, weights all -8, m = 65535, shift 0:
    // acc = 15 * -8 * 2048 = -245760, t = 587202560 * acc ~ -1.44e14, t * m ~ -9.46e18 < -2^63.
    // The exact value is far below INT32_MIN, so y saturates low (a 64-bit product wraps positive).
    LinearParamsRef p;
    p.d_in = 2048;
    p.d_out = 1;
    p.w.assign(2048, -8);
    p.rowsum = {-8 * 2048};
    p.mult = {Multiplier{65535, 0}};
    TokenQuant a;
    a.q.assign(2048, 15);
    a.zero = 0;
    a.range = 587202560u;
    std::vector<int32_t> y(1);
    linear_ref(p, a, y);
    EXPECT_EQ(y[0], std::numeric_limits<int32_t>::min());
    // And the positive side: weights all 7 give t * m ~ +8.3e18 * ... > 2^63 after * 65535.
    p.w.assign(2048, 7);
    p.rowsum = {7 * 2048};
    a.range = 4294967295u;
    linear_ref(p, a, y);
    EXPECT_EQ(y[0], std::numeric_limits<int32_t>::max());
}

TEST(FixedPoint, MultiplierApplyIsExactBeyond64Bits) {
    // 2^60 * 2^15 = 2^75: exact, then shifted by 16 to 2^59 (a 64-bit product would wrap to 0).
    const Multiplier half{1u << 15, 16};
    EXPECT_TRUE(half.apply(static_cast<i128>(1) << 60) == (static_cast<i128>(1) << 59));
    EXPECT_EQ(sat32(Multiplier{1u << 15, 0}.apply(static_cast<i128>(1) << 60)),
              std::numeric_limits<int32_t>::max());
    EXPECT_EQ(clamp64(Multiplier{1u << 15, 0}.apply(-(static_cast<i128>(1) << 60)), -128, 127),
              -128);
}

TEST(Linear, EqualsDequantFormula) {
    Rng rng(4);
    for (int trial = 0; trial < 50; ++trial) {
        const int d_in = 1 + rng.uniform_int(200), d_out = 1 + rng.uniform_int(20);
        LinearParamsRef p = random_linear(rng, d_out, d_in);
        std::vector<int32_t> x(d_in);
        for (auto& v : x) v = static_cast<int32_t>(rng.normal() * kQ16 * 4);
        TokenQuant a = quant_token_ref(x);
        std::vector<int32_t> y(d_out);
        linear_ref(p, a, y);
        for (int j = 0; j < d_out; ++j) {
            // y = s_w * sum_i x_hat_i * w_ij with x_hat = zero + q*range/15 and s_w = 15*mult.
            long double sum = 0;
            for (int i = 0; i < d_in; ++i)
                sum +=
                    (a.zero + a.q[i] * static_cast<long double>(a.range) / 15) * p.w[j * d_in + i];
            const long double expect = sum * 15 * p.mult[j].value();
            EXPECT_LE(std::fabs(static_cast<double>(expect - y[j])), 0.5 + 1e-6) << "j=" << j;
        }
    }
}

// ---- rmsnorm -------------------------------------------------------------------------------

TEST(RmsNorm, HandWorkedAllOnes) {
    std::vector<int32_t> x(8, 65536), y(8);
    rmsnorm_ref(x, rms_eps_q32(1e-5), y);
    for (int v : y) EXPECT_EQ(v, 65536);  // r = 16777132, 2^16 * r / 2^24 = 65535.67 -> 65536
    EXPECT_EQ(rmsnorm_recip_ref(x, rms_eps_q32(1e-5)), 16777132u);
    EXPECT_EQ(rms_eps_q32(1e-5), 42950);
}

TEST(RmsNorm, SqnrAgainstFloatOverInputRange) {
    Rng rng(5);
    for (double log_mag = -8; log_mag <= 12; log_mag += 2) {  // rms from 2^-8 to 2^12
        std::vector<double> ref, got;
        for (int trial = 0; trial < 20; ++trial) {
            const int d = 64;
            std::vector<int32_t> x(d), y(d);
            std::vector<float> xf(d), yf(d);
            for (int i = 0; i < d; ++i) {
                x[i] = static_cast<int32_t>(rng.normal() * std::exp2(log_mag) * kQ16);
                xf[i] = static_cast<float>(x[i] / kQ16);
            }
            rmsnorm_ref(x, rms_eps_q32(1e-5), y);
            rmsnorm_f(xf, {}, 1e-5, yf);
            for (int i = 0; i < d; ++i) {
                ref.push_back(yf[i]);
                got.push_back(y[i] / kQ16);
            }
        }
        EXPECT_GE(sqnr_db(ref, got), 40.0) << "rms 2^" << log_mag;
    }
}

// ---- rope ----------------------------------------------------------------------------------

TEST(Rope, TablesWithinOneLsbOfTheMath) {
    ModelConfig c = load_model_config("llama-3.2-1b");
    RopeTables t = make_rope_tables(c, 2048);
    const auto inv = rope_inv_freq(c);
    for (int p = 0; p < 2048; p += 7)
        for (int j = 0; j < t.half; ++j) {
            const long double a = static_cast<long double>(p) * inv[j];
            EXPECT_LE(std::fabs(t.c(p, j) - std::cos(a) * 65536.0L), 1.0L);
            EXPECT_LE(std::fabs(t.s(p, j) - std::sin(a) * 65536.0L), 1.0L);
        }
}

TEST(Rope, Llama3ScalingMatchesHandComputedFrequencies) {
    ModelConfig c = load_model_config("llama-3.2-1b");
    const auto inv = rope_inv_freq(c);
    // j = 0: wavelength 2*pi < 8192/4: unscaled.
    EXPECT_DOUBLE_EQ(inv[0], 1.0);
    // j = 31: theta^(-62/64) = 500000^-0.96875, wavelength > 8192: divided by 32.
    EXPECT_NEAR(inv[31], std::pow(500000.0, -62.0 / 64) / 32, 1e-18);
    // Medium band: interpolated between scaled and unscaled.
    for (int j = 0; j < 32; ++j) {
        const double f = std::pow(500000.0, -2.0 * j / 64);
        EXPECT_LE(inv[j], f * (1 + 1e-12));
        EXPECT_GE(inv[j], f / 32 * (1 - 1e-12));
    }
}

// The medium band worked by hand from the published llama3 rule (wavelength 2*pi/f between
// original_max_positions / high_freq_factor = 2048 and original_max_positions / low_freq_factor =
// 8192: smooth = (8192 / wavelength - 1) / 3, f' = (1 - smooth) f / 32 + smooth f). At head_dim 64
// that is j = 15, 16, 17; j = 14 is just above the band (unscaled), j = 18 just below (f / 32). A
// swap of the two thresholds, or of the factors in `smooth`, moves every one of them.
TEST(Rope, Llama3MediumBandMatchesHandWorkedFrequencies) {
    const auto inv = rope_inv_freq(load_model_config("llama-3.2-1b"));
    const std::pair<int, double> hand[] = {{14, 3.211445994753e-03},
                                           {15, 1.290547928209e-03},
                                           {16, 4.295567965594e-04},
                                           {17, 9.708287802628e-05},
                                           {18, 1.946163818483e-05}};
    for (const auto& [j, f] : hand) EXPECT_NEAR(inv[j] / f, 1.0, 1e-11) << "j = " << j;
    // tiny (head_dim 16, the same theta and scaling): only j = 4 is in the band,
    // f = 500000^-1/2, wavelength 4442.88, smooth 0.281282605.
    const auto tiny_inv = rope_inv_freq(load_model_config("tiny"));
    EXPECT_NEAR(tiny_inv[4] / 4.295567965594e-04, 1.0, 1e-11);
    EXPECT_NEAR(tiny_inv[3] / std::pow(500000.0, -6.0 / 16), 1.0, 1e-12);          // above the band
    EXPECT_NEAR(tiny_inv[5] / (std::pow(500000.0, -10.0 / 16) / 32), 1.0, 1e-12);  // below
}

TEST(Rope, PositionZeroIsIdentityAndSqnr) {
    ModelConfig c = load_model_config("tiny");
    RopeTables t = make_rope_tables(c, 256);
    const auto inv = rope_inv_freq(c);
    Rng rng(6);
    const int hd = c.head_dim;
    std::vector<int32_t> x(hd), y(hd);
    for (auto& v : x) v = static_cast<int32_t>(rng.normal() * kQ16 * 8);
    rope_ref(x, t, 0, y);
    EXPECT_EQ(x, y);
    std::vector<double> ref, got;
    for (int p = 0; p < 256; ++p) {
        for (auto& v : x)
            v = static_cast<int32_t>(rng.normal() * kQ16 * std::exp2(rng.uniform() * 16 - 8));
        std::vector<float> xf(hd), yf(hd);
        for (int i = 0; i < hd; ++i) xf[i] = static_cast<float>(x[i] / kQ16);
        rope_ref(x, t, p, y);
        rope_f(xf, inv, p, yf);
        for (int i = 0; i < hd; ++i) {
            ref.push_back(yf[i]);
            got.push_back(y[i] / kQ16);
        }
    }
    EXPECT_GE(sqnr_db(ref, got), 40.0);
}

// ---- quant_static, attention ---------------------------------------------------------------

TEST(QuantStatic, RoundsAndSaturates) {
    const Multiplier half = to_multiplier(0.5);
    EXPECT_EQ(quant_static_ref(10, half), 5);
    EXPECT_EQ(quant_static_ref(11, half), 6);    // 5.5 -> 6
    EXPECT_EQ(quant_static_ref(-11, half), -5);  // -5.5 -> -5
    EXPECT_EQ(quant_static_ref(1000, half), 127);
    EXPECT_EQ(quant_static_ref(-1000, half), -128);
}

TEST(Attention, ScoresAndContextHandWorked) {
    std::vector<int8_t> q = {1, -2}, k = {3, 4, -5, 6};
    std::vector<int32_t> s(2);
    attn_scores_ref(q, k, 2, 2, s);
    EXPECT_EQ(s, (std::vector<int32_t>{-5, -17}));
    std::vector<uint8_t> p = {255, 0};
    std::vector<int8_t> v = {10, -20, 30, 40};
    std::vector<int32_t> ctx(2);
    attn_context_ref(p, v, 2, 2, to_multiplier(1.0 / 255), ctx);
    EXPECT_EQ(ctx, (std::vector<int32_t>{10, -20}));
}

TEST(Softmax, HandWorkedEqualScores) {
    std::vector<int32_t> s = {5, 5};
    std::vector<uint8_t> p(2);
    std::vector<uint32_t> p16(2);
    softmax_q16_ref(s, to_multiplier(1.0), p16);
    EXPECT_EQ(p16, (std::vector<uint32_t>{32768, 32768}));
    softmax_ref(s, to_multiplier(1.0), p);
    EXPECT_EQ(p, (std::vector<uint8_t>{128, 128}));  // 127.5 rounds half up
}

// EXP2[k] = round(2^15 * 2^(-k/256)), worked by hand at k = 0, 64, 128, 255 (a table built with
// another denominator, e.g. 2^(-k/255), keeps its SQNR but not these entries).
TEST(Exp2, TableMatchesHandWorkedEntries) {
    const auto& t = exp2_table();
    EXPECT_EQ(t[0], 32768);    // 2^15
    EXPECT_EQ(t[64], 27554);   // 2^15 * 2^-0.25 = 27554.49
    EXPECT_EQ(t[128], 23170);  // 2^15 / sqrt 2 = 23170.48
    EXPECT_EQ(t[255], 16428);  // 2^14 * 2^(1/256) = 16428.42
}

TEST(Exp2, SqnrAgainstFloatOverInputRange) {
    std::vector<double> ref, got;
    for (int64_t u = 0; u < 32 * 256; ++u) {
        ref.push_back(std::exp2(-u / 256.0));
        got.push_back(exp2_neg_ref(u) / 32768.0);
    }
    EXPECT_GE(sqnr_db(ref, got), 40.0);
    EXPECT_EQ(exp2_neg_ref(0), 32768u);
    EXPECT_EQ(exp2_neg_ref(256), 16384u);
    EXPECT_EQ(exp2_neg_ref(-5), 32768u);  // clamped to u = 0
    for (int64_t u = 1; u < 32 * 256; ++u) EXPECT_LE(exp2_neg_ref(u), exp2_neg_ref(u - 1));
}

TEST(Softmax, SqnrAgainstFloatOverInputRange) {
    Rng rng(7);
    for (double spread : {0.1, 1.0, 4.0, 16.0}) {  // std of the real scores
        std::vector<double> ref, got, ref8, got8;
        for (int trial = 0; trial < 50; ++trial) {
            const int n = 1 + rng.uniform_int(256);
            const double c = 0.01 * (1 + rng.uniform());  // real value of one score unit
            const Multiplier c2 = to_multiplier(c * std::numbers::log2e * 256);
            std::vector<int32_t> s(n);
            std::vector<float> sf(n), pf(n);
            for (int j = 0; j < n; ++j) {
                s[j] = static_cast<int32_t>(rng.normal() * spread / c);
                sf[j] = static_cast<float>(s[j] * c);
            }
            std::vector<uint32_t> p16(n);
            std::vector<uint8_t> p8(n);
            softmax_q16_ref(s, c2, p16);
            softmax_ref(s, c2, p8);
            softmax_f(sf, pf);
            for (int j = 0; j < n; ++j) {
                ref.push_back(pf[j]);
                got.push_back(p16[j] / 65536.0);
                // The uint8 output is the Q16 probability rounded to the static scale 1/255.
                EXPECT_LE(std::fabs(p8[j] / 255.0 - p16[j] / 65536.0), 0.5 / 255 + 1e-9);
            }
        }
        EXPECT_GE(sqnr_db(ref, got), 40.0) << "spread " << spread;
    }
}

// ---- FFN -----------------------------------------------------------------------------------

TEST(Silu, HandWorkedAndSqnrOverInputRange) {
    EXPECT_EQ(silu_ref(0), 0);
    EXPECT_EQ(sigmoid_q16_ref(0), 32768);
    EXPECT_EQ(silu_ref(100 << 16), 100 << 16);  // sigmoid saturates to 1
    EXPECT_EQ(silu_ref(-(100 << 16)), 0);
    for (double range : {4.0, 16.0, 64.0, 32767.0}) {
        std::vector<double> ref, got;
        for (int i = 0; i <= 20000; ++i) {
            const double xr = -range + 2 * range * i / 20000;
            const int32_t x = static_cast<int32_t>(std::llround(xr * kQ16));
            ref.push_back(silu_f(static_cast<float>(x / kQ16)));
            got.push_back(silu_ref(x) / kQ16);
        }
        EXPECT_GE(sqnr_db(ref, got), 40.0) << "range " << range;
    }
}

TEST(Swiglu, IsSiluTimesUp) {
    EXPECT_EQ(swiglu_ref(0, 12345), 0);
    EXPECT_EQ(swiglu_ref(100 << 16, 2 << 16), 200 << 16);
    EXPECT_EQ(swiglu_ref(100 << 16, -(3 << 16)), -(300 << 16));
}

TEST(Fht, HandWorked) {
    std::vector<int64_t> a = {1, 0, 0, 0};
    fht_exact_ref(a);
    EXPECT_EQ(a, (std::vector<int64_t>{1, 1, 1, 1}));
    std::vector<int64_t> b = {1, 2, 3, 4};
    fht_exact_ref(b);
    EXPECT_EQ(b, (std::vector<int64_t>{10, -2, -4, 0}));
    EXPECT_EQ(fht_shift(8192), 7);
    EXPECT_EQ(fht_shift(256), 4);
}

TEST(Fht, AppliedTwiceEqualsNTimesX) {
    Rng rng(8);
    for (int logn = 0; logn <= 13; ++logn) {
        const int n = 1 << logn;
        std::vector<int64_t> x(n);
        for (auto& v : x) v = static_cast<int64_t>(rng.next_u64() % (1ull << 31)) - (1ll << 30);
        auto y = x;
        fht_exact_ref(y);
        fht_exact_ref(y);
        for (int i = 0; i < n; ++i) ASSERT_EQ(y[i], x[i] * n) << "n=" << n << " i=" << i;
    }
}

TEST(Fht, StageSqnrAgainstNormalizedFloat) {
    Rng rng(9);
    const int n = 256;
    std::vector<int32_t> x(n), y(n);
    std::vector<float> xf(n);
    for (int i = 0; i < n; ++i) {
        x[i] = static_cast<int32_t>(rng.normal() * kQ16);
        xf[i] = static_cast<float>(x[i] / kQ16);
    }
    fht_ref(x, y);
    fht_f(xf);
    std::vector<double> ref, got;
    const double scale =
        std::sqrt(static_cast<double>(n)) / std::exp2(fht_shift(n));  // the folded factor
    for (int i = 0; i < n; ++i) {
        ref.push_back(xf[i]);
        got.push_back(y[i] / kQ16 * scale);
    }
    EXPECT_GE(sqnr_db(ref, got), 60.0);
}

// ---- residual, sampling --------------------------------------------------------------------

TEST(Residual, Saturates) {
    EXPECT_EQ(residual_ref(5, -7), -2);
    EXPECT_EQ(residual_ref(INT32_MAX, 1), INT32_MAX);
    EXPECT_EQ(residual_ref(INT32_MIN, -1), INT32_MIN);
}

TEST(Sampling, GreedyTakesLowestIndexOfMaximum) {
    std::vector<int32_t> l = {3, 9, 1, 9};
    EXPECT_EQ(argmax_ref(l), 1);
    SplitMix64 rng{1};
    EXPECT_EQ(sample_topk_ref(l, 1, to_multiplier(1.0), rng), 1);
}

TEST(Sampling, TopKStaysInTopKAndFollowsWeights) {
    // logits in Q16; temp_mult maps a difference of 1.0 to u = 256 (a factor 2).
    const Multiplier tm = to_multiplier(256.0 / 65536);
    std::vector<int32_t> l = {0, 65536, 65536 * 2, -65536 * 4};
    SplitMix64 rng{42};
    int counts[4] = {};
    const int draws = 20000;
    for (int i = 0; i < draws; ++i) counts[sample_topk_ref(l, 3, tm, rng)]++;
    EXPECT_EQ(counts[3], 0);  // outside the top 3
    // weights 1/4 : 1/2 : 1 -> 1/7, 2/7, 4/7
    EXPECT_NEAR(counts[2] / double(draws), 4.0 / 7, 0.02);
    EXPECT_NEAR(counts[1] / double(draws), 2.0 / 7, 0.02);
    EXPECT_NEAR(counts[0] / double(draws), 1.0 / 7, 0.02);
    SplitMix64 a{7}, b{7};
    for (int i = 0; i < 100; ++i)
        EXPECT_EQ(sample_topk_ref(l, 3, tm, a), sample_topk_ref(l, 3, tm, b));
}

}  // namespace
}  // namespace flexllm::golden
