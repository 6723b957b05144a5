// Regression reports: the console table, JUnit XML (one testcase per stage x role x config) and
// JSON (every field of every case, including the cycle records the perf model is calibrated on).
#pragma once

#include <string>
#include <vector>

#include "tb/cases.h"

namespace flexllm::tb {

struct RegressMeta {
    std::string source;  // where the stage tensors came from
    uint64_t seed = 0;
    double stall_prob = 0, gap_prob = 0;
    int stall_profiles = 0;
    double wall_seconds = 0;
    std::string shard;
};

std::string console_table(const std::vector<CaseOutcome>& cases, const RegressMeta& meta);
void write_junit(const std::string& path, const std::vector<CaseOutcome>& cases,
                 const RegressMeta& meta);
void write_json(const std::string& path, const std::vector<CaseOutcome>& cases,
                const RegressMeta& meta);

}  // namespace flexllm::tb
