// Derivation and validation of the per-kernel parameters.
#include "hls_src/kernel_params.h"

#include <fmt/format.h>

#include <algorithm>

#include "golden/error.h"
#include "golden/model_config.h"

namespace flexllm::kern {

namespace {
constexpr std::array<std::string_view, 8> kRoleNames = {"q",    "k",  "v",    "o",
                                                        "gate", "up", "down", "lm_head"};
constexpr int kCfgMax = 65535;  // cfg_* ports are 16 bits wide
}  // namespace

std::string_view role_name(LinearRole r) { return kRoleNames[static_cast<int>(r)]; }

LinearRole parse_role(std::string_view name) {
    for (size_t i = 0; i < kRoleNames.size(); ++i)
        if (kRoleNames[i] == name) return static_cast<LinearRole>(i);
    throw Error(fmt::format("unknown linear role '{}'", name),
                "one of q, k, v, o, gate, up, down, lm_head");
}

std::string_view phase_name(Phase p) { return p == Phase::kPrefill ? "prefill" : "decode"; }

std::string_view engine_name(PrefillEngine e) {
    switch (e) {
        case PrefillEngine::kKq:
            return "kq";
        case PrefillEngine::kVo:
            return "vo";
        case PrefillEngine::kFfn:
            return "ffn";
    }
    return "?";
}

PrefillEngine prefill_engine_of(LinearRole r) {
    switch (r) {
        case LinearRole::kQ:
        case LinearRole::kK:
            return PrefillEngine::kKq;
        case LinearRole::kV:
        case LinearRole::kO:
            return PrefillEngine::kVo;
        default:
            return PrefillEngine::kFfn;
    }
}

RoleDims role_dims(const golden::ModelConfig& m, LinearRole r) {
    switch (r) {
        case LinearRole::kQ:
            return {m.hidden, m.q_dim()};
        case LinearRole::kK:
        case LinearRole::kV:
            return {m.hidden, m.kv_dim()};
        case LinearRole::kO:
            return {m.q_dim(), m.hidden};
        case LinearRole::kGate:
        case LinearRole::kUp:
            return {m.hidden, m.intermediate};
        case LinearRole::kDown:
            return {m.intermediate, m.hidden};
        case LinearRole::kLmHead:
            return {m.hidden, m.vocab};
    }
    return {};
}

int max_d_in(const golden::ModelConfig& m) {
    int d = 0;
    for (LinearRole r : kAllRoles) d = std::max(d, role_dims(m, r).d_in);
    return d;
}

ModelBounds model_bounds(const golden::ModelConfig& m) {
    return {max_d_in(m), m.head_dim, m.kv_dim(), std::min(m.max_positions, kMaxContext)};
}

VectorShape vector_shape(const ArchParams& a, Phase p, int d_max) {
    if (p == Phase::kPrefill) return {a.prefill.tp, 1, d_max};
    return {1, a.decode.lanes, d_max};
}

AttnShape attn_shape(const ArchParams& a, Phase p, const ModelBounds& b) {
    if (p == Phase::kPrefill)
        return {a.prefill.attn_tp, a.prefill.attn_kv, 1, true, b.head_dim, b.positions};
    return {a.decode.heads_parallel,
            a.decode.kv_parallel,
            a.decode.heads_parallel,
            false,
            b.head_dim,
            b.positions};
}

KvCacheShape kv_cache_shape(const ArchParams& a, Phase p, const ModelBounds& b) {
    const VectorShape w = vector_shape(a, p, b.d_max);
    const AttnShape r = attn_shape(a, p, b);
    return {w.tokens, w.lanes, r.keys, b.head_dim, b.kv_dim, b.positions};
}

LinearShape linear_prefill_shape(const ArchParams& a, PrefillEngine e, int d_max) {
    switch (e) {
        case PrefillEngine::kKq:
            return {a.prefill.tp, 1, 1, a.prefill.kq_wp, d_max};
        case PrefillEngine::kVo:
            return {a.prefill.tp, 1, 1, a.prefill.vo_wp, d_max};
        case PrefillEngine::kFfn:
            return {a.prefill.tp, 1, a.prefill.ffn_blocks, a.prefill.ffn_wp / a.prefill.ffn_blocks,
                    d_max};
    }
    return {};
}

LinearShape linear_decode_shape(const ArchParams& a, int d_max) {
    return {1, a.decode.lanes, a.decode.bp, a.decode.wp, d_max};
}

const MemChannelParams& prefill_mem(const ArchParams& a, PrefillEngine e) {
    switch (e) {
        case PrefillEngine::kKq:
            return a.prefill.kq_mem;
        case PrefillEngine::kVo:
            return a.prefill.vo_mem;
        default:
            return a.prefill.ffn_mem;
    }
}

void validate_linear(const LinearParams& lp) {
    const LinearShape& s = lp.shape;
    const std::string who = fmt::format("linear_{} {}", phase_name(lp.phase), role_name(lp.role));
    if (s.rows < 1 || s.act_lanes < 1 || s.lanes < 1 || s.wp < 1)
        throw Error(fmt::format("{}: engine shape {}x{}x{} has a zero dimension", who, s.rows,
                                s.lanes, s.wp));
    if (lp.d_in < 1 || lp.d_out < 1)
        throw Error(
            fmt::format("{}: d_in {} and d_out {} must be positive", who, lp.d_in, lp.d_out));
    if (lp.d_in % s.act_lanes != 0)
        throw Error(
            fmt::format("{}: {} activation lanes do not divide d_in {}", who, s.act_lanes, lp.d_in),
            "choose decode.lanes dividing every layer input dimension");
    if (lp.d_in > s.d_max)
        throw Error(fmt::format("{}: d_in {} exceeds the engine's activation buffer ({})", who,
                                lp.d_in, s.d_max),
                    "regenerate the RTL for this model (flexllm rtlgen --model ...)");
    if (lp.d_out_pad % s.cols() != 0 || lp.d_out_pad < lp.d_out)
        throw Error(fmt::format("{}: padded d_out {} is not a multiple of {} channels", who,
                                lp.d_out_pad, s.cols()));
    if (lp.d_in > kCfgMax || lp.n_cb > kCfgMax)
        throw Error(fmt::format("{}: d_in {} or {} channel blocks overflow the 16-bit cfg ports",
                                who, lp.d_in, lp.n_cb));
}

void validate_quant(const QuantParams& qp) {
    const VectorShape& s = qp.shape;
    if (s.tokens < 1 || s.lanes < 1) throw Error("quant_token: zero tokens or lanes per beat");
    if (qp.d < 1 || qp.d % s.lanes != 0)
        throw Error(
            fmt::format("quant_token: {} lanes do not divide the token length {}", s.lanes, qp.d),
            "choose decode.lanes dividing every layer input dimension");
    if (qp.d > s.d_max)
        throw Error(fmt::format("quant_token: token length {} exceeds the engine buffer ({})", qp.d,
                                s.d_max));
    if (qp.d > kCfgMax) throw Error("quant_token: token length overflows the 16-bit cfg port");
}

LinearParams derive_linear(const ArchParams& a, const golden::ModelConfig& m, Phase p, LinearRole r,
                           int d_max) {
    LinearParams lp;
    lp.phase = p;
    lp.role = r;
    if (p == Phase::kPrefill) {
        lp.shape = linear_prefill_shape(a, prefill_engine_of(r), d_max);
        lp.mem = prefill_mem(a, prefill_engine_of(r));
    } else {
        lp.shape = linear_decode_shape(a, d_max);
        lp.mem = a.decode.weight_mem;
    }
    const RoleDims d = role_dims(m, r);
    lp.d_in = d.d_in;
    lp.d_out = d.d_out;
    const int cols = std::max(1, lp.shape.cols());
    lp.n_cb = (d.d_out + cols - 1) / cols;
    lp.d_out_pad = lp.n_cb * cols;
    validate_linear(lp);
    return lp;
}

QuantParams derive_quant(const ArchParams& a, const golden::ModelConfig& m, Phase p,
                         LinearRole consumer, int d_max) {
    QuantParams qp;
    qp.phase = p;
    qp.shape = vector_shape(a, p, d_max);
    qp.d = role_dims(m, consumer).d_in;
    validate_quant(qp);
    return qp;
}

}  // namespace flexllm::kern
