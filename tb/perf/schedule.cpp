// The forward list scheduler (see schedule.h).
#include "tb/perf/schedule.h"

#include <algorithm>

namespace flexllm::perf {

Work& Work::operator+=(const Work& o) {
    bytes += o.bytes;
    macs4 += o.macs4;
    macs8 += o.macs8;
    vec_ops += o.vec_ops;
    return *this;
}

int Schedule::unit(std::string_view name) {
    for (size_t i = 0; i < stats_.size(); ++i)
        if (stats_[i].name == name) return static_cast<int>(i);
    stats_.push_back(UnitStats{std::string(name)});
    free_.push_back(0);
    return static_cast<int>(stats_.size() - 1);
}

Timing Schedule::run(int u, const StageCycles& c, std::initializer_list<Dep> deps) {
    int64_t start = free_[u];
    for (const Dep& d : deps)
        start = std::max(start, d.kind == DepKind::kBarrier ? d.t.done : d.t.first);
    int64_t done = start + c.total;
    const int64_t tail = c.total - c.in_span;
    for (const Dep& d : deps)
        if (d.kind == DepKind::kStream) done = std::max(done, d.t.done + tail);
    Timing t{start, std::min(start + c.first_out, done), done};
    // The unit accepts its next call once this one has produced its last beat, except for the
    // fixed output pipeline (fill), which the next call overlaps.
    free_[u] = std::max(start, done - c.fill);
    UnitStats& s = stats_[u];
    ++s.calls;
    s.busy += c.busy();
    s.compute += c.compute;
    s.memory += c.memory;
    s.memory_bound_calls += c.memory_bound() ? 1 : 0;
    s.bytes += c.bytes;
    work_ += Work{c.bytes, c.macs4, c.macs8, c.vec_ops};
    makespan_ = std::max(makespan_, done);
    return t;
}

}  // namespace flexllm::perf
