// Reference op implementations. Each follows its section of golden/NUMERICS.md step by step.
#include "golden/ops_ref.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>
#include <numeric>

namespace flexllm::golden {

TokenQuant quant_token_ref(std::span<const int32_t> x) {
    TokenQuant t;
    t.q.assign(x.size(), 0);
    if (x.empty()) return t;
    auto [mn, mx] = std::minmax_element(x.begin(), x.end());
    t.zero = *mn;
    t.range = static_cast<uint32_t>(static_cast<int64_t>(*mx) - *mn);
    if (t.range == 0) return t;
    const uint64_t inv = (uint64_t{1} << kQuantTokenRecipBits) / t.range;
    for (size_t i = 0; i < x.size(); ++i) {
        uint64_t off = static_cast<uint64_t>(static_cast<int64_t>(x[i]) - t.zero);
        uint64_t q = (15 * (off * inv) + (uint64_t{1} << (kQuantTokenRecipBits - 1))) >>
                     kQuantTokenRecipBits;
        t.q[i] = static_cast<uint8_t>(std::min<uint64_t>(q, 15));
    }
    return t;
}

int32_t linear_acc_ref(const LinearParamsRef& p, const TokenQuant& a, int j) {
    const int8_t* row = p.w.data() + static_cast<size_t>(j) * p.d_in;
    int32_t acc = 0;
    for (int i = 0; i < p.d_in; ++i) acc += static_cast<int32_t>(a.q[i]) * row[i];
    return acc;
}

void linear_ref(const LinearParamsRef& p, const TokenQuant& a, std::span<int32_t> y) {
    assert(static_cast<int>(a.q.size()) == p.d_in && static_cast<int>(y.size()) == p.d_out);
    for (int j = 0; j < p.d_out; ++j) {
        const int64_t acc = linear_acc_ref(p, a, j);
        const int64_t t =
            static_cast<int64_t>(a.range) * acc + 15 * static_cast<int64_t>(a.zero) * p.rowsum[j];
        y[j] = sat32(p.mult[j].apply(t));
    }
}

int64_t rms_eps_q32(double eps) { return std::max<int64_t>(1, std::llround(std::ldexp(eps, 32))); }

uint64_t rmsnorm_recip_ref(std::span<const int32_t> x, int64_t eps_q32) {
    u128 ss = 0;
    for (int32_t v : x) ss += static_cast<u128>(static_cast<i128>(v) * v);
    const u128 ms = ss / x.size();
    const u128 v = ms + static_cast<u128>(eps_q32);
    return static_cast<uint64_t>(isqrt_u128((static_cast<u128>(1) << 80) / v));
}

void rmsnorm_ref(std::span<const int32_t> x, int64_t eps_q32, std::span<int32_t> y) {
    const uint64_t r = rmsnorm_recip_ref(x, eps_q32);
    for (size_t i = 0; i < x.size(); ++i)
        y[i] = sat32(rshift_rnd(static_cast<i128>(x[i]) * r, kRmsRecipFrac));
}

void rope_ref(std::span<const int32_t> x, const RopeTables& t, int pos, std::span<int32_t> y) {
    const int half = static_cast<int>(x.size()) / 2;
    for (int j = 0; j < half; ++j) {
        const int64_t a = x[j], b = x[j + half];
        const int64_t c = t.c(pos, j), s = t.s(pos, j);
        y[j] = sat32(rshift_rnd(a * c - b * s, kRopeFrac));
        y[j + half] = sat32(rshift_rnd(b * c + a * s, kRopeFrac));
    }
}

int8_t quant_static_ref(int32_t x, Multiplier inv_scale) {
    return static_cast<int8_t>(clamp64(inv_scale.apply(x), -128, 127));
}

void attn_scores_ref(std::span<const int8_t> q, std::span<const int8_t> k, int n, int head_dim,
                     std::span<int32_t> s) {
    for (int j = 0; j < n; ++j) {
        int32_t acc = 0;
        for (int d = 0; d < head_dim; ++d)
            acc += static_cast<int32_t>(q[d]) * k[static_cast<size_t>(j) * head_dim + d];
        s[j] = acc;
    }
}

uint32_t exp2_neg_ref(int64_t u_q8) {
    const int64_t u = std::clamp<int64_t>(u_q8, 0, (32 << kExp2Frac) - 1);
    const uint32_t frac = exp2_table()[u & 255];
    return static_cast<uint32_t>(rshift_rnd(frac, static_cast<int>(u >> kExp2Frac)));
}

namespace {
// Shared by softmax_ref and softmax_q16_ref: the Q16 probabilities.
void softmax_core(std::span<const int32_t> s, Multiplier c2, std::span<uint32_t> p16) {
    if (s.empty()) return;
    const int32_t mx = *std::max_element(s.begin(), s.end());
    std::vector<uint32_t> e(s.size());
    uint64_t sum = 0;
    for (size_t j = 0; j < s.size(); ++j) {
        const int64_t diff = static_cast<int64_t>(mx) - s[j];
        e[j] = exp2_neg_ref(c2.apply(diff));
        sum += e[j];
    }
    const uint64_t inv = (uint64_t{1} << 47) / sum;  // sum >= 2^15 (the maximum contributes 2^15)
    for (size_t j = 0; j < s.size(); ++j)
        p16[j] = static_cast<uint32_t>(rshift_rnd(static_cast<i128>(e[j]) * inv, 31));
}
}  // namespace

void softmax_q16_ref(std::span<const int32_t> s, Multiplier c2, std::span<uint32_t> p16) {
    softmax_core(s, c2, p16);
}

void softmax_ref(std::span<const int32_t> s, Multiplier c2, std::span<uint8_t> p8) {
    std::vector<uint32_t> p16(s.size());
    softmax_core(s, c2, p16);
    for (size_t j = 0; j < s.size(); ++j)
        p8[j] = static_cast<uint8_t>(std::min<int64_t>(255, rshift_rnd(int64_t{p16[j]} * 255, 16)));
}

void attn_context_ref(std::span<const uint8_t> p8, std::span<const int8_t> v, int n, int head_dim,
                      Multiplier ctx_mult, std::span<int32_t> ctx) {
    for (int d = 0; d < head_dim; ++d) {
        int64_t acc = 0;
        for (int j = 0; j < n; ++j)
            acc += static_cast<int32_t>(p8[j]) * v[static_cast<size_t>(j) * head_dim + d];
        ctx[d] = sat32(ctx_mult.apply(acc));
    }
}

int32_t sigmoid_q16_ref(int32_t x) {
    const auto& t = sigmoid_table();
    if (x < -kSigmoidRangeQ16) return t.front();
    if (x >= kSigmoidRangeQ16) return 65536;
    const int64_t o = static_cast<int64_t>(x) + kSigmoidRangeQ16;  // 0 .. 2^21-1
    const int k = static_cast<int>(o >> kSigmoidStepBits);
    const int64_t f = o & ((1 << kSigmoidStepBits) - 1);
    return static_cast<int32_t>(
        t[k] + rshift_rnd((static_cast<int64_t>(t[k + 1]) - t[k]) * f, kSigmoidStepBits));
}

int32_t silu_ref(int32_t x) {
    return static_cast<int32_t>(rshift_rnd(static_cast<int64_t>(x) * sigmoid_q16_ref(x), 16));
}

int32_t swiglu_ref(int32_t gate, int32_t up) {
    return sat32(rshift_rnd(static_cast<int64_t>(silu_ref(gate)) * up, 16));
}

void fht_exact_ref(std::span<int64_t> v) {
    const size_t n = v.size();
    for (size_t h = 1; h < n; h <<= 1)
        for (size_t i = 0; i < n; i += 2 * h)
            for (size_t j = i; j < i + h; ++j) {
                const int64_t a = v[j], b = v[j + h];
                v[j] = a + b;
                v[j + h] = a - b;
            }
}

int fht_shift(int n) { return (std::countr_zero(static_cast<unsigned>(n)) + 1) / 2; }

void fht_ref(std::span<const int32_t> x, std::span<int32_t> y) {
    std::vector<int64_t> v(x.begin(), x.end());
    fht_exact_ref(v);
    const int sh = fht_shift(static_cast<int>(x.size()));
    for (size_t i = 0; i < v.size(); ++i) y[i] = sat32(rshift_rnd(v[i], sh));
}

int argmax_ref(std::span<const int32_t> logits) {
    return static_cast<int>(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

uint64_t SplitMix64::next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

int sample_topk_ref(std::span<const int32_t> logits, int k, Multiplier temp_mult, SplitMix64& rng) {
    if (k <= 1) return argmax_ref(logits);
    std::vector<int> idx(logits.size());
    std::iota(idx.begin(), idx.end(), 0);
    k = std::min<int>(k, static_cast<int>(idx.size()));
    std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), [&](int a, int b) {
        return logits[a] != logits[b] ? logits[a] > logits[b] : a < b;
    });
    const int32_t mx = logits[idx[0]];
    std::vector<uint64_t> cum(k);
    uint64_t total = 0;
    for (int i = 0; i < k; ++i) {
        total += exp2_neg_ref(temp_mult.apply(static_cast<int64_t>(mx) - logits[idx[i]]));
        cum[i] = total;
    }
    const uint64_t r = rng.next() % total;  // total >= 2^15
    for (int i = 0; i < k; ++i)
        if (cum[i] > r) return idx[i];
    return idx[k - 1];
}

}  // namespace flexllm::golden
