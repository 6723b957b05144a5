// Architecture config parsing, validation and hashing.
#include "hls_src/arch_config.h"

#include <fmt/format.h>

#include "golden/config_io.h"
#include "golden/error.h"

namespace flexllm::embedded {
const std::vector<std::pair<std::string_view, std::string_view>>& arch_configs();
}

namespace flexllm::kern {

namespace {

int get_pos(TomlReader& r, std::string_view key, int fallback) {
    return static_cast<int>(r.get_int_in(key, 1, 1 << 24, fallback));
}

MemChannelParams parse_mem(TomlReader r, MemChannelParams d) {
    MemChannelParams m;
    m.channels = get_pos(r, "channels", d.channels);
    m.bytes_per_cycle = get_pos(r, "bytes_per_cycle", d.bytes_per_cycle);
    m.latency_cycles =
        static_cast<int>(r.get_int_in("latency_cycles", 0, 1 << 24, d.latency_cycles));
    m.efficiency = r.get_fraction("efficiency", d.efficiency);
    r.finish();
    return m;
}

std::string mem_toml(const std::string& table, const MemChannelParams& m) {
    return fmt::format(
        "\n[{}]\nchannels = {}\nbytes_per_cycle = {}\nlatency_cycles = {}\nefficiency = {:.17g}\n",
        table, m.channels, m.bytes_per_cycle, m.latency_cycles, m.efficiency);
}

}  // namespace

void validate(const ArchParams& p) {
    auto fail = [&](const std::string& why) {
        throw Error(fmt::format("arch '{}': {}", p.name, why));
    };
    if (!(p.clock_mhz > 0)) fail("clock_mhz must be positive");
    if (p.prefill.ffn_wp % p.prefill.ffn_blocks != 0)
        fail(fmt::format("prefill.ffn_blocks ({}) does not divide prefill.ffn_wp ({})",
                         p.prefill.ffn_blocks, p.prefill.ffn_wp));
}

ArchParams parse_arch_config(const std::string& toml_text, const std::string& origin) {
    toml::table tbl = parse_toml(toml_text, origin);
    TomlReader r(tbl, origin);
    ArchParams p;
    const ArchParams d;
    p.name = r.get_string("name");
    p.device = r.get_string("device", "u280");
    p.clock_mhz = r.get_double("clock_mhz", d.clock_mhz);
    {
        TomlReader s = r.sub("prefill");
        auto& q = p.prefill;
        q.tp = get_pos(s, "tp", d.prefill.tp);
        q.kq_wp = get_pos(s, "kq_wp", d.prefill.kq_wp);
        q.vo_wp = get_pos(s, "vo_wp", d.prefill.vo_wp);
        q.ffn_wp = get_pos(s, "ffn_wp", d.prefill.ffn_wp);
        q.ffn_blocks = get_pos(s, "ffn_blocks", d.prefill.ffn_blocks);
        q.attn_tp = get_pos(s, "attn_tp", d.prefill.attn_tp);
        q.attn_kv = get_pos(s, "attn_kv", d.prefill.attn_kv);
        q.lanes = get_pos(s, "lanes", d.prefill.lanes);
        s.finish();
    }
    {
        TomlReader s = r.sub("decode");
        auto& q = p.decode;
        q.bp = get_pos(s, "bp", d.decode.bp);
        q.wp = get_pos(s, "wp", d.decode.wp);
        q.heads_parallel = get_pos(s, "heads_parallel", d.decode.heads_parallel);
        q.kv_parallel = get_pos(s, "kv_parallel", d.decode.kv_parallel);
        q.lanes = get_pos(s, "lanes", d.decode.lanes);
        s.finish();
    }
    p.prefill.kq_mem = parse_mem(r.sub("prefill_kq_mem"), d.prefill.kq_mem);
    p.prefill.vo_mem = parse_mem(r.sub("prefill_vo_mem"), d.prefill.vo_mem);
    p.prefill.ffn_mem = parse_mem(r.sub("prefill_ffn_mem"), d.prefill.ffn_mem);
    p.decode.weight_mem = parse_mem(r.sub("decode_weight_mem"), d.decode.weight_mem);
    r.finish();
    validate(p);
    return p;
}

std::string to_toml(const ArchParams& p) {
    const auto& f = p.prefill;
    const auto& c = p.decode;
    return fmt::format(
               "name = \"{}\"\ndevice = \"{}\"\nclock_mhz = {:.17g}\n\n[prefill]\ntp = {}\nkq_wp = "
               "{}\n"
               "vo_wp = {}\nffn_wp = {}\nffn_blocks = {}\nattn_tp = {}\nattn_kv = {}\nlanes = "
               "{}\n\n"
               "[decode]\nbp = {}\nwp = {}\nheads_parallel = {}\nkv_parallel = {}\nlanes = {}\n",
               p.name, p.device, p.clock_mhz, f.tp, f.kq_wp, f.vo_wp, f.ffn_wp, f.ffn_blocks,
               f.attn_tp, f.attn_kv, f.lanes, c.bp, c.wp, c.heads_parallel, c.kv_parallel,
               c.lanes) +
           mem_toml("prefill_kq_mem", f.kq_mem) + mem_toml("prefill_vo_mem", f.vo_mem) +
           mem_toml("prefill_ffn_mem", f.ffn_mem) + mem_toml("decode_weight_mem", c.weight_mem);
}

uint64_t params_hash(const ArchParams& p) {
    uint64_t h = 1469598103934665603ull;
    for (unsigned char ch : to_toml(p)) {
        h ^= ch;
        h *= 1099511628211ull;
    }
    return h;
}

ArchParams load_arch_config(const std::string& name_or_path) {
    auto [origin, text] = resolve_config_text("arch", name_or_path, embedded::arch_configs());
    return parse_arch_config(text, origin);
}

std::vector<std::string> builtin_arch_names() {
    std::vector<std::string> names;
    for (const auto& [name, text] : embedded::arch_configs()) names.emplace_back(name);
    return names;
}

}  // namespace flexllm::kern
