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

FpgaDevice parse_fpga(TomlReader& r, DeviceProfile& p) {
    FpgaDevice d;
    d.name = p.name;
    d.description = r.get_string("description", p.name);
    {
        TomlReader s = r.sub("resources");
        d.dsp = static_cast<int>(s.get_int_in("dsp", 1, 1 << 24));
        d.bram36 = s.get_int_in("bram36", 0, 1 << 24, 0);
        d.uram = s.get_int_in("uram", 0, 1 << 24, 0);
        d.max_utilization = s.get_fraction("max_utilization");
        // Signed inputs: a sign bit and at least one magnitude bit (dsps_for_mult divides by the
        // magnitude width).
        d.dsp_a_bits = static_cast<int>(s.get_int_in("dsp_a_bits", 2, 1 << 24));
        d.dsp_b_bits = static_cast<int>(s.get_int_in("dsp_b_bits", 2, 1 << 24));
        d.int4_macs_per_dsp = static_cast<int>(s.get_int_in("int4_macs_per_dsp", 1, 1 << 24));
        d.int8_macs_per_dsp = static_cast<int>(s.get_int_in("int8_macs_per_dsp", 1, 1 << 24));
        d.target_clock_mhz = s.get_positive("target_clock_mhz");
        s.finish();
    }
    {
        TomlReader s = r.sub("memory");
        d.memory_type = s.get_string("type");
        d.channels = static_cast<int>(s.get_int_in("channels", 1, 1 << 24));
        d.channel_gbps = s.get_positive("channel_gbps");
        d.channel_capacity_mib = s.get_positive("channel_capacity_mib");
        s.finish();
    }
    {
        TomlReader s = r.sub("power");
        d.static_w = s.get_positive("static_w");
        d.pj_per_int4_mac = s.get_non_negative("pj_per_int4_mac", 0);
        d.pj_per_int8_mac = s.get_non_negative("pj_per_int8_mac", 0);
        d.pj_per_vector_op = s.get_non_negative("pj_per_vector_op", 0);
        d.pj_per_mem_bit = s.get_non_negative("pj_per_mem_bit", 0);
        d.kernel_launch_us = s.get_non_negative("kernel_launch_us", 0);
        s.finish();
    }
    if (r.has("published_vs_a100")) {
        TomlReader s = r.sub("published_vs_a100");
        d.published_vs_a100 =
            PublishedRatios{s.get_positive("end_to_end"), s.get_positive("decode"),
                            s.get_positive("energy_efficiency")};
        s.finish();
    }
    if (r.has("published_hmt")) {
        TomlReader s = r.sub("published_hmt");
        d.published_hmt =
            PublishedHmt{s.get_positive("prefill_speedup"), s.get_positive("context_extension")};
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
        g.peak_tflops = s.get_positive("peak_tflops");
        g.mem_gbs = s.get_positive("mem_gbs");
        g.capacity_gib = s.get_positive("capacity_gib");
        g.gemm_efficiency = s.get_fraction("gemm_efficiency");
        g.attention_efficiency = s.get_fraction("attention_efficiency");
        g.memory_efficiency = s.get_fraction("memory_efficiency");
        g.bytes_per_param = s.get_positive("bytes_per_param");
        g.kv_bytes = s.get_positive("kv_bytes");
        g.act_bytes = s.get_positive("act_bytes");
        s.finish();
    }
    {
        TomlReader s = r.sub("overhead");
        g.op_launch_us = s.get_non_negative("op_launch_us", 0);
        g.op_gap_us = s.get_non_negative("op_gap_us", 0);
        g.ops_per_layer = static_cast<int>(s.get_int_in("ops_per_layer", 0, 1 << 24, 0));
        g.ops_per_forward = static_cast<int>(s.get_int_in("ops_per_forward", 0, 1 << 24, 0));
        g.step_overhead_us = s.get_non_negative("step_overhead_us", 0);
        s.finish();
    }
    {
        TomlReader s = r.sub("power");
        g.idle_w = s.get_positive("idle_w");
        g.busy_w = s.get_positive("busy_w");
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
