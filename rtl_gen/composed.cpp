// The composed tops (rtl_gen/composed.h).
#include "rtl_gen/composed.h"

#include <fmt/format.h>

#include <utility>
#include <vector>

#include "golden/error.h"
#include "rtl_gen/kernel_list.h"
#include "rtl_gen/netlist.h"

namespace flexllm::rtlgen {

namespace {
// A top's wiring: internal connections (from -> to) and taps (internal output -> tap port).
struct Wiring {
    std::vector<std::pair<std::string, std::string>> links, taps;
};

// The top <variant>_<arch>[_fault_<kind>] of `stages` wired by `w`: the stages' modules, the one
// of `fault`'s variant mutated (an Error when no stage has that variant).
ComposedTop compose(const kern::ArchParams& arch, const kern::ModelBounds& bounds,
                    const std::string& kernel, const std::string& variant,
                    const std::string& purpose, std::vector<ComposedStage> stages, const Wiring& w,
                    const std::string& fault) {
    std::string name = variant + "_" + ident(arch.name);
    if (!fault.empty()) name += "_fault_" + ident(fault);
    const std::string mutated = fault.empty() ? "" : fault_variant(fault).variant;
    bool used = fault.empty();
    ComposedTop t;
    t.stages = std::move(stages);
    Netlist n(kernel, variant, name, purpose);
    for (const auto& s : t.stages) {
        const bool here = s.variant == mutated;
        used = used || here;
        t.stage_modules.push_back(generate_variant(arch, bounds, s.variant, here ? fault : ""));
        n.instance(s.inst, t.stage_modules.back());
    }
    if (!used)
        throw Error(fmt::format("fault kind '{}' mutates {}, which {} does not instantiate", fault,
                                mutated, name));
    for (const auto& [from, to] : w.links) n.connect(from, to);
    for (const auto& [from, port] : w.taps) n.tap(from, port);
    t.module = n.build();
    t.module.fault = fault;
    return t;
}
}  // namespace

ComposedTop ffn_act_top(const kern::ArchParams& arch, const kern::ModelBounds& bounds,
                        kern::Phase phase, const std::string& fault) {
    const std::string ph(kern::phase_name(phase));
    return compose(
        arch, bounds, "ffn_act", "ffn_act_" + ph,
        "The FFN activation path into down_proj: swiglu -> fht (R4) -> quant_token.",
        {{"swiglu", "swiglu_" + ph, "ffn"},
         {"fht", "fht_" + ph, "ffn"},
         {"quant", "quant_token_" + ph, "down"}},
        {{{"swiglu.m_axis_h", "fht.s_axis_x"}, {"fht.m_axis_y", "quant.s_axis_x"}},
         {{"swiglu.m_axis_h", "m_axis_tap_swiglu_h"}, {"fht.m_axis_y", "m_axis_tap_fht_y"}}},
        fault);
}

ComposedTop attn_in_top(const kern::ArchParams& arch, const kern::ModelBounds& bounds,
                        kern::Phase phase, const std::string& role, const std::string& fault) {
    const kern::LinearRole r = kern::parse_role(role);
    if (r != kern::LinearRole::kQ && r != kern::LinearRole::kK && r != kern::LinearRole::kV)
        throw Error(
            fmt::format("attn_in: role '{}' is not a projection of the attention input "
                        "(q, k or v)",
                        role));
    const std::string ph(kern::phase_name(phase));
    const std::string engine = phase == kern::Phase::kDecode
                                   ? ""
                                   : std::string(kern::engine_name(kern::prefill_engine_of(r)));
    const std::string base = engine.empty() ? "attn_in_decode" : "attn_in_prefill_" + engine;
    const std::string linear = engine.empty() ? "linear_decode" : "linear_prefill_" + engine;
    return compose(arch, bounds, "attn_in", base,
                   "The attention input path: rmsnorm (attn_norm) -> quant_token -> a projection.",
                   {{"norm", "rmsnorm_" + ph, "attn"},
                    {"quant", "quant_token_" + ph, role},
                    {"proj", linear, role}},
                   {{{"norm.m_axis_y", "quant.s_axis_x"},
                     {"quant.m_axis_q", "proj.s_axis_act"},
                     {"quant.m_axis_zr", "proj.s_axis_zr"}},
                    {{"norm.m_axis_y", "m_axis_tap_norm_y"},
                     {"quant.m_axis_q", "m_axis_tap_quant_q"},
                     {"quant.m_axis_zr", "m_axis_tap_quant_zr"}}},
                   fault);
}

}  // namespace flexllm::rtlgen
