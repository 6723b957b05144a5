// GPU baseline: hand-computed roofline of a toy GPU, the overhead model, energy, and the A100.
#include "tb/perf/gpu_model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "golden/error.h"

namespace flexllm::perf {
namespace {

using ::testing::HasSubstr;

// 1 GFLOP/s and 1 GB/s at full efficiency: seconds = max(flops, bytes) * 1e-9.
GpuDevice toy() {
    GpuDevice g;
    g.name = "toy";
    g.peak_tflops = 1e-3;
    g.mem_gbs = 1;
    g.capacity_gib = 1;
    g.gemm_efficiency = g.attention_efficiency = g.memory_efficiency = 1;
    g.bytes_per_param = g.kv_bytes = g.act_bytes = 2;
    g.idle_w = 10;
    g.busy_w = 110;
    return g;
}

TEST(GpuModel, HandComputedDecodeStepOfTheTinyModel) {
    // tiny: hidden 64, 2 layers, q 64, kv 32, FFN 256, vocab 256; one token, 10 keys.
    // Linears are memory-bound: bytes = 2*d_in*d_out + 2*(d_in + d_out):
    //   q 8448, k 4288, v 4288, o 8448, gate 33408, up 33408, down 33408 = 125,696 B.
    // Attention: flops 4*64*10 = 2560 > bytes 2*10*32*2 + 2*64*2 = 1536 -> 2560.
    // Elementwise: 2*(14*64 + 10*96 + 2*32 + 2*64 + 3*256) + 6*64 = 6016 elements = 12,032 B.
    // Per layer 140,288; 2 layers 280,576; LM head 2*64*256 + 2*320 = 33,408 + embedding 128.
    const golden::ModelConfig m = golden::load_model_config("tiny");
    const GpuForward f = gpu_decode_step(m, toy(), 10);
    EXPECT_NEAR(f.kernels_s, 314112e-9, 1e-15);
    EXPECT_NEAR(f.wall_s, 314112e-9, 1e-15);  // no overhead configured
}

TEST(GpuModel, OverheadIsMaxOfHostAndGpuPlusTheStep) {
    const golden::ModelConfig m = golden::load_model_config("tiny");
    GpuDevice g = toy();
    g.ops_per_layer = 5;
    g.ops_per_forward = 2;  // 12 ops
    g.op_gap_us = 1;
    g.op_launch_us = 10;
    g.step_overhead_us = 100;
    GpuForward f = gpu_decode_step(m, g, 10);
    EXPECT_NEAR(f.busy_s, 326.112e-6, 1e-12);  // kernels + 12 gaps
    EXPECT_NEAR(f.host_s, 120e-6, 1e-12);      // GPU-bound
    EXPECT_NEAR(f.wall_s, 426.112e-6, 1e-12);
    g.op_launch_us = 50;  // host-bound: 600 us of dispatch
    f = gpu_decode_step(m, g, 10);
    EXPECT_NEAR(f.wall_s, 700e-6, 1e-12);
}

TEST(GpuModel, EnergyIsIdlePlusBusyShare) {
    const golden::ModelConfig m = golden::load_model_config("tiny");
    GpuDevice g = toy();
    g.step_overhead_us = 50;  // idle time between forwards
    const GpuRun r = run_gpu(m, g, Workload{8, 2});
    const GpuForward pre = gpu_prefill(m, g, 8), step = gpu_decode_step(m, g, 9);
    EXPECT_NEAR(r.e2e_s, pre.wall_s + step.wall_s, 1e-15);
    EXPECT_NEAR(r.energy_j, 10 * r.e2e_s + 100 * (pre.busy_s + step.busy_s), 1e-12);
    EXPECT_NEAR(r.energy_per_token_j, r.energy_j / 2, 1e-15);
}

TEST(GpuModel, A100EagerDecodeIsHostBound) {
    // 40 ops x 16 layers + 12 = 652 ops x 12 us = 7.824 ms of dispatch > ~1.6 ms of kernels;
    // + 1 ms generate() step -> 8.824 ms per token.
    const golden::ModelConfig m = golden::load_model_config("llama-3.2-1b");
    const GpuDevice g = load_gpu_device("a100");
    const GpuForward f = gpu_decode_step(m, g, 1024);
    EXPECT_NEAR(f.wall_s, 8.824e-3, 1e-9);
    // Its kernels alone: at least the BF16 weights (1.236e9 params x 2 B) at 2039 GB/s x 0.8.
    EXPECT_GT(f.kernels_s, 2 * 1.2358e9 / (2039e9 * 0.8));
    EXPECT_LT(f.kernels_s, 1.2 * 2 * 1.2358e9 / (2039e9 * 0.8));
}

TEST(GpuModel, A100PrefillIsComputeBound) {
    // 1024 tokens x 2 x 0.973e9 non-embedding MACs x ... >= 2 * 1024 * 0.9732e9 / (312e12 * 0.6).
    const golden::ModelConfig m = golden::load_model_config("llama-3.2-1b");
    const GpuForward f = gpu_prefill(m, load_gpu_device("a100"), 1024);
    const double linear = 2.0 * 1024 * 0.9732e9 / (312e12 * 0.6);
    EXPECT_GT(f.kernels_s, linear);
    EXPECT_LT(f.kernels_s, 1.5 * linear);
}

TEST(GpuModel, RejectsWhatDoesNotFit) {
    const golden::ModelConfig m = golden::load_model_config("llama-3.2-1b");
    GpuDevice g = load_gpu_device("a100");
    g.capacity_gib = 1;
    EXPECT_THAT(
        [&] {
            run_gpu(m, g, Workload{1024, 1024});
        },
        ::testing::ThrowsMessage<Error>(HasSubstr("GiB")));
}

}  // namespace
}  // namespace flexllm::perf
