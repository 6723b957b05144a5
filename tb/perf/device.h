// Device profiles (tb/perf/devices/*.toml, embedded): FPGA cards (resources, HBM channels, power
// model) and GPU baselines (roofline, efficiency factors, per-token overhead, power).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace flexllm::perf {

// FlexLLM's published ratios against the A100 baseline, kept next to the device they describe.
struct PublishedRatios {
    double end_to_end = 0;         // end-to-end latency speedup
    double decode = 0;             // decode throughput ratio
    double energy_efficiency = 0;  // energy per token, A100 / FPGA
};
struct PublishedHmt {
    double prefill_speedup = 0;    // prefill latency, full attention / HMT
    double context_extension = 0;  // context window with HMT / without
};

struct FpgaDevice {
    std::string name, description;
    // Resources (bram36 / uram 0 = not stated: not checked).
    int64_t dsp = 0, bram36 = 0, uram = 0;
    double max_utilization = 0.8;
    int dsp_a_bits = 27, dsp_b_bits = 18;  // signed multiplier input widths of one DSP
    int int4_macs_per_dsp = 1, int8_macs_per_dsp = 1;
    double target_clock_mhz = 300;
    // Off-chip memory.
    std::string memory_type;
    int channels = 1;
    double channel_gbps = 1;          // peak GB/s per channel (10^9 B/s)
    double channel_capacity_mib = 1;  // MiB per channel
    // Power: board static power plus energy per operation.
    double static_w = 0;
    double pj_per_int4_mac = 0, pj_per_int8_mac = 0, pj_per_vector_op = 0, pj_per_mem_bit = 0;
    double kernel_launch_us = 0;  // host launch of a device kernel (prefill, decode)
    std::optional<PublishedRatios> published_vs_a100;
    std::optional<PublishedHmt> published_hmt;

    // Signed a x b multiply: DSPs needed when tiled over dsp_a_bits x dsp_b_bits multipliers.
    int dsps_for_mult(int a_bits, int b_bits) const;
};

struct GpuDevice {
    std::string name, description;
    double peak_tflops = 0;  // dense BF16 tensor-core peak
    double mem_gbs = 0;      // HBM bandwidth, GB/s
    double capacity_gib = 0;
    double gemm_efficiency = 1, attention_efficiency = 1, memory_efficiency = 1;
    double bytes_per_param = 2, kv_bytes = 2, act_bytes = 2;
    // Per-token overhead of the software stack (batch 1).
    double op_launch_us = 0;  // host-side dispatch per kernel (overlaps GPU work)
    double op_gap_us = 0;     // GPU-side idle gap between dependent kernels
    int ops_per_layer = 0, ops_per_forward = 0;
    double step_overhead_us = 0;  // per forward outside the kernels (generate loop, sync)
    // Power: idle and fully busy board power; in between linear in the GPU busy fraction.
    double idle_w = 0, busy_w = 0;
};

struct DeviceProfile {
    enum class Kind { kFpga, kGpu };
    std::string name;
    Kind kind = Kind::kFpga;
    FpgaDevice fpga;  // valid when kind == kFpga
    GpuDevice gpu;    // valid when kind == kGpu
};

DeviceProfile parse_device_profile(const std::string& toml_text, const std::string& origin);
// NAME of a built-in (tb/perf/devices/NAME.toml) or a TOML path; throws flexllm::Error.
DeviceProfile load_device_profile(const std::string& name_or_path);
FpgaDevice load_fpga_device(const std::string& name_or_path);
GpuDevice load_gpu_device(const std::string& name_or_path);
std::vector<std::string> builtin_device_names();
// The embedded text of a built-in profile (empty when unknown): tests check every constant
// carries a source comment.
std::string builtin_device_text(const std::string& name);

}  // namespace flexllm::perf
