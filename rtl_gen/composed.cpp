// The composed tops (rtl_gen/composed.h).
#include "rtl_gen/composed.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "golden/error.h"
#include "rtl_gen/kernel_list.h"
#include "rtl_gen/netlist.h"

namespace flexllm::rtlgen {

namespace {
// What a top is made of: its kernel and variant, its purpose, its stages in dataflow order, its
// internal connections (from -> to), its taps (internal output -> tap port) and the stage streams
// exposed under another name (stream -> top port: streams of one name on several stages).
struct TopPlan {
    std::string kernel, variant, purpose;
    std::vector<ComposedStage> stages;
    std::vector<std::pair<std::string, std::string>> links, taps, renames;
    bool instantiates(const std::string& v) const {
        return std::any_of(stages.begin(), stages.end(),
                           [&](const ComposedStage& s) { return s.variant == v; });
    }
};

// The top <variant>_<arch>[_fault_<kind>] of plan `p`: the stages' modules, the one of `fault`'s
// variant mutated (an Error when no stage has that variant).
ComposedTop compose(const kern::ArchParams& arch, const kern::ModelBounds& bounds, const TopPlan& p,
                    const std::string& fault) {
    std::string name = p.variant + "_" + ident(arch.name);
    if (!fault.empty()) name += "_fault_" + ident(fault);
    const std::string mutated = fault.empty() ? "" : fault_variant(fault).variant;
    if (!fault.empty() && !p.instantiates(mutated))
        throw Error(fmt::format("fault kind '{}' mutates {}, which {} does not instantiate", fault,
                                mutated, name));
    ComposedTop t;
    t.stages = p.stages;
    Netlist n(p.kernel, p.variant, name, p.purpose);
    for (const auto& s : t.stages) {
        t.stage_modules.push_back(
            generate_variant(arch, bounds, s.variant, s.variant == mutated ? fault : ""));
        n.instance(s.inst, t.stage_modules.back());
    }
    for (const auto& [from, to] : p.links) n.connect(from, to);
    for (const auto& [from, port] : p.taps) n.tap(from, port);
    for (const auto& [stream, port] : p.renames) n.expose(stream, port);
    t.module = n.build();
    t.module.fault = fault;
    return t;
}

TopPlan ffn_act_plan(kern::Phase phase) {
    const std::string ph(kern::phase_name(phase));
    return {"ffn_act",
            "ffn_act_" + ph,
            "The FFN activation path into down_proj: swiglu -> fht (R4) -> quant_token.",
            {{"swiglu", "swiglu_" + ph, "ffn"},
             {"fht", "fht_" + ph, "ffn"},
             {"quant", "quant_token_" + ph, "down"}},
            {{"swiglu.m_axis_h", "fht.s_axis_x"}, {"fht.m_axis_y", "quant.s_axis_x"}},
            {{"swiglu.m_axis_h", "m_axis_tap_swiglu_h"}, {"fht.m_axis_y", "m_axis_tap_fht_y"}}};
}

TopPlan attn_in_plan(kern::Phase phase, const std::string& role) {
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
    return {"attn_in",
            base,
            "The attention input path: rmsnorm (attn_norm) -> quant_token -> a projection.",
            {{"norm", "rmsnorm_" + ph, "attn"},
             {"quant", "quant_token_" + ph, role},
             {"proj", linear, role}},
            {{"norm.m_axis_y", "quant.s_axis_x"},
             {"quant.m_axis_q", "proj.s_axis_act"},
             {"quant.m_axis_zr", "proj.s_axis_zr"}},
            {{"norm.m_axis_y", "m_axis_tap_norm_y"},
             {"quant.m_axis_q", "m_axis_tap_quant_q"},
             {"quant.m_axis_zr", "m_axis_tap_quant_zr"}}};
}

TopPlan attn_plan(kern::Phase phase) {
    const std::string ph(kern::phase_name(phase));
    return {
        "attn",
        "attn_" + ph,
        "The attention engines: attn_scores (Q.K^T) -> softmax -> attn_context (A.V).",
        {{"scores", "attn_scores_" + ph, "attn"},
         {"softmax", "softmax_" + ph, "attn"},
         {"context", "attn_context_" + ph, "attn"}},
        {{"scores.m_axis_s", "softmax.s_axis_s"}, {"softmax.m_axis_p", "context.s_axis_p"}},
        {{"scores.m_axis_s", "m_axis_tap_scores_s"}, {"softmax.m_axis_p", "m_axis_tap_softmax_p"}},
        {{"scores.s_axis_hdr", "s_axis_scores_hdr"},
         {"softmax.s_axis_hdr", "s_axis_softmax_hdr"},
         {"context.s_axis_hdr", "s_axis_context_hdr"}}};
}

TopPlan plan_of(kern::Phase phase, const std::string& kind, const std::string& role) {
    const auto& roles = composed_roles();
    if (std::none_of(roles.begin(), roles.end(),
                     [&](const TopRole& r) { return r.kind == kind && r.role == role; }))
        throw Error(fmt::format("no composed top {} serving role '{}'", kind, role),
                    "attn_in (q, k, v), attn (attn) or ffn_act (ffn)");
    if (kind == "attn_in") return attn_in_plan(phase, role);
    return kind == "attn" ? attn_plan(phase) : ffn_act_plan(phase);
}

// One plan per distinct top, in a layer's dataflow order: the roles an engine time-shares give
// the same top.
std::vector<TopPlan> plans() {
    std::vector<TopPlan> out;
    for (const kern::Phase p : {kern::Phase::kPrefill, kern::Phase::kDecode}) {
        out.push_back(attn_in_plan(p, "q"));
        if (p == kern::Phase::kPrefill) out.push_back(attn_in_plan(p, "v"));
        out.push_back(attn_plan(p));
        out.push_back(ffn_act_plan(p));
    }
    return out;
}
}  // namespace

ComposedTop ffn_act_top(const kern::ArchParams& arch, const kern::ModelBounds& bounds,
                        kern::Phase phase, const std::string& fault) {
    return compose(arch, bounds, ffn_act_plan(phase), fault);
}

ComposedTop attn_in_top(const kern::ArchParams& arch, const kern::ModelBounds& bounds,
                        kern::Phase phase, const std::string& role, const std::string& fault) {
    return compose(arch, bounds, attn_in_plan(phase, role), fault);
}

ComposedTop attn_top(const kern::ArchParams& arch, const kern::ModelBounds& bounds,
                     kern::Phase phase, const std::string& fault) {
    return compose(arch, bounds, attn_plan(phase), fault);
}

const std::vector<TopRole>& composed_roles() {
    static const std::vector<TopRole> r = {
        {"attn_in", "q"}, {"attn_in", "k"}, {"attn_in", "v"}, {"attn", "attn"}, {"ffn_act", "ffn"}};
    return r;
}

std::vector<ComposedStage> composed_stages(kern::Phase phase, const std::string& kind,
                                           const std::string& role) {
    return plan_of(phase, kind, role).stages;
}

ComposedTop composed_top(const kern::ArchParams& arch, const kern::ModelBounds& bounds,
                         kern::Phase phase, const std::string& kind, const std::string& role,
                         const std::string& fault) {
    return compose(arch, bounds, plan_of(phase, kind, role), fault);
}

std::vector<ComposedTop> composed_tops(const kern::ArchParams& arch,
                                       const kern::ModelBounds& bounds, const std::string& fault) {
    const std::string mutated = fault.empty() ? "" : fault_variant(fault).variant;
    std::vector<ComposedTop> out;
    for (const TopPlan& p : plans())
        if (fault.empty() || p.instantiates(mutated))
            out.push_back(compose(arch, bounds, p, fault));
    return out;
}

}  // namespace flexllm::rtlgen
