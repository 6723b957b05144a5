// RTL-measured cycle records and their residual against the per-stage model: the harness writes
// the records (JSON), the perf tests compare every record with the model (|residual| <= 2%).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tb/perf/stage_model.h"

namespace flexllm::perf {

// Format "flexllm-cycles-v1":
//   {"format": "flexllm-cycles-v1",
//    "records": [{"stage": "linear_decode", "arch": "tiny_a", "params_hash": "0x1234abcd...",
//                 "d_in": 64, "d_out": 64, "cycles": 190},
//                {"stage": "linear_prefill", "arch": "tiny_a", "role": "gate", "tokens": 4,
//                 "d_in": 64, "d_out": 256, "cycles": 2051},
//                {"stage": "quant_token", "arch": "tiny_b", "phase": "prefill", "tokens": 2,
//                 "d": 64, "cycles": 181}]}
// `cycles`: one call, first input beat accepted to last output beat (the cycle tracer's latency).
// `params_hash` (optional) is kern::params_hash of the arch the RTL was generated from; a record
// whose hash differs from the arch config's is stale and rejected.
// `flexllm regress --json FILE` reports are read too: every case with measured RTL cycles becomes
// a record whose model value is the one the harness computed with these formulas (cycles.model;
// the report does not carry the shapes, so the prediction is not recomputed).
struct CycleRecord {
    std::string stage;  // "linear_decode", "linear_prefill", "quant_token"
    std::string arch;   // built-in arch name or TOML path
    std::string params_hash;
    std::string role;   // linear_prefill: q k v o gate up down lm_head (selects the engine)
    std::string phase;  // quant_token: "prefill" or "decode"
    int tokens = 1, d_in = 0, d_out = 0, d = 0;
    int64_t cycles = 0;
    int64_t model_cycles = 0;  // regress reports: the harness's model value
    std::string origin;        // "FILE#index", for messages
};

inline constexpr double kMaxResidual = 0.02;  // DESIGN.md §8

struct Residual {
    CycleRecord record;
    StageCycles predicted;
    double residual = 0;  // (measured - predicted.total) / predicted.total, as the harness
    bool ok() const { return residual <= kMaxResidual && residual >= -kMaxResidual; }
};

std::vector<CycleRecord> parse_cycle_records(const std::string& json_text,
                                             const std::string& origin);
// A .json file, or a directory whose *.json files are read in name order.
std::vector<CycleRecord> load_cycle_records(const std::string& path);
// The model's prediction for a record (arch loaded by name or path); throws flexllm::Error on an
// unknown stage, role or arch and on a stale params hash.
Residual predict(const CycleRecord& r);

}  // namespace flexllm::perf
