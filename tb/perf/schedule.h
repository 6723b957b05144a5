// A list scheduler over hardware units: each stage call occupies its unit for its busy cycles and
// starts when its inputs allow (barrier: whole input ready; stream: first input beat ready).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "tb/perf/stage_model.h"

namespace flexllm::perf {

// When a call's first and last outputs appear (absolute cycles).
struct Timing {
    int64_t start = 0;
    int64_t first = 0;  // first output beat
    int64_t done = 0;   // last output beat
};

enum class DepKind {
    kBarrier,  // start after the producer's last output (the whole tensor is needed)
    kStream,   // start at the producer's first output; finish no earlier than its last output
               // plus the consumer's tail (total - in_span)
};

struct Dep {
    Timing t;
    DepKind kind = DepKind::kStream;
};
inline Dep barrier(const Timing& t) { return {t, DepKind::kBarrier}; }
inline Dep stream(const Timing& t) { return {t, DepKind::kStream}; }

struct UnitStats {
    std::string name;
    int64_t calls = 0;
    int64_t busy = 0;     // sum of max(compute, memory)
    int64_t compute = 0;  // sum of compute cycles
    int64_t memory = 0;   // sum of memory cycles
    int64_t memory_bound_calls = 0;
    int64_t bytes = 0;
};

struct Work {
    int64_t bytes = 0, macs4 = 0, macs8 = 0, vec_ops = 0;
    Work& operator+=(const Work& o);
};

// Calls must be issued in an order where every dependency was issued before, and each unit's
// calls in the order the unit executes them; one forward pass then gives every time (max-plus
// recurrences: never earlier when any duration grows, so more parallelism is never slower).
class Schedule {
  public:
    int unit(std::string_view name);  // get or create
    Timing run(int unit, const StageCycles& c, std::initializer_list<Dep> deps);
    // Earliest cycle the next call may start on `unit` (for the caller's own bookkeeping).
    int64_t free_at(int unit) const { return free_[unit]; }
    int64_t makespan() const { return makespan_; }
    const std::vector<UnitStats>& units() const { return stats_; }
    const Work& work() const { return work_; }

  private:
    std::vector<int64_t> free_;
    std::vector<UnitStats> stats_;
    Work work_;
    int64_t makespan_ = 0;
};

}  // namespace flexllm::perf
