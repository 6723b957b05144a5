// The reference ops ("_ref"): the executable form of golden/NUMERICS.md, one function per stage.
// Written independently of hls_src/ kernels (shared layouts and tables only, no shared arithmetic).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "golden/fixed_point.h"
#include "golden/tables.h"

namespace flexllm::golden {

// ---- quant_token: per-token asymmetric uint4 (NUMERICS.md §2.2) ------------------------------
inline constexpr int kQuantTokenRecipBits = 48;
struct TokenQuant {
    std::vector<uint8_t> q;  // codes 0..15
    int32_t zero = 0;        // token minimum (activation format)
    uint32_t range = 0;      // max - min (activation format units)
};
TokenQuant quant_token_ref(std::span<const int32_t> x);

// ---- linear: W4A4 with row-sum zero-point correction (NUMERICS.md §2.3) ----------------------
struct LinearParamsRef {
    int d_in = 0, d_out = 0;
    std::vector<int8_t> w;         // [d_out, d_in], int4 values in -8..7
    std::vector<int32_t> rowsum;   // [d_out], sum_i w[j, i]
    std::vector<Multiplier> mult;  // [d_out], s_w[j] / 15 * (folded factors) in activation units
};
// One token: y[j] = sat32(rshift_rnd((range*acc_j + 15*zero*rowsum_j) * m_j, shift_j)).
void linear_ref(const LinearParamsRef& p, const TokenQuant& a, std::span<int32_t> y);
// The integer accumulator alone (sum_i q_i * w[j, i]), exposed for tests and taps.
int32_t linear_acc_ref(const LinearParamsRef& p, const TokenQuant& a, int j);

// ---- rmsnorm (gain folded into the following linear) (§2.1) ---------------------------------
inline constexpr int kRmsRecipFrac = 24;
int64_t rms_eps_q32(double eps);  // round(eps * 2^32), at least 1
// y_i = sat32(rshift_rnd(x_i * r, 24)), r = floor(2^40 / sqrt(floor(sum x^2 / d) + eps_q32)).
void rmsnorm_ref(std::span<const int32_t> x, int64_t eps_q32, std::span<int32_t> y);
uint64_t rmsnorm_recip_ref(std::span<const int32_t> x, int64_t eps_q32);  // r above

// ---- rope: half-split pairs j <-> j + d/2 (§2.4) --------------------------------------------
void rope_ref(std::span<const int32_t> x, const RopeTables& t, int pos, std::span<int32_t> y);

// ---- quant_static: symmetric int8 with a static scale (§2.5) ---------------------------------
int8_t quant_static_ref(int32_t x, Multiplier inv_scale);

// ---- attention (§2.6-2.8) -------------------------------------------------------------------
// S_j = sum_d q[d] * k[j][d] for j < n (k row-major [n, head_dim]).
void attn_scores_ref(std::span<const int8_t> q, std::span<const int8_t> k, int n, int head_dim,
                     std::span<int32_t> s);
// Integer softmax over s[0..n): uint8 probabilities with static scale 1/255.
// `c2` turns a score difference into u = log2(e) * s_q * s_k * diff in Q8.
void softmax_ref(std::span<const int32_t> s, Multiplier c2, std::span<uint8_t> p8);
// The same up to the Q16 probability before the uint8 step (for accuracy tests).
void softmax_q16_ref(std::span<const int32_t> s, Multiplier c2, std::span<uint32_t> p16);
// 2^-u for u in Q8 (u >= 0), result Q15: the exp stage shared by softmax and top-k sampling.
uint32_t exp2_neg_ref(int64_t u_q8);
// ctx[d] = sat32(rshift_rnd((sum_j p8[j] * v[j][d]) * m, shift)), v row-major [n, head_dim].
void attn_context_ref(std::span<const uint8_t> p8, std::span<const int8_t> v, int n, int head_dim,
                      Multiplier ctx_mult, std::span<int32_t> ctx);

// ---- FFN (§2.9-2.10) ------------------------------------------------------------------------
int32_t sigmoid_q16_ref(int32_t x);            // Q16 in, Q16 out (0..65536)
int32_t silu_ref(int32_t x);                   // rshift_rnd(x * sigmoid(x), 16)
int32_t swiglu_ref(int32_t gate, int32_t up);  // sat32(rshift_rnd(silu(gate) * up, 16))
// Exact unnormalized Walsh-Hadamard transform (Sylvester order), in place; n a power of two.
void fht_exact_ref(std::span<int64_t> v);
// The R4 stage: y = sat32(rshift_rnd(WHT(x), fht_shift(n))), fht_shift(n) = ceil(log2(n) / 2).
int fht_shift(int n);
void fht_ref(std::span<const int32_t> x, std::span<int32_t> y);

// ---- residual (§2.11) -----------------------------------------------------------------------
inline int32_t residual_ref(int32_t x, int32_t y) { return sat32(static_cast<int64_t>(x) + y); }

// ---- sampling (§2.12) -----------------------------------------------------------------------
int argmax_ref(std::span<const int32_t> logits);  // lowest index among equal maxima
// SplitMix64: the PRNG of seeded sampling.
struct SplitMix64 {
    uint64_t state;
    uint64_t next();
};
// Top-k: the k largest logits (ties: lower index first) weighted by 2^-(u) with
// u = temp_mult.apply(max - logit) (Q8), a draw r = rng.next() % total picks the first
// cumulative weight > r. k == 1 is greedy.
int sample_topk_ref(std::span<const int32_t> logits, int k, Multiplier temp_mult, SplitMix64& rng);

}  // namespace flexllm::golden
