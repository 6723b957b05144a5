// The list scheduler: stream and barrier dependencies, unit contention, monotonicity.
#include "tb/perf/schedule.h"

#include <gtest/gtest.h>

#include <random>

namespace flexllm::perf {
namespace {

StageCycles stage(int64_t compute, int64_t fill, int64_t first_out, int64_t in_span) {
    StageCycles c;
    c.compute = compute;
    c.fill = fill;
    c.total = compute + fill;
    c.first_out = first_out;
    c.in_span = in_span;
    return c;
}

TEST(Schedule, StreamDependencyOverlapsProducerAndConsumer) {
    Schedule s;
    const Timing p = s.run(s.unit("p"), stage(100, 10, 15, 100), {});
    EXPECT_EQ(p.start, 0);
    EXPECT_EQ(p.first, 15);
    EXPECT_EQ(p.done, 110);
    // Starts at the producer's first output (15); cannot finish before the producer's last
    // output plus its own tail (55 - 50 = 5): max(15 + 55, 110 + 5) = 115.
    const Timing c = s.run(s.unit("c"), stage(50, 5, 7, 50), {stream(p)});
    EXPECT_EQ(c.start, 15);
    EXPECT_EQ(c.first, 22);
    EXPECT_EQ(c.done, 115);
}

TEST(Schedule, BarrierWaitsForTheWholeInput) {
    Schedule s;
    const Timing p = s.run(s.unit("p"), stage(100, 10, 15, 100), {});
    const Timing c = s.run(s.unit("c"), stage(50, 5, 7, 50), {barrier(p)});
    EXPECT_EQ(c.start, 110);
    EXPECT_EQ(c.done, 165);
}

TEST(Schedule, AUnitRunsOneCallAtATimeOverlappingOnlyTheFill) {
    Schedule s;
    const int u = s.unit("engine");
    const Timing a = s.run(u, stage(100, 10, 15, 100), {});
    const Timing b = s.run(u, stage(100, 10, 15, 100), {});
    EXPECT_EQ(b.start, 100);  // a's output pipeline (10) overlaps b
    EXPECT_EQ(b.done, 210);
    EXPECT_EQ(s.makespan(), 210);
    EXPECT_EQ(s.units()[u].calls, 2);
    EXPECT_EQ(s.units()[u].busy, 200);
    EXPECT_EQ(a.done, 110);
}

TEST(Schedule, LongerStagesNeverFinishEarlier) {
    // Random chains over 3 units: lengthening any one call never moves the makespan earlier.
    std::mt19937 rng(7);
    std::uniform_int_distribution<int> len(1, 50);
    for (int trial = 0; trial < 50; ++trial) {
        std::vector<StageCycles> calls;
        for (int i = 0; i < 30; ++i) {
            const int64_t c = len(rng), f = len(rng) % 8;
            calls.push_back(stage(c, f, f + 1, c));
        }
        auto run = [&](const std::vector<StageCycles>& cs) {
            Schedule s;
            const int units[3] = {s.unit("a"), s.unit("b"), s.unit("c")};
            Timing prev{};
            for (size_t i = 0; i < cs.size(); ++i)
                prev = s.run(units[i % 3], cs[i], {i % 4 == 0 ? barrier(prev) : stream(prev)});
            return s.makespan();
        };
        const int64_t base = run(calls);
        for (size_t k = 0; k < calls.size(); k += 7) {
            auto longer = calls;
            longer[k] = stage(calls[k].compute + 13, calls[k].fill, calls[k].first_out,
                              calls[k].in_span + 13);
            EXPECT_GE(run(longer), base) << "trial " << trial << " call " << k;
        }
    }
}

}  // namespace
}  // namespace flexllm::perf
