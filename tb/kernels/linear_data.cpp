// Golden taps and seeded random stimulus of the linear roles.
#include "tb/kernels/linear_data.h"

#include <fmt/format.h>

#include "golden/error.h"
#include "golden/model_ref.h"

namespace flexllm::tb {

namespace {
using kern::LinearRole;

// The tap that holds a role's input before quant_token.
std::string quant_input_tap(LinearRole r) {
    switch (r) {
        case LinearRole::kQ:
        case LinearRole::kK:
        case LinearRole::kV:
            return "attn_norm";
        case LinearRole::kO:
            return "attn_context";
        case LinearRole::kGate:
        case LinearRole::kUp:
            return "ffn_norm";
        case LinearRole::kDown:
            return "fht";
        case LinearRole::kLmHead:
            return "final_norm";
    }
    return "";
}
}  // namespace

const std::vector<Role>& linear_roles() {
    static const std::vector<Role> roles = {
        {"q", Slot::kQ},       {"k", Slot::kK},
        {"v", Slot::kV},       {"o", Slot::kO},
        {"gate", Slot::kGate}, {"up", Slot::kUp},
        {"down", Slot::kDown}, {"lm_head", Slot::kLmHead, false}};
    return roles;
}

kern::LinearRole linear_role(const CaseSpec& c) { return kern::parse_role(c.role); }

std::shared_ptr<const LinearData> golden_linear_data(const CaseSpec& c, const GoldenTaps& g) {
    const LinearRole r = linear_role(c);
    auto d = std::make_shared<LinearData>();
    LinearStimulus& s = d->st;
    const std::string role(kern::role_name(r));
    s.w = r == LinearRole::kLmHead ? g.qm().lm_head : g.qm().layers.at(c.layer).linear(role);
    const auto names = golden::linear_taps(role);
    for (const auto& step : g.steps(c.phase)) {
        const std::string pre = GoldenTaps::prefix(step, c.layer);
        const auto x = g.ints(pre + quant_input_tap(r));
        const auto q = g.ints(pre + names.quant + ".q");
        const auto z = g.ints(pre + names.quant + ".zero");
        const auto rg = g.ints(pre + names.quant + ".range");
        const auto y = g.ints(pre + names.output);
        const int n = static_cast<int>(z.size());
        if (static_cast<int>(x.size()) != n * s.w.d_in ||
            static_cast<int>(y.size()) != n * s.w.d_out)
            throw Error(fmt::format("golden taps of {} at {} have unexpected sizes", role, pre));
        for (int t = 0; t < n; ++t) {
            s.x.emplace_back(x.begin() + t * s.w.d_in, x.begin() + (t + 1) * s.w.d_in);
            golden::TokenQuant tq;
            tq.q.assign(q.begin() + t * s.w.d_in, q.begin() + (t + 1) * s.w.d_in);
            tq.zero = static_cast<int32_t>(z[t]);
            tq.range = static_cast<uint32_t>(rg[t]);
            s.xq.push_back(std::move(tq));
            s.y.emplace_back(y.begin() + t * s.w.d_out, y.begin() + (t + 1) * s.w.d_out);
        }
    }
    return d;
}

std::shared_ptr<const LinearData> random_linear_data(const CaseSpec& c,
                                                     const golden::ModelConfig& m,
                                                     const RandomSpec& r) {
    const LinearRole role = linear_role(c);
    const auto dims = kern::role_dims(m, role);
    const int ph = c.phase == kern::Phase::kPrefill ? 0 : 1;
    const int n = ph == 0 ? (role == LinearRole::kLmHead ? 1 : r.prompt_len) : r.decode_tokens;
    auto d = std::make_shared<LinearData>();
    d->st = random_linear_stimulus(
        dims.d_in, dims.d_out, n,
        r.seed * 131 + ph * 17 + static_cast<int>(role) + 1000 * (c.layer + 1));
    return d;
}

}  // namespace flexllm::tb
