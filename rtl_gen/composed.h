// The composed tops: the registry's kernels wired into the accelerator's sub-pipelines by the
// netlist builder (rtl_gen/netlist.h), generated from the architecture config. Each top's
// instances are the variants' generated modules; a fault kind mutates the one instance of the
// variant it belongs to (rtl_gen/kernels.txt).
#pragma once

#include <string>
#include <vector>

#include "hls_src/kernel_params.h"
#include "hls_src/params.h"
#include "rtl_gen/generator.h"

namespace flexllm::rtlgen {

// One instance of a composed top: its name (the instance u_<inst>), its RTL variant, and the
// registry role whose golden taps feed and check it (tb/kernel_registry.h).
struct ComposedStage {
    std::string inst, variant, role;
};

struct ComposedTop {
    // shape: "instances" (inst -> module), "ports" (top port -> "inst.stream"), "links" (an
    // internal input "inst.stream" -> the output "inst.stream" driving it)
    Module module;
    std::vector<ComposedStage> stages;  // in dataflow order
    std::vector<Module> stage_modules;  // the stages' generated modules, in the same order
};

// ffn_act_<phase>_<arch>: the FFN's activation path into down_proj, swiglu (s_axis_g, s_axis_u)
// -> fht (R4, the online Hadamard transform) -> quant_token (down's int4 codes m_axis_q and
// {range, zero} m_axis_zr), with taps m_axis_tap_swiglu_h and m_axis_tap_fht_y on the internal
// streams. `fault`: a fault kind of swiglu, fht or quant_token of that phase.
ComposedTop ffn_act_top(const kern::ArchParams& arch, const kern::ModelBounds& bounds,
                        kern::Phase phase, const std::string& fault = {});

// attn_in_<phase>[_<engine>]_<arch>: the attention's input path into one projection, rmsnorm
// (attn_norm; s_axis_x the layer's input) -> quant_token (the projection's int4 codes and
// {range, zero}) -> the linear engine that serves `role` (prefill: the K|Q engine for q and k,
// linear_prefill_kq, named attn_in_prefill_kq_<arch>; the V|O engine for v; decode: the shared
// GEMV, attn_in_decode_<arch>), its weight and channel-parameter streams ports of the top, paced
// by the engine's memory channels; m_axis_y the projection. Taps m_axis_tap_norm_y,
// m_axis_tap_quant_q and m_axis_tap_quant_zr. `role`: q, k or v; the same top serves the roles its
// engine time-shares. `fault`: a fault kind of rmsnorm, quant_token or that linear variant.
ComposedTop attn_in_top(const kern::ArchParams& arch, const kern::ModelBounds& bounds,
                        kern::Phase phase, const std::string& role, const std::string& fault = {});

// attn_<phase>_<arch>: the attention engines of a layer, attn_scores (Q.K^T of the int8 q and the
// KV cache's key words, s_axis_scores_hdr its group header) -> softmax (s_axis_softmax_hdr, its c2
// multipliers) -> attn_context (A.V with the value words, s_axis_context_hdr, its multipliers);
// m_axis_ctx the int8 context. Taps m_axis_tap_scores_s and m_axis_tap_softmax_p. `fault`: a
// fault kind of attn_scores, softmax or attn_context of that phase.
ComposedTop attn_top(const kern::ArchParams& arch, const kern::ModelBounds& bounds,
                     kern::Phase phase, const std::string& fault = {});

// A composed top's kind (its kernel: attn_in, attn, ffn_act) and a role it serves in a layer.
struct TopRole {
    std::string kind, role;
};
// Every (kind, role) of a layer's composed tops, in dataflow order: attn_in q, k and v (one top per
// engine: the roles an engine time-shares run on the same top), attn (role attn), ffn_act (ffn).
const std::vector<TopRole>& composed_roles();
// The stages of the top of `kind` serving `role` at `phase`, without generating it; throws Error
// for an unknown kind or role.
std::vector<ComposedStage> composed_stages(kern::Phase phase, const std::string& kind,
                                           const std::string& role);
// That top, generated (`fault` as above).
ComposedTop composed_top(const kern::ArchParams& arch, const kern::ModelBounds& bounds,
                         kern::Phase phase, const std::string& kind, const std::string& role,
                         const std::string& fault = {});

// Every distinct composed top of `arch`, per phase in dataflow order: the attn_in of each engine
// (prefill: K|Q serving q, V|O serving v; decode: the shared GEMV), attn and ffn_act. With `fault`,
// only the tops that instantiate the variant it mutates, each with that instance mutated (empty
// when none does).
std::vector<ComposedTop> composed_tops(const kern::ArchParams& arch,
                                       const kern::ModelBounds& bounds,
                                       const std::string& fault = {});

}  // namespace flexllm::rtlgen
