// Whole-model FPGA performance: prefill (time to first token) as a token-tile dataflow over the
// prefill engines, decode as per-token GEMV/attention/vector chains, energy from the device
// profile.
#pragma once

#include <cstdint>
#include <vector>

#include "tb/perf/channel_plan.h"
#include "tb/perf/resources.h"
#include "tb/perf/schedule.h"

namespace flexllm::perf {

struct PhaseResult {
    int64_t cycles = 0;
    std::vector<UnitStats> units;  // per hardware unit: calls, busy cycles, memory-bound calls
    Work work;
};

// Prefill of `tokens` prompt tokens: L layers x ceil(tokens / TP) token tiles flow through the
// engines (K|Q, V|O time-shared by their two roles with V one tile ahead of O; gate, up, down;
// attention; vector units), then, when `lm_head`, the last token's final RMSNorm, LM head on the
// decode GEMV engine (the prefill -> decode hand-off) and sampling: the first generated token.
PhaseResult simulate_prefill(const Design& d, const ChannelPlan& plan, int tokens, bool lm_head);

// `steps` decode steps; step i processes the token at position first_pos + i against
// first_pos + i + 1 keys (the KV cache grows by one entry per step).
struct DecodeResult : PhaseResult {
    int64_t first_step_cycles = 0, last_step_cycles = 0;
};
DecodeResult simulate_decode(const Design& d, const ChannelPlan& plan, int first_pos, int steps);

// Final RMSNorm, quantizer, LM head on the decode GEMV and sampling for one token (the tail of
// prefill and of every decode step).
int64_t lm_head_cycles(const Design& d, const ChannelPlan& plan);

struct FpgaRun {
    ChannelPlan plan;
    ResourceEstimate resources;
    PhaseResult prefill;
    DecodeResult decode;
    double clock_mhz = 0;
    double ttft_s = 0;               // kernel launch + prefill through the first sampled token
    double handoff_s = 0;            // prefill -> decode hand-off (device) + decode kernel launch
    double decode_s = 0;             // gen_len - 1 decode steps
    double e2e_s = 0;                // ttft + handoff + decode
    double decode_tokens_per_s = 0;  // (gen_len - 1) / decode_s; 0 when gen_len == 1
    double prefill_energy_j = 0, decode_energy_j = 0;
    double energy_per_token_j = 0;  // total energy / gen_len
    double avg_power_w = 0;         // total energy / e2e
};

FpgaRun run_fpga(const Design& d, const Workload& w);

// Board energy of a phase: static power over its time plus energy per MAC, vector op and bit.
double fpga_energy_j(const FpgaDevice& dev, const Work& work, double seconds);

}  // namespace flexllm::perf
