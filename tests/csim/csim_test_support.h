// Test support shared by the C-sim tests: an element-wise comparison that names the first
// mismatches.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace flexllm::csim {

// The first n elements equal; otherwise the first few mismatches as `idx GOT=... EXP=...`.
template <typename T>
::testing::AssertionResult SameValues(const std::vector<T>& got, const std::vector<T>& exp,
                                      size_t n) {
    if (got.size() < n || exp.size() < n)
        return ::testing::AssertionFailure() << "sizes " << got.size() << ", " << exp.size();
    int bad = 0;
    std::string msg;
    for (size_t i = 0; i < n; ++i)
        if (got[i] != exp[i] && bad++ < 5)
            msg += fmt::format("  {} GOT={} EXP={}\n", i, int64_t{got[i]}, int64_t{exp[i]});
    if (bad == 0) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << bad << " mismatches\n" << msg;
}

}  // namespace flexllm::csim
