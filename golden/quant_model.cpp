// QuantModel <-> container tensors.
#include "golden/quant_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "golden/error.h"

namespace flexllm::golden {

LinearParamsRef& LayerQ::linear(const std::string& role) {
    return const_cast<LinearParamsRef&>(std::as_const(*this).linear(role));
}

const LinearParamsRef& LayerQ::linear(const std::string& role) const {
    if (role == "q") return q;
    if (role == "k") return k;
    if (role == "v") return v;
    if (role == "o") return o;
    if (role == "gate") return gate;
    if (role == "up") return up;
    if (role == "down") return down;
    throw Error(fmt::format("unknown linear role '{}' (q, k, v, o, gate, up, down)", role));
}

namespace {

void put_mults(std::vector<Tensor>& out, const std::string& name,
               const std::vector<Multiplier>& m) {
    std::vector<uint32_t> mm;
    std::vector<int32_t> sh;
    for (const auto& x : m) {
        mm.push_back(x.m);
        sh.push_back(x.shift);
    }
    const int64_t n = static_cast<int64_t>(m.size());
    out.push_back(Tensor::from(name + ".m", {n}, mm));
    out.push_back(Tensor::from(name + ".shift", {n}, sh));
}

void put_linear(std::vector<Tensor>& out, const std::string& name, const LinearParamsRef& p) {
    out.push_back(Tensor::from(name + ".w", {p.d_out, p.d_in}, p.w));
    out.push_back(Tensor::from(name + ".rowsum", {p.d_out}, p.rowsum));
    put_mults(out, name + ".mult", p.mult);
}

class TensorMap {
  public:
    explicit TensorMap(const std::vector<Tensor>& ts) {
        for (const auto& t : ts) map_.emplace(t.name, &t);
    }
    template <class T>
    std::vector<T> get(const std::string& name, const std::vector<int64_t>& shape) const {
        auto it = map_.find(name);
        if (it == map_.end()) throw Error(fmt::format("missing tensor '{}'", name));
        if (it->second->shape != shape)
            throw Error(fmt::format("tensor '{}' has shape {}, expected {}", name,
                                    shape_str(it->second->shape), shape_str(shape)));
        return it->second->to_vector<T>();
    }
    std::vector<Multiplier> mults(const std::string& name, int64_t n) const {
        auto m = get<uint32_t>(name + ".m", {n});
        auto s = get<int32_t>(name + ".shift", {n});
        std::vector<Multiplier> out(n);
        for (int64_t i = 0; i < n; ++i) {
            if (s[i] < 0 || s[i] > 62 || m[i] >= (1u << 16))
                throw Error(fmt::format("tensor '{}' holds an invalid multiplier at {}", name, i));
            out[i] = {m[i], s[i]};
        }
        return out;
    }
    LinearParamsRef linear(const std::string& name, int d_out, int d_in) const {
        LinearParamsRef p;
        p.d_in = d_in;
        p.d_out = d_out;
        p.w = get<int8_t>(name + ".w", {d_out, d_in});
        for (int8_t v : p.w)
            if (v < -8 || v > 7)
                throw Error(fmt::format("tensor '{}.w' holds a value outside int4", name));
        p.rowsum = get<int32_t>(name + ".rowsum", {d_out});
        p.mult = mults(name + ".mult", d_out);
        return p;
    }

  private:
    std::map<std::string, const Tensor*> map_;
};

}  // namespace

std::vector<Tensor> QuantModel::to_tensors() const {
    std::vector<Tensor> out;
    out.push_back(Tensor::from("param/embed", {cfg.vocab, cfg.hidden}, embed));
    for (int l = 0; l < cfg.layers; ++l) {
        const auto& L = layers[l];
        const std::string p = fmt::format("param/L{}/", l);
        for (const auto& role : kLayerLinearRoles)
            put_linear(out, p + role + "_proj", L.linear(role));
        put_mults(out, p + "q_mult", L.q_mult);
        put_mults(out, p + "k_mult", L.k_mult);
        put_mults(out, p + "v_mult", L.v_mult);
        put_mults(out, p + "score_mult", L.score_mult);
        put_mults(out, p + "ctx_mult", L.ctx_mult);
    }
    put_linear(out, "param/lm_head", lm_head);
    out.push_back(Tensor::from("param/eps_q32", {1}, std::vector<int64_t>{eps_q32}));
    put_mults(out, "param/sample_mult", {sample_mult});
    out.push_back(Tensor::from("param/rope_cos", {rope.positions, rope.half}, rope.cos));
    out.push_back(Tensor::from("param/rope_sin", {rope.positions, rope.half}, rope.sin));
    const auto& e = exp2_table();
    out.push_back(
        Tensor::from("param/exp2_table", {256}, std::vector<uint16_t>(e.begin(), e.end())));
    const auto& s = sigmoid_table();
    out.push_back(Tensor::from("param/sigmoid_table", {kSigmoidEntries},
                               std::vector<int32_t>(s.begin(), s.end())));
    return out;
}

QuantModel QuantModel::from_tensors(const ModelConfig& cfg, const std::vector<Tensor>& tensors) {
    TensorMap tm(tensors);
    QuantModel qm;
    qm.cfg = cfg;
    const int h = cfg.hidden, f = cfg.intermediate, qd = cfg.q_dim(), kvd = cfg.kv_dim();
    qm.embed = tm.get<int32_t>("param/embed", {cfg.vocab, h});
    for (int l = 0; l < cfg.layers; ++l) {
        const std::string p = fmt::format("param/L{}/", l);
        LayerQ L;
        L.q = tm.linear(p + "q_proj", qd, h);
        L.k = tm.linear(p + "k_proj", kvd, h);
        L.v = tm.linear(p + "v_proj", kvd, h);
        L.o = tm.linear(p + "o_proj", h, qd);
        L.gate = tm.linear(p + "gate_proj", f, h);
        L.up = tm.linear(p + "up_proj", f, h);
        L.down = tm.linear(p + "down_proj", h, f);
        L.q_mult = tm.mults(p + "q_mult", cfg.heads);
        L.k_mult = tm.mults(p + "k_mult", cfg.kv_heads);
        L.v_mult = tm.mults(p + "v_mult", cfg.kv_heads);
        L.score_mult = tm.mults(p + "score_mult", cfg.heads);
        L.ctx_mult = tm.mults(p + "ctx_mult", cfg.kv_heads);
        qm.layers.push_back(std::move(L));
    }
    qm.lm_head = tm.linear("param/lm_head", cfg.vocab, h);
    qm.eps_q32 = tm.get<int64_t>("param/eps_q32", {1})[0];
    qm.sample_mult = tm.mults("param/sample_mult", 1)[0];
    auto it = std::find_if(tensors.begin(), tensors.end(),
                           [](const Tensor& t) { return t.name == "param/rope_cos"; });
    if (it == tensors.end() || it->shape.size() != 2)
        throw Error("missing tensor 'param/rope_cos'");
    qm.rope.positions = static_cast<int>(it->shape[0]);
    qm.rope.half = cfg.head_dim / 2;
    qm.rope.cos = tm.get<int32_t>("param/rope_cos", {qm.rope.positions, qm.rope.half});
    qm.rope.sin = tm.get<int32_t>("param/rope_sin", {qm.rope.positions, qm.rope.half});
    // The tables are fixed by the contract: a container whose tables differ was made by a
    // different contract version and cannot be trusted.
    auto e = tm.get<uint16_t>("param/exp2_table", {256});
    if (!std::equal(e.begin(), e.end(), exp2_table().begin()))
        throw Error("tensor 'param/exp2_table' differs from the numeric contract's table");
    auto s = tm.get<int32_t>("param/sigmoid_table", {kSigmoidEntries});
    if (!std::equal(s.begin(), s.end(), sigmoid_table().begin()))
        throw Error("tensor 'param/sigmoid_table' differs from the numeric contract's table");
    return qm;
}

}  // namespace flexllm::golden
