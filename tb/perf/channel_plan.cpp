// Channel placement, capacity check and the design validation rules.
#include "tb/perf/channel_plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "golden/error.h"
#include "hls_src/arch_config.h"
#include "tb/perf/stage_model.h"

namespace flexllm::perf {

namespace {

constexpr double kMiB = 1024.0 * 1024.0;

bool divides_either(int a, int b) { return a % b == 0 || b % a == 0; }

}  // namespace

Design load_design(const golden::ModelConfig& model, const std::string& arch,
                   const std::string& device, const PerfOptions& options) {
    Design d;
    d.model = model;
    d.arch = kern::load_arch_config(arch);
    d.device = load_fpga_device(device.empty() ? d.arch.device : device);
    d.options = options;
    return d;
}

Design load_design(const std::string& model, const std::string& arch) {
    return load_design(golden::load_model_config(model), arch);
}

void validate_design(const Design& d) {
    kern::validate(d.arch);
    d.model.validate();
    const auto& a = d.arch;
    const auto& m = d.model;
    auto fail = [&](const std::string& why, const std::string& hint = {}) {
        throw Error(fmt::format("arch '{}' with model '{}': {}", a.name, m.name, why), hint);
    };
    if (d.options.ffn_engines != 1 && d.options.ffn_engines != 3)
        fail(fmt::format("ffn_engines must be 1 or 3 (got {})", d.options.ffn_engines));
    if (!divides_either(a.decode.bp, a.decode.weight_mem.channels))
        fail(
            fmt::format("decode.bp ({}) and decode_weight_mem.channels ({}) must divide one "
                        "another (each lane streams from its own share of the channels)",
                        a.decode.bp, a.decode.weight_mem.channels));
    if (!divides_either(a.prefill.ffn_blocks, a.prefill.ffn_mem.channels))
        fail(
            fmt::format("prefill.ffn_blocks ({}) and prefill_ffn_mem.channels ({}) must divide "
                        "one another (one channel group per block)",
                        a.prefill.ffn_blocks, a.prefill.ffn_mem.channels));
    if (!divides_either(a.decode.heads_parallel, m.group()))
        fail(
            fmt::format("decode.heads_parallel ({}) and the GQA group ({} query heads per KV "
                        "head) must divide one another",
                        a.decode.heads_parallel, m.group()));
    // The quantizer and the decode GEMV take `lanes` elements of a token per beat
    // (hls_src/kernel_params.h): lanes must divide every linear input length.
    for (int din : {m.hidden, m.q_dim(), m.intermediate})
        if (din % a.decode.lanes != 0)
            fail(fmt::format("decode.lanes ({}) does not divide the layer input length {}",
                             a.decode.lanes, din),
                 "choose decode.lanes dividing hidden and intermediate");
    if (!(a.clock_mhz > 0)) fail("clock_mhz must be positive");
}

void validate_workload(const Design& d, const Workload& w) {
    if (w.prompt_len < 1)
        throw Error(fmt::format("prompt-len must be >= 1 (got {})", w.prompt_len));
    if (w.gen_len < 1) throw Error(fmt::format("gen-len must be >= 1 (got {})", w.gen_len));
    const int64_t total = int64_t{w.prompt_len} + w.gen_len;
    if (total > d.model.max_positions)
        throw Error(
            fmt::format("prompt-len + gen-len ({} + {} = {}) exceeds the {} max positions "
                        "of model '{}'",
                        w.prompt_len, w.gen_len, total, d.model.max_positions, d.model.name));
}

int64_t ChannelGroup::bytes() const {
    int64_t b = 0;
    for (const auto& t : tensors) b += t.bytes;
    return b;
}

const ChannelGroup& ChannelPlan::group(const std::string& name) const {
    for (const auto& g : groups)
        if (g.name == name) return g;
    throw Error("internal: no channel group '" + name + "'");
}

kern::MemChannelParams effective_mem(const kern::MemChannelParams& m, const FpgaDevice& dev,
                                     double clock_mhz) {
    kern::MemChannelParams e = m;
    // GB/s -> bytes per cycle: 1e9 B/s / (clock_mhz * 1e6 cycles/s).
    const double peak = dev.channel_gbps * 1000.0 / clock_mhz;
    if (e.bytes_per_cycle > peak) e.bytes_per_cycle = std::max(1, static_cast<int>(peak));
    return e;
}

int64_t padded_weight_bytes(int64_t d_in, int64_t d_out, int64_t cols) {
    const int64_t d_pad = (d_out + cols - 1) / cols * cols;
    return d_pad * d_in / 2 + d_pad * kChannelParamBytes;
}

ChannelPlan plan_channels(const Design& d, int64_t kv_tokens) {
    const auto& m = d.model;
    const auto& a = d.arch;
    const auto& dev = d.device;
    const int64_t H = m.hidden, Q = m.q_dim(), KV = m.kv_dim(), F = m.intermediate, L = m.layers;
    ChannelPlan plan;
    plan.capacity_mib = dev.channel_capacity_mib;
    plan.bytes_per_channel.assign(dev.channels, 0);

    auto add_group = [&](const std::string& name,
                         const kern::MemChannelParams& mem) -> ChannelGroup& {
        ChannelGroup g;
        g.name = name;
        g.count = mem.channels;
        g.effective = effective_mem(mem, dev, a.clock_mhz);
        plan.groups.push_back(std::move(g));
        return plan.groups.back();
    };

    // Decode: every linear of every layer padded to BP*WP columns, the LM head (tied with the
    // embedding table), and the int8 KV cache.
    {
        const int64_t cols = int64_t{a.decode.bp} * a.decode.wp;
        ChannelGroup& g = add_group("decode", a.decode.weight_mem);
        int64_t w = 0;
        if (d.options.fuse_decode_projections)
            w = padded_weight_bytes(H, Q + 2 * KV, cols) + padded_weight_bytes(H, 2 * F, cols);
        else
            w = padded_weight_bytes(H, Q, cols) + 2 * padded_weight_bytes(H, KV, cols) +
                2 * padded_weight_bytes(H, F, cols);
        w += padded_weight_bytes(Q, H, cols) + padded_weight_bytes(F, H, cols);
        g.tensors.push_back({"layer weights (int4, all layers)", w * L});
        g.tensors.push_back({"LM head / embedding (int4)", padded_weight_bytes(H, m.vocab, cols)});
        g.tensors.push_back({"KV cache (int8)", kv_tokens * 2 * KV * kKvBytes * L});
    }
    // Prefill engines: weights padded to each engine's columns.
    {
        ChannelGroup& kq = add_group("prefill.kq", a.prefill.kq_mem);
        kq.tensors.push_back(
            {"K, Q weights (int4, all layers)", L * (padded_weight_bytes(H, KV, a.prefill.kq_wp) +
                                                     padded_weight_bytes(H, Q, a.prefill.kq_wp))});
        ChannelGroup& vo = add_group("prefill.vo", a.prefill.vo_mem);
        vo.tensors.push_back(
            {"V, O weights (int4, all layers)", L * (padded_weight_bytes(H, KV, a.prefill.vo_wp) +
                                                     padded_weight_bytes(Q, H, a.prefill.vo_wp))});
        const int64_t fw = a.prefill.ffn_wp;
        if (d.options.ffn_engines == 3) {
            add_group("prefill.gate", a.prefill.ffn_mem)
                .tensors.push_back(
                    {"gate weights (int4, all layers)", L * padded_weight_bytes(H, F, fw)});
            add_group("prefill.up", a.prefill.ffn_mem)
                .tensors.push_back(
                    {"up weights (int4, all layers)", L * padded_weight_bytes(H, F, fw)});
            add_group("prefill.down", a.prefill.ffn_mem)
                .tensors.push_back(
                    {"down weights (int4, all layers)", L * padded_weight_bytes(F, H, fw)});
        } else {
            add_group("prefill.ffn", a.prefill.ffn_mem)
                .tensors.push_back(
                    {"gate, up, down weights (int4, all layers)",
                     L * (2 * padded_weight_bytes(H, F, fw) + padded_weight_bytes(F, H, fw))});
        }
    }

    // Channel numbers: decode first; the prefill groups (concurrent, so disjoint among
    // themselves) after it when they fit, else over the decode channels.
    const int n = dev.channels;
    const int decode_count = plan.groups[0].count;
    int prefill_count = 0;
    for (size_t i = 1; i < plan.groups.size(); ++i) prefill_count += plan.groups[i].count;
    if (decode_count > n)
        throw Error(
            fmt::format("arch '{}': decode_weight_mem needs {} channels, device '{}' has {}",
                        a.name, decode_count, dev.name, n));
    if (prefill_count > n)
        throw Error(
            fmt::format("arch '{}': the prefill engines need {} channels together, device "
                        "'{}' has {}",
                        a.name, prefill_count, dev.name, n));
    plan.prefill_overlays_decode = decode_count + prefill_count > n;
    int next = plan.prefill_overlays_decode ? 0 : decode_count;
    for (size_t i = 0; i < plan.groups.size(); ++i) {
        ChannelGroup& g = plan.groups[i];
        if (i == 0) {
            g.first = 0;
        } else {
            g.first = next;
            next += g.count;
        }
        const int64_t per = (g.bytes() + g.count - 1) / g.count;
        for (int c = g.first; c < g.first + g.count; ++c) plan.bytes_per_channel[c] += per;
    }
    for (int c = 0; c < n; ++c) {
        const double mib = plan.bytes_per_channel[c] / kMiB;
        if (mib > dev.channel_capacity_mib)
            throw Error(fmt::format("arch '{}' on device '{}': channel {} would hold {:.1f} MiB, "
                                    "more than its {:.0f} MiB",
                                    a.name, dev.name, c, mib, dev.channel_capacity_mib),
                        "shorter context or more channels for the decode group");
    }
    return plan;
}

}  // namespace flexllm::perf
