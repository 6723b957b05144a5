// GPU roofline baseline.
#include "tb/perf/gpu_model.h"

#include <fmt/format.h>

#include <algorithm>

#include "golden/error.h"

namespace flexllm::perf {

namespace {

struct Roof {
    const GpuDevice& g;
    double compute(double flops, double eff) const { return flops / (g.peak_tflops * 1e12 * eff); }
    double memory(double bytes) const { return bytes / (g.mem_gbs * 1e9 * g.memory_efficiency); }
    // A GEMM/GEMV of `tokens` x d_in x d_out: weights once, activations in and out.
    double linear(double tokens, double d_in, double d_out) const {
        const double flops = 2.0 * tokens * d_in * d_out;
        const double bytes =
            d_in * d_out * g.bytes_per_param + tokens * (d_in + d_out) * g.act_bytes;
        return std::max(compute(flops, g.gemm_efficiency), memory(bytes));
    }
};

// Elementwise traffic per token per layer, in activation elements read + written (HF Llama
// eager): 2 RMSNorms of 7 passes over hidden, RoPE ~10 passes over q and k, KV-cache append and
// repeat_kv copies, SiLU and the gate*up product over the FFN width, 2 residual adds (3 tensors).
double elementwise_elems(const golden::ModelConfig& m) {
    const double H = m.hidden, Q = m.q_dim(), KV = m.kv_dim(), F = m.intermediate;
    return 2 * (14 * H + 10 * (Q + KV) + 2 * KV + 2 * Q + 3 * F) + 2 * 3 * H;
}

GpuForward finish(const GpuDevice& g, const golden::ModelConfig& m, double kernels_s) {
    GpuForward f;
    const double ops = static_cast<double>(g.ops_per_layer) * m.layers + g.ops_per_forward;
    f.kernels_s = kernels_s;
    f.busy_s = kernels_s + ops * g.op_gap_us * 1e-6;
    f.host_s = ops * g.op_launch_us * 1e-6;
    f.wall_s = std::max(f.busy_s, f.host_s) + g.step_overhead_us * 1e-6;
    return f;
}

}  // namespace

GpuForward gpu_prefill(const golden::ModelConfig& m, const GpuDevice& g, int tokens) {
    if (tokens < 1) throw Error("GPU prefill needs at least one token");
    const Roof r{g};
    const double l = tokens, H = m.hidden, Q = m.q_dim(), KV = m.kv_dim(), F = m.intermediate;
    double layer = r.linear(l, H, Q) + 2 * r.linear(l, H, KV) + r.linear(l, Q, H) +
                   2 * r.linear(l, H, F) + r.linear(l, F, H);
    // Causal attention (flash): QK^T and AV over half the l x l square.
    const double attn_flops = 2.0 * 2.0 * Q * l * l / 2.0;
    const double attn_bytes = l * (2 * Q + 2 * KV) * g.act_bytes;
    layer += std::max(r.compute(attn_flops, g.attention_efficiency), r.memory(attn_bytes));
    layer += r.memory(l * elementwise_elems(m) * g.act_bytes);
    const double head = r.linear(1, H, m.vocab) + r.memory(l * H * g.act_bytes);  // embed + LM
    return finish(g, m, layer * m.layers + head);
}

GpuForward gpu_decode_step(const golden::ModelConfig& m, const GpuDevice& g, int ctx) {
    if (ctx < 1) throw Error("GPU decode step needs at least one key");
    const Roof r{g};
    const double H = m.hidden, Q = m.q_dim(), KV = m.kv_dim(), F = m.intermediate;
    double layer = r.linear(1, H, Q) + 2 * r.linear(1, H, KV) + r.linear(1, Q, H) +
                   2 * r.linear(1, H, F) + r.linear(1, F, H);
    const double attn_flops = 2.0 * 2.0 * Q * ctx;
    const double attn_bytes = 2.0 * ctx * KV * g.kv_bytes + 2 * Q * g.act_bytes;
    layer += std::max(r.compute(attn_flops, g.attention_efficiency), r.memory(attn_bytes));
    layer += r.memory(elementwise_elems(m) * g.act_bytes);
    const double head = r.linear(1, H, m.vocab) + r.memory(H * g.act_bytes);
    return finish(g, m, layer * m.layers + head);
}

GpuRun run_gpu(const golden::ModelConfig& m, const GpuDevice& g, const Workload& w) {
    // Weights and the KV cache must fit the GPU's memory.
    const double H = m.hidden, Q = m.q_dim(), KV = m.kv_dim(), F = m.intermediate;
    const double params = m.layers * (H * (Q + 2 * KV) + Q * H + 3.0 * H * F) + double(m.vocab) * H;
    const double kv = 2.0 * KV * m.layers * g.kv_bytes * (double(w.prompt_len) + w.gen_len);
    const double gib = (params * g.bytes_per_param + kv) / (1024.0 * 1024.0 * 1024.0);
    if (gib > g.capacity_gib)
        throw Error(fmt::format("GPU '{}': weights and KV cache need {:.1f} GiB, it has {:.0f} GiB",
                                g.name, gib, g.capacity_gib));
    GpuRun r;
    const GpuForward pre = gpu_prefill(m, g, w.prompt_len);
    double busy = pre.busy_s;
    r.ttft_s = pre.wall_s;
    for (int i = 0; i < w.gen_len - 1; ++i) {
        const GpuForward st = gpu_decode_step(m, g, w.prompt_len + i + 1);
        r.decode_s += st.wall_s;
        busy += st.busy_s;
    }
    r.e2e_s = r.ttft_s + r.decode_s;
    r.decode_tokens_per_s = w.gen_len > 1 ? (w.gen_len - 1) / r.decode_s : 0;
    r.busy_fraction = std::min(1.0, busy / r.e2e_s);
    r.energy_j = g.idle_w * r.e2e_s + (g.busy_w - g.idle_w) * std::min(busy, r.e2e_s);
    r.energy_per_token_j = r.energy_j / w.gen_len;
    r.avg_power_w = r.energy_j / r.e2e_s;
    return r;
}

}  // namespace flexllm::perf
