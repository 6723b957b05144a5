// The composed tops (rtl_gen/composed.h).
#include "rtl_gen/composed.h"

#include <fmt/format.h>

#include "golden/error.h"
#include "rtl_gen/kernel_list.h"
#include "rtl_gen/netlist.h"

namespace flexllm::rtlgen {

namespace {
// The stages' modules, the one of `fault`'s variant mutated; Error when no stage has that variant.
std::vector<Module> stage_modules(const kern::ArchParams& arch, const kern::ModelBounds& bounds,
                                  const std::vector<ComposedStage>& stages,
                                  const std::string& fault, const std::string& top) {
    const std::string mutated = fault.empty() ? "" : fault_variant(fault).variant;
    bool used = fault.empty();
    std::vector<Module> mods;
    for (const auto& s : stages) {
        const bool here = s.variant == mutated;
        used = used || here;
        mods.push_back(generate_variant(arch, bounds, s.variant, here ? fault : ""));
    }
    if (!used)
        throw Error(fmt::format("fault kind '{}' mutates {}, which {} does not instantiate", fault,
                                mutated, top));
    return mods;
}
}  // namespace

ComposedTop ffn_act_top(const kern::ArchParams& arch, const kern::ModelBounds& bounds,
                        kern::Phase phase, const std::string& fault) {
    const std::string ph(kern::phase_name(phase));
    ComposedTop t;
    t.stages = {{"swiglu", "swiglu_" + ph, "ffn"},
                {"fht", "fht_" + ph, "ffn"},
                {"quant", "quant_token_" + ph, "down"}};
    std::string name = "ffn_act_" + ph + "_" + ident(arch.name);
    if (!fault.empty()) name += "_fault_" + ident(fault);
    const auto mods = stage_modules(arch, bounds, t.stages, fault, name);
    Netlist n("ffn_act", "ffn_act_" + ph, name,
              "The FFN activation path into down_proj: swiglu -> fht (R4) -> quant_token.");
    for (size_t i = 0; i < mods.size(); ++i) n.instance(t.stages[i].inst, mods[i]);
    n.connect("swiglu.m_axis_h", "fht.s_axis_x");
    n.connect("fht.m_axis_y", "quant.s_axis_x");
    n.tap("swiglu.m_axis_h", "m_axis_tap_swiglu_h");
    n.tap("fht.m_axis_y", "m_axis_tap_fht_y");
    t.module = n.build();
    t.stage_modules = mods;
    t.module.fault = fault;
    return t;
}

}  // namespace flexllm::rtlgen
