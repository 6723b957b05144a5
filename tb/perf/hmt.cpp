// HMT long-context prefill model.
#include "tb/perf/hmt.h"

#include <fmt/format.h>

#include <algorithm>

#include "golden/error.h"
#include "tb/perf/gpu_model.h"
#include "tb/perf/model.h"

namespace flexllm::perf {

void validate_hmt(const Design& d, const HmtConfig& c) {
    auto fail = [](const std::string& why) { throw Error("hmt: " + why); };
    if (c.segment_len < 1) fail(fmt::format("segment length must be >= 1 (got {})", c.segment_len));
    if (c.sensory < 0) fail(fmt::format("sensory tokens must be >= 0 (got {})", c.sensory));
    if (c.memories < 1) fail(fmt::format("cached memories must be >= 1 (got {})", c.memories));
    if (c.max_segments < 1) fail(fmt::format("segments must be >= 1 (got {})", c.max_segments));
    if (c.extract_len < 0 || c.extract() > c.segment_len)
        fail(fmt::format("extraction length {} must be in 1..segment length {}", c.extract(),
                         c.segment_len));
    if (c.window() > d.model.max_positions)
        fail(fmt::format("a segment pass of {} tokens exceeds the {} max positions of model '{}'",
                         c.window(), d.model.max_positions, d.model.name));
}

HmtReport run_hmt(const Design& d, const HmtConfig& c, const GpuDevice* baseline) {
    validate_design(d);
    validate_hmt(d, c);
    const auto& m = d.model;
    const double hz = d.arch.clock_mhz * 1e6;
    const double launch = d.device.kernel_launch_us * 1e-6;
    const ChannelPlan plan = plan_channels(d, c.window());
    DecodeParams dp = d.arch.decode;
    dp.weight_mem = plan.group("decode").effective;

    const int64_t extract = simulate_prefill(d, plan, c.extract() + 2, false).cycles;
    const int64_t first_pass = simulate_prefill(d, plan, c.segment_len + 2, false).cycles;
    const int64_t pass = simulate_prefill(d, plan, c.sensory + c.segment_len + 2, false).cycles;
    const int64_t proj = linear_decode_cycles(m.hidden, m.hidden, dp).total;
    auto recall = [&](int mems) {
        return proj + attention_decode_cycles(
                          mems, AttnShape{1, 1, m.hidden, d.options.shared_attention_array}, 1,
                          d.arch.decode.kv_parallel, d.arch.decode.lanes, dp.weight_mem)
                          .total;
    };
    const int64_t lm = lm_head_cycles(d, plan);

    HmtReport rep;
    rep.cfg = c;
    rep.context_extension =
        static_cast<double>(c.max_segments) * c.segment_len / static_cast<double>(c.window());
    std::vector<int> counts;
    for (int n = 1; n < c.max_segments; n *= 2) counts.push_back(n);
    counts.push_back(c.max_segments);
    int64_t cycles = 0;
    int done_segments = 0;
    for (int n : counts) {
        for (int i = done_segments + 1; i <= n; ++i)
            cycles += extract + (i == 1 ? first_pass : recall(std::min(i - 1, c.memories)) + pass) +
                      proj;  // key projection of the new memory
        done_segments = n;
        HmtRow row;
        row.segments = n;
        row.tokens = int64_t{n} * c.segment_len;
        row.hmt_s = launch + (cycles + lm) / hz;
        try {
            Workload w{static_cast<int>(row.tokens), 1};
            validate_workload(d, w);
            const ChannelPlan full_plan = plan_channels(d, row.tokens + 1);
            row.full_s = launch + simulate_prefill(d, full_plan, w.prompt_len, true).cycles / hz;
            row.speedup = row.full_s / row.hmt_s;
        } catch (const Error& e) {
            row.full_note = e.what();
        }
        if (baseline)
            row.gpu_full_s = gpu_prefill(m, *baseline, static_cast<int>(row.tokens)).wall_s;
        rep.rows.push_back(row);
    }
    return rep;
}

}  // namespace flexllm::perf
