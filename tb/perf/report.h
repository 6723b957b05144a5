// Text tables and JSON of the performance projections (flexllm perf output, --json FILE).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "tb/perf/gpu_model.h"
#include "tb/perf/hmt.h"
#include "tb/perf/model.h"

namespace flexllm::perf {

struct DesignResult {
    Design design;
    FpgaRun run;
};

struct Baseline {
    GpuDevice gpu;
    GpuRun run;
};

// FPGA against the baseline: > 1 means the FPGA is better.
struct Ratios {
    double prefill = 0;            // baseline TTFT / FPGA TTFT
    double decode = 0;             // FPGA decode tokens/s / baseline
    double end_to_end = 0;         // baseline e2e / FPGA e2e
    double energy_efficiency = 0;  // baseline energy per token / FPGA
};
Ratios ratios(const FpgaRun& f, const GpuRun& g);

std::string format_seconds(double s);

// Side by side: every design, the baseline, the ratios and FlexLLM's published ratios.
std::string projection_table(const golden::ModelConfig& m, const Workload& w,
                             const std::vector<DesignResult>& designs,
                             const std::optional<Baseline>& baseline);
// Channel plan, resource estimate and the busiest units of prefill and decode.
std::string design_details(const DesignResult& d, const Workload& w);
std::string hmt_table(const DesignResult& d, const HmtReport& h, const std::optional<Baseline>& b);

nlohmann::json to_json(const golden::ModelConfig& m, const Workload& w,
                       const std::vector<DesignResult>& designs,
                       const std::optional<Baseline>& baseline,
                       const std::vector<std::pair<std::string, HmtReport>>& hmt);

}  // namespace flexllm::perf
