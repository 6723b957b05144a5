// The chain model of composed tops against hand-worked timelines and its limiting cases.
#include "tb/perf/chain_model.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace flexllm::perf {
namespace {

// swiglu (stream, B + 4) -> fht (stream, 2B + log2 B + 1) -> quant_token (serial, 2B + 50), B beats
// per group.
std::vector<ChainStage> ffn_act(int groups, int64_t b, int log2b) {
    return {{groups, b, b + 4, false},
            {groups, b, 2 * b + log2b + 1, false},
            {groups, b, 2 * b + 50, true}};
}

TEST(ChainModel, MatchesHandWorkedTimelines) {
    // B = 256, two groups. Group 0: swiglu out at 4, fht out at 4 + 265 = 269, quant loads
    // 269..524, emits 575..830. Group 1: fht ready at 525 but quant takes it only at 831 (serial),
    // emits 831 + 306 .. 1392: 1393 cycles.
    EXPECT_EQ(chain_cycles(ffn_act(2, 256, 8)), 1393);
    // B = 128, two groups: 445 for the first; the second waits for quant at 446: 752 cycles.
    EXPECT_EQ(chain_cycles(ffn_act(2, 128, 7)), 752);
}

TEST(ChainModel, LimitingCases) {
    // One stage alone is its own formula; streamed stages overlap their groups.
    EXPECT_EQ(chain_cycles({{1, 64, 100, false}}), 100);
    EXPECT_EQ(chain_cycles({{3, 64, 68, false}}), 3 * 64 + 4);
    // A serial stage alone runs its groups back to back.
    EXPECT_EQ(chain_cycles({{3, 64, 178, true}}), 3 * 178);
    // Two streamed stages of one group: the latencies add.
    EXPECT_EQ(chain_cycles({{1, 64, 68, false}, {1, 64, 70, false}}), 64 + 4 + 6);
    EXPECT_THROW(chain_cycles({}), std::invalid_argument);
    EXPECT_THROW(chain_cycles({{1, 64, 68, false}, {2, 64, 68, false}}), std::invalid_argument);
}

}  // namespace
}  // namespace flexllm::perf
