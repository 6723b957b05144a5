// Seeded stimulus generation; expected values always come from golden _ref ops.
#include "tb/stimulus.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

namespace flexllm::tb {

void complete_with_golden(LinearStimulus& s) {
    s.xq.clear();
    s.y.clear();
    for (const auto& x : s.x) {
        s.xq.push_back(golden::quant_token_ref(x));
        std::vector<int32_t> y(s.w.d_out);
        golden::linear_ref(s.w, s.xq.back(), y);
        s.y.push_back(std::move(y));
    }
}

LinearStimulus random_linear_stimulus(int d_in, int d_out, int tokens, uint64_t seed) {
    std::mt19937_64 rng(seed);
    LinearStimulus s;
    s.w.d_in = d_in;
    s.w.d_out = d_out;
    s.w.w.resize(static_cast<size_t>(d_in) * d_out);
    std::uniform_int_distribution<int> w4(-8, 7);
    for (auto& v : s.w.w) v = static_cast<int8_t>(w4(rng));
    // Rows 2 and 6 of every 8 hold the extreme weights -8 and 7: with token 2's all-15 codes their
    // sums reach -120 * (d_in - 1) and 105 * (d_in - 1), the top bit of an accumulator sized for
    // d_in (rtlgen::signed_sum_width), so a narrower one fails.
    for (int j = 0; j < d_out; ++j)
        if (j % 8 == 2 || j % 8 == 6)
            std::fill_n(s.w.w.begin() + static_cast<ptrdiff_t>(j) * d_in, d_in,
                        static_cast<int8_t>(j % 8 == 2 ? -8 : 7));
    s.w.rowsum.assign(d_out, 0);
    std::uniform_real_distribution<double> scale(0.5, 2.0);
    std::uniform_int_distribution<int> exp2(-16, -6);
    for (int j = 0; j < d_out; ++j) {
        for (int i = 0; i < d_in; ++i) s.w.rowsum[j] += s.w.w[static_cast<size_t>(j) * d_in + i];
        // Channel 5 of every 8 gets a scale 2^10 to 2^20 times the others': most of its outputs
        // saturate, to +2^31 - 1 and to -2^31, so the RTL's clamp is driven, not only C-sim's.
        const int e = j % 8 == 5 ? 4 : exp2(rng);
        s.w.mult.push_back(golden::to_multiplier(std::ldexp(scale(rng), e)));
    }
    std::normal_distribution<double> act(0.0, 1 << 16);
    std::uniform_int_distribution<int> pick(0, 31);
    for (int t = 0; t < tokens; ++t) {
        std::vector<int32_t> x(d_in);
        for (auto& v : x) {
            double a = act(rng);
            if (pick(rng) == 0) a *= 64;  // outliers stretch the token range
            v = static_cast<int32_t>(std::clamp(a, -2.0e9, 2.0e9));
        }
        // A range-0 token (every element equal), also in decode (two steps: the second).
        if (t == 1) std::fill(x.begin(), x.end(), 12345);
        if (t == 2) {  // codes 15 but element 0's (the token's minimum, code 0)
            std::fill(x.begin(), x.end(), 1 << 20);
            x[0] = -(1 << 20);
        }
        if (t == 3 && tokens > 4)  // the widest token: range 2^32 - 1, the int32 extremes
            for (int i = 0; i < d_in; ++i)
                x[i] = i % 2 ? std::numeric_limits<int32_t>::max()
                             : std::numeric_limits<int32_t>::min();
        s.x.push_back(std::move(x));
    }
    complete_with_golden(s);
    return s;
}

}  // namespace flexllm::tb
