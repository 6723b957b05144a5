// Architecture config parsing, validation and hashing.
#include "hls_src/arch_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <mutex>

#include "golden/config_io.h"
#include "golden/error.h"

namespace flexllm::embedded {
const std::vector<std::pair<std::string_view, std::string_view>>& arch_configs();
}

namespace flexllm::kern {

namespace {

// Every ArchParams field once: its TOML table ("" = top level), key, kind, bounds and member.
// parse_arch_config, to_toml and params_hash all walk this table, so a field added to params.h
// and here is parsed, written and hashed alike (and one missing here is neither).
struct Field {
    enum Kind { kString, kOptString, kDouble, kFraction, kInt };
    std::string table, key;
    Kind kind;
    int64_t lo = 0, hi = 0;  // kInt bounds
    std::function<std::string&(ArchParams&)> str;
    std::function<double&(ArchParams&)> num;
    std::function<int&(ArchParams&)> integer;
};

constexpr int64_t kMaxSize = 1 << 24;

const std::vector<Field>& fields() {
    static const std::vector<Field> table = [] {
        using F = Field;
        std::vector<Field> v;
        auto add_int = [&](std::string t, std::string k, int64_t lo, auto ref) {
            v.push_back({std::move(t), std::move(k), F::kInt, lo, kMaxSize, {}, {}, ref});
        };
        v.push_back(
            {"", "name", F::kString, 0, 0, [](ArchParams& p) -> std::string& { return p.name; }});
        v.push_back({"", "device", F::kOptString, 0, 0,
                     [](ArchParams& p) -> std::string& { return p.device; }});
        v.push_back({"", "clock_mhz", F::kDouble, 0, 0, {}, [](ArchParams& p) -> double& {
                         return p.clock_mhz;
                     }});
        add_int("prefill", "tp", 1, [](ArchParams& p) -> int& { return p.prefill.tp; });
        add_int("prefill", "kq_wp", 1, [](ArchParams& p) -> int& { return p.prefill.kq_wp; });
        add_int("prefill", "vo_wp", 1, [](ArchParams& p) -> int& { return p.prefill.vo_wp; });
        add_int("prefill", "ffn_wp", 1, [](ArchParams& p) -> int& { return p.prefill.ffn_wp; });
        add_int("prefill", "ffn_blocks", 1,
                [](ArchParams& p) -> int& { return p.prefill.ffn_blocks; });
        add_int("prefill", "attn_tp", 1, [](ArchParams& p) -> int& { return p.prefill.attn_tp; });
        add_int("prefill", "attn_kv", 1, [](ArchParams& p) -> int& { return p.prefill.attn_kv; });
        add_int("prefill", "lanes", 1, [](ArchParams& p) -> int& { return p.prefill.lanes; });
        add_int("decode", "bp", 1, [](ArchParams& p) -> int& { return p.decode.bp; });
        add_int("decode", "wp", 1, [](ArchParams& p) -> int& { return p.decode.wp; });
        add_int("decode", "heads_parallel", 1,
                [](ArchParams& p) -> int& { return p.decode.heads_parallel; });
        add_int("decode", "kv_parallel", 1,
                [](ArchParams& p) -> int& { return p.decode.kv_parallel; });
        add_int("decode", "lanes", 1, [](ArchParams& p) -> int& { return p.decode.lanes; });
        using MemRef = MemChannelParams& (*)(ArchParams&);
        const std::pair<const char*, MemRef> mems[] = {
            {"prefill_kq_mem", [](ArchParams& p) -> MemChannelParams& { return p.prefill.kq_mem; }},
            {"prefill_vo_mem", [](ArchParams& p) -> MemChannelParams& { return p.prefill.vo_mem; }},
            {"prefill_ffn_mem",
             [](ArchParams& p) -> MemChannelParams& { return p.prefill.ffn_mem; }},
            {"decode_weight_mem",
             [](ArchParams& p) -> MemChannelParams& { return p.decode.weight_mem; }}};
        for (const auto& tm : mems) {  // no structured binding: clang < 16 cannot capture one
            const char* t = tm.first;
            const MemRef mem = tm.second;
            add_int(t, "channels", 1, [mem](ArchParams& p) -> int& { return mem(p).channels; });
            add_int(t, "bytes_per_cycle", 1,
                    [mem](ArchParams& p) -> int& { return mem(p).bytes_per_cycle; });
            add_int(t, "latency_cycles", 0,
                    [mem](ArchParams& p) -> int& { return mem(p).latency_cycles; });
            v.push_back({t, "efficiency", F::kFraction, 0, 0, {}, [mem](ArchParams& p) -> double& {
                             return mem(p).efficiency;
                         }});
        }
        return v;
    }();
    return table;
}

}  // namespace

void validate(const ArchParams& p) {
    auto fail = [&](const std::string& why) {
        throw Error(fmt::format("arch '{}': {}", p.name, why));
    };
    // The name is part of case ids (<arch>/<phase>/...) and of module names.
    if (p.name.empty() || !std::all_of(p.name.begin(), p.name.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
        }))
        fail("name must be letters, digits, '_' or '-'");
    if (!(p.clock_mhz > 0)) fail("clock_mhz must be positive");
    if (p.prefill.ffn_wp % p.prefill.ffn_blocks != 0)
        fail(fmt::format("prefill.ffn_blocks ({}) does not divide prefill.ffn_wp ({})",
                         p.prefill.ffn_blocks, p.prefill.ffn_wp));
}

ArchParams parse_arch_config(const std::string& toml_text, const std::string& origin) {
    toml::table tbl = parse_toml(toml_text, origin);
    TomlReader top(tbl, origin);
    // The two architectures are the config: a file without one is an error, not the defaults.
    for (const char* section : {"prefill", "decode"})
        if (!top.has(section))
            throw Error(
                fmt::format("{}: no [{}] section (the {} architecture)", origin, section, section));
    std::map<std::string, TomlReader> subs;
    ArchParams p;
    ArchParams d;  // the defaults of params.h
    for (const Field& f : fields()) {
        if (!f.table.empty() && !subs.count(f.table)) subs.emplace(f.table, top.sub(f.table));
        TomlReader& r = f.table.empty() ? top : subs.at(f.table);
        switch (f.kind) {
            case Field::kString:
                f.str(p) = r.get_string(f.key);
                break;
            case Field::kOptString:
                f.str(p) = r.get_string(f.key, f.str(d));
                break;
            case Field::kDouble:
                f.num(p) = r.get_double(f.key, f.num(d));
                break;
            case Field::kFraction:
                f.num(p) = r.get_fraction(f.key, f.num(d));
                break;
            case Field::kInt:
                f.integer(p) = static_cast<int>(r.get_int_in(f.key, f.lo, f.hi, f.integer(d)));
                break;
        }
    }
    for (const auto& [name, r] : subs) r.finish();
    top.finish();
    validate(p);
    return p;
}

std::string to_toml(const ArchParams& params) {
    ArchParams p = params;  // the field table's accessors take a mutable object
    std::string out, table;
    for (const Field& f : fields()) {
        if (f.table != table) {
            out += fmt::format("\n[{}]\n", f.table);
            table = f.table;
        }
        switch (f.kind) {
            case Field::kString:
            case Field::kOptString:
                out += fmt::format("{} = {}\n", f.key, toml_quoted(f.str(p)));
                break;
            case Field::kDouble:
            case Field::kFraction:
                out += fmt::format("{} = {:.17g}\n", f.key, f.num(p));
                break;
            case Field::kInt:
                out += fmt::format("{} = {}\n", f.key, f.integer(p));
                break;
        }
    }
    return out;
}

uint64_t params_hash(const ArchParams& p) {
    uint64_t h = 1469598103934665603ull;
    for (unsigned char ch : to_toml(p)) {
        h ^= ch;
        h *= 1099511628211ull;
    }
    return h;
}

namespace {
// The arch files of register_arch_config, by name (origin, params).
struct Registered {
    std::mutex mu;
    std::map<std::string, std::pair<std::string, ArchParams>> by_name;
};
Registered& registered() {
    static Registered r;
    return r;
}
}  // namespace

ArchParams load_arch_config(const std::string& name_or_path) {
    {
        Registered& r = registered();
        std::lock_guard<std::mutex> lk(r.mu);
        if (const auto it = r.by_name.find(name_or_path); it != r.by_name.end())
            return it->second.second;
    }
    auto [origin, text] = resolve_config_text("arch", name_or_path, embedded::arch_configs());
    return parse_arch_config(text, origin);
}

std::string register_arch_config(const std::string& name_or_path) {
    const ArchParams p = load_arch_config(name_or_path);
    const std::vector<std::string> builtins = builtin_arch_names();
    if (std::find(builtins.begin(), builtins.end(), name_or_path) != builtins.end())
        return name_or_path;
    if (std::find(builtins.begin(), builtins.end(), p.name) != builtins.end() &&
        params_hash(load_arch_config(p.name)) != params_hash(p))
        throw Error(fmt::format("{} is named '{}' like a built-in config but differs from it",
                                name_or_path, p.name),
                    "give it its own name (name = \"...\")");
    Registered& r = registered();
    std::lock_guard<std::mutex> lk(r.mu);
    const auto [it, added] = r.by_name.try_emplace(p.name, name_or_path, p);
    if (!added && params_hash(it->second.second) != params_hash(p))
        throw Error(fmt::format("{} and {} are both named '{}' but differ", it->second.first,
                                name_or_path, p.name),
                    "give each config its own name");
    return p.name;
}

std::vector<std::string> builtin_arch_names() {
    std::vector<std::string> names;
    for (const auto& [name, text] : embedded::arch_configs()) names.emplace_back(name);
    return names;
}

}  // namespace flexllm::kern
