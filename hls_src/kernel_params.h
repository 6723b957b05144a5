// Per-kernel parameters derived from ArchParams + model dims + role: the generate-time shapes of
// the quant_token and linear engines (compile-time template arguments of the kernels, module
// parameters of the RTL) and the per-role run parameters (d_in, d_out, padding, block counts).
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "hls_src/params.h"

namespace flexllm::golden {
struct ModelConfig;
}

namespace flexllm::kern {

// ---- generate-time shapes (structural: usable as template arguments) ----------------------------
// Vector stages (quant_token, rmsnorm, residual, ...): `tokens` tokens per beat, `lanes`
// consecutive elements of each token per beat. Prefill: TP tokens, one element each; decode: one
// token, decode.lanes elements.
struct VectorShape {
    int tokens = 1;
    int lanes = 1;
    int d_max = 1;  // largest token length the engine buffers
    constexpr bool operator==(const VectorShape&) const = default;
};

// Output-stationary linear engine: `rows` tokens x (`lanes` weight streams x `wp` channels) PEs.
// Activation beats carry rows x act_lanes uint4 codes; one reduction index k per cycle.
struct LinearShape {
    int rows = 1;       // tokens in flight (prefill TP, decode 1)
    int act_lanes = 1;  // activation elements per beat per token (prefill 1, decode lanes)
    int lanes = 1;      // weight streams (prefill: FFN blocks, decode: BP)
    int wp = 1;         // output channels per weight stream
    int d_max = 1;      // largest d_in the activation buffer holds
    constexpr int cols() const { return lanes * wp; }
    constexpr bool operator==(const LinearShape&) const = default;
};

// Attention engines (kv_cache reads, attn_scores, softmax, attn_context): `rows` query rows in
// flight x `keys` key positions per beat. Prefill (token_rows): attn_tp consecutive tokens of one
// head; decode: heads_parallel heads of the one token. A key or value beat carries `sets` key sets
// of `keys` int8 (dimension d of `keys` consecutive positions): 1 in prefill (the rows share one KV
// head), `rows` in decode (one per head). The maxima bound the buffers.
struct AttnShape {
    int rows = 1;
    int keys = 1;
    int sets = 1;
    bool token_rows = false;
    int head_dim_max = 1;
    int positions_max = 1;
    constexpr bool operator==(const AttnShape&) const = default;
};

// The KV cache of one layer: written in the vector layout of its phase (`tokens` x `lanes` int8 per
// beat), read in words of `keys` consecutive positions of one (KV head, dim).
struct KvCacheShape {
    int tokens = 1;
    int lanes = 1;
    int keys = 1;
    int head_dim_max = 1;
    int kv_dim_max = 1;
    int positions_max = 1;
    constexpr bool operator==(const KvCacheShape&) const = default;
};

enum class Phase { kPrefill, kDecode };
enum class LinearRole { kQ, kK, kV, kO, kGate, kUp, kDown, kLmHead };
enum class PrefillEngine { kKq, kVo, kFfn };

inline constexpr std::array<LinearRole, 8> kAllRoles = {
    LinearRole::kQ,    LinearRole::kK,  LinearRole::kV,    LinearRole::kO,
    LinearRole::kGate, LinearRole::kUp, LinearRole::kDown, LinearRole::kLmHead};

std::string_view role_name(LinearRole r);
LinearRole parse_role(std::string_view name);  // throws Error
std::string_view phase_name(Phase p);
std::string_view engine_name(PrefillEngine e);
// Time-shared prefill engines: K|Q, V|O, and the FFN engine (gate, up, down; also lm_head).
PrefillEngine prefill_engine_of(LinearRole r);

struct RoleDims {
    int d_in = 0, d_out = 0;
};
RoleDims role_dims(const golden::ModelConfig& m, LinearRole r);
// Largest d_in over every role of the model: the generate-time buffer bound.
int max_d_in(const golden::ModelConfig& m);
// The most positions the attention engines and the KV cache are generated for (FlexLLM's U280
// system: a 1024-token prompt + 1024 generated); a model's longer context is cut to this.
inline constexpr int kMaxContext = 2048;
// What a generated design is sized for: the largest activation length (max_d_in) and the attention
// engines' head_dim, kv_dim (kv_heads x head_dim) and context positions (<= kMaxContext).
struct ModelBounds {
    int d_max = 1;
    int head_dim = 1;
    int kv_dim = 1;
    int positions = 1;
};
ModelBounds model_bounds(const golden::ModelConfig& m);

VectorShape vector_shape(const ArchParams& a, Phase p, int d_max);
AttnShape attn_shape(const ArchParams& a, Phase p, const ModelBounds& b);
KvCacheShape kv_cache_shape(const ArchParams& a, Phase p, const ModelBounds& b);
LinearShape linear_prefill_shape(const ArchParams& a, PrefillEngine e, int d_max);
LinearShape linear_decode_shape(const ArchParams& a, int d_max);
const MemChannelParams& prefill_mem(const ArchParams& a, PrefillEngine e);

// ---- per-role run parameters ---------------------------------------------------------------
struct LinearParams {
    Phase phase = Phase::kDecode;
    LinearRole role = LinearRole::kQ;
    LinearShape shape;
    MemChannelParams mem;
    int d_in = 0, d_out = 0;
    int d_out_pad = 0;  // d_out rounded up to shape.cols(); padded channels produce 0
    int n_cb = 0;       // channel blocks per token block = d_out_pad / cols
};
struct QuantParams {
    Phase phase = Phase::kDecode;
    VectorShape shape;
    int d = 0;
    int beats() const { return d / shape.lanes; }
};

// Derive and validate; throw flexllm::Error naming the broken rule (lanes not dividing d_in,
// d_in beyond the engine's buffer, counters overflowing their 16-bit configuration ports).
LinearParams derive_linear(const ArchParams& a, const golden::ModelConfig& m, Phase p, LinearRole r,
                           int d_max);
QuantParams derive_quant(const ArchParams& a, const golden::ModelConfig& m, Phase p,
                         LinearRole consumer, int d_max);
void validate_linear(const LinearParams& lp);
void validate_quant(const QuantParams& qp);

}  // namespace flexllm::kern
