// Device profile parsing and validation.
#include "tb/perf/device.h"

#include <fmt/format.h>

#include <algorithm>

#include "golden/config_io.h"
#include "golden/error.h"

namespace flexllm::embedded {
const std::vector<std::pair<std::string_view, std::string_view>>& device_profiles();
}

namespace flexllm::perf {

namespace {

double positive(TomlReader& r, std::string_view key) {
    const double v = r.get_double(key);
    if (!(v > 0)) throw Error(r.where(key) + " must be positive");
    return v;
}
double non_negative(TomlReader& r, std::string_view key, double fallback) {
    const double v = r.get_double(key, fallback);
    if (!(v >= 0)) throw Error(r.where(key) + " must be >= 0");
    return v;
}
int positive_int(TomlReader& r, std::string_view key) {
    const int64_t v = r.get_int(key);
    if (v <= 0 || v > (1 << 24)) throw Error(r.where(key) + " must be in 1..2^24");
    return static_cast<int>(v);
}
double fraction(TomlReader& r, std::string_view key) {
    const double v = r.get_double(key);
    if (!(v > 0 && v <= 1)) throw Error(r.where(key) + " must be in (0, 1]");
    return v;
}

FpgaDevice parse_fpga(TomlReader& r, DeviceProfile& p) {
    FpgaDevice d;
    d.name = p.name;
    d.description = r.get_string("description", p.name);
    {
        TomlReader s = r.sub("resources");
        d.dsp = positive_int(s, "dsp");
        d.bram36 = static_cast<int64_t>(non_negative(s, "bram36", 0));
        d.uram = static_cast<int64_t>(non_negative(s, "uram", 0));
        d.max_utilization = fraction(s, "max_utilization");
        d.dsp_a_bits = positive_int(s, "dsp_a_bits");
        d.dsp_b_bits = positive_int(s, "dsp_b_bits");
        d.int4_macs_per_dsp = positive_int(s, "int4_macs_per_dsp");
        d.int8_macs_per_dsp = positive_int(s, "int8_macs_per_dsp");
        d.target_clock_mhz = positive(s, "target_clock_mhz");
        s.finish();
    }
    {
        TomlReader s = r.sub("memory");
        d.memory_type = s.get_string("type");
        d.channels = positive_int(s, "channels");
        d.channel_gbps = positive(s, "channel_gbps");
        d.channel_capacity_mib = positive(s, "channel_capacity_mib");
        s.finish();
    }
    {
        TomlReader s = r.sub("power");
        d.static_w = positive(s, "static_w");
        d.pj_per_int4_mac = non_negative(s, "pj_per_int4_mac", 0);
        d.pj_per_int8_mac = non_negative(s, "pj_per_int8_mac", 0);
        d.pj_per_vector_op = non_negative(s, "pj_per_vector_op", 0);
        d.pj_per_mem_bit = non_negative(s, "pj_per_mem_bit", 0);
        d.kernel_launch_us = non_negative(s, "kernel_launch_us", 0);
        s.finish();
    }
    if (r.has("published_vs_a100")) {
        TomlReader s = r.sub("published_vs_a100");
        d.published_vs_a100 = PublishedRatios{positive(s, "end_to_end"), positive(s, "decode"),
                                              positive(s, "energy_efficiency")};
        s.finish();
    }
    if (r.has("published_hmt")) {
        TomlReader s = r.sub("published_hmt");
        d.published_hmt =
            PublishedHmt{positive(s, "prefill_speedup"), positive(s, "context_extension")};
        s.finish();
    }
    return d;
}

GpuDevice parse_gpu(TomlReader& r, DeviceProfile& p) {
    GpuDevice g;
    g.name = p.name;
    g.description = r.get_string("description", p.name);
    {
        TomlReader s = r.sub("roofline");
        g.peak_tflops = positive(s, "peak_tflops");
        g.mem_gbs = positive(s, "mem_gbs");
        g.capacity_gib = positive(s, "capacity_gib");
        g.gemm_efficiency = fraction(s, "gemm_efficiency");
        g.attention_efficiency = fraction(s, "attention_efficiency");
        g.memory_efficiency = fraction(s, "memory_efficiency");
        g.bytes_per_param = positive(s, "bytes_per_param");
        g.kv_bytes = positive(s, "kv_bytes");
        g.act_bytes = positive(s, "act_bytes");
        s.finish();
    }
    {
        TomlReader s = r.sub("overhead");
        g.op_launch_us = non_negative(s, "op_launch_us", 0);
        g.op_gap_us = non_negative(s, "op_gap_us", 0);
        g.ops_per_layer = static_cast<int>(non_negative(s, "ops_per_layer", 0));
        g.ops_per_forward = static_cast<int>(non_negative(s, "ops_per_forward", 0));
        g.step_overhead_us = non_negative(s, "step_overhead_us", 0);
        s.finish();
    }
    {
        TomlReader s = r.sub("power");
        g.idle_w = positive(s, "idle_w");
        g.busy_w = positive(s, "busy_w");
        if (g.busy_w < g.idle_w) throw Error(s.where("busy_w") + " must be >= idle_w");
        s.finish();
    }
    return g;
}

}  // namespace

int FpgaDevice::dsps_for_mult(int a_bits, int b_bits) const {
    // Signed operands: each DSP input carries one sign bit, so a tile covers (width - 1) bits of
    // magnitude; the wider operand goes on the wider port.
    const int wa = std::max(a_bits, b_bits), wb = std::min(a_bits, b_bits);
    const int pa = std::max(dsp_a_bits, dsp_b_bits) - 1, pb = std::min(dsp_a_bits, dsp_b_bits) - 1;
    return ((wa - 1 + pa - 1) / pa) * ((wb - 1 + pb - 1) / pb);
}

DeviceProfile parse_device_profile(const std::string& toml_text, const std::string& origin) {
    toml::table tbl = parse_toml(toml_text, origin);
    TomlReader r(tbl, origin);
    DeviceProfile p;
    p.name = r.get_string("name");
    const std::string kind = r.get_string("kind");
    if (kind == "fpga") {
        p.kind = DeviceProfile::Kind::kFpga;
        p.fpga = parse_fpga(r, p);
    } else if (kind == "gpu") {
        p.kind = DeviceProfile::Kind::kGpu;
        p.gpu = parse_gpu(r, p);
    } else {
        throw Error(r.where("kind") + " must be \"fpga\" or \"gpu\" (got \"" + kind + "\")");
    }
    r.finish();
    return p;
}

DeviceProfile load_device_profile(const std::string& name_or_path) {
    auto [origin, text] = resolve_config_text("device", name_or_path, embedded::device_profiles());
    return parse_device_profile(text, origin);
}

FpgaDevice load_fpga_device(const std::string& name_or_path) {
    DeviceProfile p = load_device_profile(name_or_path);
    if (p.kind != DeviceProfile::Kind::kFpga)
        throw Error(fmt::format("device '{}' is a GPU profile, an FPGA device is needed", p.name),
                    "the FPGA comes from the arch config's device or --device");
    return p.fpga;
}

GpuDevice load_gpu_device(const std::string& name_or_path) {
    DeviceProfile p = load_device_profile(name_or_path);
    if (p.kind != DeviceProfile::Kind::kGpu)
        throw Error(
            fmt::format("device '{}' is an FPGA profile, --baseline needs a GPU profile", p.name));
    return p.gpu;
}

std::vector<std::string> builtin_device_names() {
    std::vector<std::string> names;
    for (const auto& [name, text] : embedded::device_profiles()) names.emplace_back(name);
    return names;
}

std::string builtin_device_text(const std::string& name) {
    for (const auto& [n, text] : embedded::device_profiles())
        if (n == name) return std::string(text);
    return {};
}

}  // namespace flexllm::perf
