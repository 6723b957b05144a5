// Design-space sweep over TP, WP, BP and lanes: every point's projected throughput and resource
// estimate (checked against the device), written as CSV and as an SVG plot.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "tb/perf/model.h"

namespace flexllm::perf {

struct SweepGrid {
    std::vector<int> tp{4, 8, 16, 32};
    std::vector<int> prefill_wp{16, 24, 48, 96};  // K|Q and V|O WP; FFN engines get 4x
    std::vector<int> bp{8, 16, 32, 64};
    std::vector<int> decode_wp{32, 64, 128};
    std::vector<int> lanes{4, 8, 16};  // prefill and decode vector lanes
};

// The base arch with one grid point applied. Derived: FFN WP = 4 * prefill WP in blocks of 32
// channels, one memory channel each (as u280_mem_opt), fewer blocks when the prefill engines would
// need more channels than the device has; attention attn_tp = TP; decode channels = enough for
// BP*WP int4 weights per cycle, capped by the device and divisible with BP.
kern::ArchParams sweep_arch(const kern::ArchParams& base, const FpgaDevice& dev, int tp,
                            int prefill_wp, int bp, int decode_wp, int lanes);

struct SweepPoint {
    kern::ArchParams arch;
    bool ok = false;  // the model ran (else `error`)
    std::string error;
    ResourceEstimate res;
    double ttft_s = 0, decode_tokens_per_s = 0, e2e_s = 0, energy_per_token_j = 0;
    double prefill_tokens_per_s = 0;  // prompt_len / ttft
};

std::vector<SweepPoint> run_sweep(const Design& base, const Workload& w, const SweepGrid& g);

void write_sweep_csv(std::ostream& os, const std::vector<SweepPoint>& pts);

struct SweepPlot {
    std::string title;
    std::string highlight;                 // arch name drawn as a marked point
    std::optional<double> gpu_decode_tps;  // baseline lines, when a baseline was given
    std::optional<double> gpu_prefill_tps;
    std::string gpu_name;
    double max_utilization = 0.8;
};
// Two panels: decode tokens/s and prefill tokens/s against DSP utilisation; feasible designs
// filled, over-capacity designs hollow, the Pareto front of feasible designs as a line.
std::string sweep_svg(const std::vector<SweepPoint>& pts, const SweepPlot& plot);

}  // namespace flexllm::perf
