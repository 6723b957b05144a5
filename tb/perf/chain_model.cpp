// The cycle model of a chain of stages (tb/perf/chain_model.h).
#include "tb/perf/chain_model.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace flexllm::perf {

int64_t chain_cycles(const std::vector<ChainStage>& stages) {
    if (stages.empty()) throw std::invalid_argument("chain_cycles: no stages");
    const int groups = stages.front().groups;
    const int64_t beats = stages.front().beats;
    for (const auto& s : stages)
        if (s.groups != groups || s.beats != beats || s.groups < 1 || s.beats < 1 ||
            s.one_group < s.beats)
            throw std::invalid_argument("chain_cycles: stages of different or empty groups");
    constexpr int64_t kNever = std::numeric_limits<int64_t>::min() / 2;
    const size_t n = stages.size();
    // Per stage, of the previous group: when it started taking it, when its last output left.
    std::vector<int64_t> prev_in(n, kNever), prev_emit_end(n, kNever);
    int64_t last = 0;
    for (int g = 0; g < groups; ++g) {
        std::vector<int64_t> in(n), out_first(n);
        for (size_t s = 0; s < n; ++s) {
            const ChainStage& st = stages[s];
            const int64_t free = st.serial ? prev_emit_end[s] + 1 : prev_in[s] + beats;
            const int64_t avail = s == 0 ? (g == 0 ? 0 : prev_in[0] + beats) : out_first[s - 1];
            in[s] = std::max(free, avail);
            out_first[s] = in[s] + st.one_group - beats;
        }
        for (size_t s = 0; s < n; ++s) {
            const int64_t emit_start = s + 1 < n ? in[s + 1] : out_first[s];
            prev_emit_end[s] = emit_start + beats - 1;
            prev_in[s] = in[s];
        }
        last = prev_emit_end[n - 1];
    }
    return last + 1;
}

}  // namespace flexllm::perf
