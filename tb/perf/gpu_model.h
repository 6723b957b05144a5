// GPU baseline (A100 BF16): a per-kernel roofline with efficiency factors, plus the software
// stack's per-token overhead (host dispatch, kernel gaps, generate loop) and a busy/idle power
// model.
#pragma once

#include "golden/model_config.h"
#include "tb/perf/device.h"
#include "tb/perf/options.h"

namespace flexllm::perf {

// One forward pass on the GPU.
struct GpuForward {
    double kernels_s = 0;  // sum over kernels of max(flops / compute, bytes / bandwidth)
    double busy_s = 0;     // kernels + inter-kernel gaps: the time the GPU is occupied
    double host_s = 0;     // host-side dispatch of every op (overlaps the GPU)
    double wall_s = 0;     // max(busy, host) + step overhead
};

// Prefill of `tokens` (causal attention, LM head on the last token only).
GpuForward gpu_prefill(const golden::ModelConfig& m, const GpuDevice& g, int tokens);
// One decode step attending over `ctx` keys.
GpuForward gpu_decode_step(const golden::ModelConfig& m, const GpuDevice& g, int ctx);

struct GpuRun {
    double ttft_s = 0, decode_s = 0, e2e_s = 0, decode_tokens_per_s = 0;
    double busy_fraction = 0;  // GPU occupied / wall, whole request
    double energy_j = 0, energy_per_token_j = 0, avg_power_w = 0;
};
GpuRun run_gpu(const golden::ModelConfig& m, const GpuDevice& g, const Workload& w);

}  // namespace flexllm::perf
