// Deterministic random numbers for synthetic weights and prompts (SplitMix64 + Box-Muller), so
// a seed gives the same model on every platform and standard library.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>

#include "golden/ops_ref.h"

namespace flexllm::golden {

class Rng {
  public:
    explicit Rng(uint64_t seed) : sm_{seed} {}
    uint64_t next_u64() { return sm_.next(); }
    double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }  // [0, 1)
    int uniform_int(int n) { return static_cast<int>(next_u64() % static_cast<uint64_t>(n)); }
    double normal() {
        if (has_spare_) {
            has_spare_ = false;
            return spare_;
        }
        double u1 = uniform(), u2 = uniform();
        if (u1 < 1e-300) u1 = 1e-300;
        const double r = std::sqrt(-2.0 * std::log(u1));
        spare_ = r * std::sin(2 * std::numbers::pi * u2);
        has_spare_ = true;
        return r * std::cos(2 * std::numbers::pi * u2);
    }

  private:
    SplitMix64 sm_;
    double spare_ = 0;
    bool has_spare_ = false;
};

}  // namespace flexllm::golden
