// A case's bench and the C-sim engine on it: what needs the registry and the generator's port
// specs but no Verilated model (the C-sim tests link this without the RTL).
#include <fmt/format.h>

#include <map>
#include <mutex>

#include "hls_src/arch_config.h"
#include "tb/cases.h"
#include "tb/csim_engine.h"

namespace flexllm::tb {

const rtlgen::Module& variant_module(const kern::ArchParams& arch, const std::string& variant,
                                     const kern::ModelBounds& bounds) {
    static std::mutex mu;
    static std::map<std::string, rtlgen::Module> cache;
    const std::string key =
        fmt::format("{:016x}/{}/{}/{}/{}/{}", kern::params_hash(arch), variant, bounds.d_max,
                    bounds.head_dim, bounds.kv_dim, bounds.positions);
    std::lock_guard<std::mutex> lk(mu);
    auto it = cache.find(key);
    if (it == cache.end())
        it = cache.emplace(key, rtlgen::generate_variant(arch, bounds, variant)).first;
    return it->second;
}

CaseContext case_context(const CaseSpec& c, const kern::ArchParams& arch,
                         const golden::ModelConfig& m) {
    const kern::ModelBounds b = kern::model_bounds(m);
    return {c, arch, m, b, variant_module(arch, find_kernel(c.stage).variant(c), b)};
}

CaseBench build_bench(const CaseSpec& c, const kern::ArchParams& arch, const golden::ModelConfig& m,
                      const StageData& d) {
    return find_kernel(c.stage).bench(case_context(c, arch, m), d);
}

std::optional<RunResult> csim_case(const CaseSpec& c, const kern::ArchParams& arch,
                                   const golden::ModelConfig& m, const CaseBench& b) {
    return run_csim(find_kernel(c.stage), case_context(c, arch, m), b);
}

}  // namespace flexllm::tb
