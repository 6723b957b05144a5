// Case ids, golden tap access, the registry's lookup and the case enumeration.
#include "tb/kernel_registry.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "golden/error.h"
#include "rtl_gen/composed.h"
#include "tb/id_text.h"

namespace flexllm::tb {

// The generated table (kernel_table.cpp, from rtl_gen/kernels.txt).
const Kernel* kernel_entry(const std::string& kernel);

namespace {

std::string role_list(const Kernel& k) {
    std::vector<std::string> names;
    for (const auto& r : k.roles()) names.push_back(r.name);
    return rtlgen::join(names);
}

}  // namespace

std::string CaseSpec::stage_name() const {
    return fmt::format("{}_{}", stage, kern::phase_name(phase));
}

std::string CaseSpec::data_key() const {
    if (layer < 0) return fmt::format("{}/{}/{}", kern::phase_name(phase), stage, role);
    return fmt::format("{}/L{}/{}/{}", kern::phase_name(phase), layer, stage, role);
}

std::string CaseSpec::id() const { return arch + "/" + data_key(); }

const std::vector<const Kernel*>& kernels() {
    static const std::vector<const Kernel*> ks = [] {
        std::vector<const Kernel*> v;
        for (const auto& name : rtlgen::kernel_names()) {
            const Kernel* k = kernel_entry(name);
            if (!k) throw Error(fmt::format("kernel {} of rtl_gen/kernels.txt has no entry", name));
            v.push_back(k);
        }
        return v;
    }();
    return ks;
}

const Kernel& find_kernel(const std::string& stage) {
    for (const Kernel* k : kernels())
        if (k->name() == stage) return *k;
    throw Error(fmt::format("unknown stage '{}'", stage),
                "one of " + rtlgen::join(rtlgen::kernel_names()));
}

const Role& find_role(const Kernel& k, const std::string& role) {
    for (const auto& r : k.roles())
        if (r.name == role) return r;
    throw Error(fmt::format("unknown role '{}' of stage {}", role, k.name()), role_list(k));
}

CaseSpec parse_case_id(const std::string& id) {
    const std::vector<std::string> parts = split(id, '/');
    const char* hint =
        "ARCH/PHASE/L<layer>/STAGE/ROLE or ARCH/PHASE/STAGE/ROLE (after the last layer), e.g. "
        "tiny_a/decode/L0/linear/q";
    const bool layered = parts.size() == 5;
    if (parts.size() != 4 && !layered) throw Error(fmt::format("bad test id '{}'", id), hint);
    CaseSpec c;
    c.arch = parts[0];
    if (parts[1] == "prefill")
        c.phase = kern::Phase::kPrefill;
    else if (parts[1] == "decode")
        c.phase = kern::Phase::kDecode;
    else
        throw Error(fmt::format("bad phase '{}' in test id '{}'", parts[1], id));
    c.stage = parts[layered ? 3 : 2];
    c.role = parts.back();
    const auto layer = layered && parts[2].size() > 1 && parts[2][0] == 'L'
                           ? parse_index(parts[2].substr(1))
                           : std::nullopt;
    const auto& tops = rtlgen::composed_roles();
    if (std::any_of(tops.begin(), tops.end(),
                    [&](const rtlgen::TopRole& t) { return t.kind == c.stage; })) {
        // A composed top's case (tb/composed.h): per layer, one of its kind's roles.
        if (std::none_of(tops.begin(), tops.end(), [&](const rtlgen::TopRole& t) {
                return t.kind == c.stage && t.role == c.role;
            }))
            throw Error(fmt::format("bad test id '{}': the composed top {} serves no role '{}'", id,
                                    c.stage, c.role),
                        "attn_in/q, attn_in/k, attn_in/v, attn/attn or ffn_act/ffn");
        if (!layer)
            throw Error(fmt::format("bad test id '{}': a composed top's case needs a layer", id),
                        fmt::format("{}/{}/L0/{}/{}", parts[0], parts[1], c.stage, c.role));
        c.layer = *layer;
        return c;
    }
    const Kernel* kernel = nullptr;
    for (const Kernel* k : kernels())
        if (k->name() == c.stage) kernel = k;
    if (!kernel) throw Error(fmt::format("bad stage '{}' in test id '{}'", c.stage, id), hint);
    const Role& role = find_role(*kernel, c.role);
    if (layered) {
        if (!layer) throw Error(fmt::format("bad layer '{}' in test id '{}'", parts[2], id), hint);
        c.layer = *layer;
    }
    if (layered && !role.per_layer)
        throw Error(fmt::format("bad test id '{}': {} is not per layer", id, c.role),
                    fmt::format("{}/{}/{}/{}", parts[0], parts[1], c.stage, c.role));
    if (!layered && role.per_layer)
        throw Error(fmt::format("bad test id '{}': role {} needs a layer", id, c.role),
                    fmt::format("{}/{}/L0/{}/{}", parts[0], parts[1], c.stage, c.role));
    if (role.decode_only && c.phase == kern::Phase::kPrefill)
        throw Error(
            fmt::format("bad test id '{}': {} runs in decode only", id, c.role),
            fmt::format("{}/decode/{}", parts[0], fmt::join(parts.begin() + 2, parts.end(), "/")));
    return c;
}

GoldenTaps::GoldenTaps(const golden::GoldenRun& run, int decode_tokens) : run_(run) {
    for (const auto& t : run.taps) taps_.push_back({t.name, &t});
    std::sort(taps_.begin(), taps_.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    prefill_ = {"prefill"};
    for (const auto& [name, t] : taps_)
        if (name.rfind("decode/", 0) == 0 && name.find("/L0/attn_norm") != std::string::npos)
            decode_.push_back(name.substr(0, name.find("/L0/")));
    std::sort(decode_.begin(), decode_.end(), [](const auto& a, const auto& b) {
        return std::stoi(a.substr(7)) < std::stoi(b.substr(7));
    });
    if (static_cast<int>(decode_.size()) < decode_tokens)
        throw Error(fmt::format("golden run has {} decode steps, {} wanted", decode_.size(),
                                decode_tokens));
    decode_.resize(decode_tokens);
}

const Tensor& GoldenTaps::tap(const std::string& name) const {
    const auto it =
        std::lower_bound(taps_.begin(), taps_.end(), name,
                         [](const auto& e, const std::string& n) { return e.first < n; });
    if (it == taps_.end() || it->first != name)
        throw Error(fmt::format("golden run has no tap '{}'", name));
    return *it->second;
}

namespace {
template <class T>
std::vector<int64_t> as_i64(const Tensor& t) {
    const auto v = t.to_vector<T>();
    return std::vector<int64_t>(v.begin(), v.end());
}
}  // namespace

std::vector<int64_t> GoldenTaps::ints(const std::string& name) const {
    const Tensor& t = tap(name);
    switch (t.dtype) {
        case DType::kI8:
            return as_i64<int8_t>(t);
        case DType::kU8:
            return as_i64<uint8_t>(t);
        case DType::kI16:
            return as_i64<int16_t>(t);
        case DType::kU16:
            return as_i64<uint16_t>(t);
        case DType::kI32:
            return as_i64<int32_t>(t);
        case DType::kU32:
            return as_i64<uint32_t>(t);
        case DType::kI64:
            return as_i64<int64_t>(t);
        default:
            throw Error(fmt::format("tap {} is not an integer tensor", t.name));
    }
}

const std::vector<std::string>& GoldenTaps::steps(kern::Phase p) const {
    return p == kern::Phase::kPrefill ? prefill_ : decode_;
}

std::string GoldenTaps::prefix(const std::string& step, int layer) {
    return layer < 0 ? step + "/" : fmt::format("{}/L{}/", step, layer);
}

int GoldenTaps::first_position(const std::string& step) {
    return step.rfind("decode/", 0) == 0 ? std::stoi(step.substr(7)) : 0;
}

std::vector<int> GoldenTaps::step_tokens(const std::string& step) const {
    if (step == "prefill") return run_.prompt;
    const size_t n = static_cast<size_t>(first_position(step)) - run_.prompt.size();
    if (step.rfind("decode/", 0) != 0 || n >= run_.gen.tokens.size())
        throw Error(fmt::format("golden run has no input token for step '{}'", step));
    return {run_.gen.tokens[n]};
}

std::vector<CaseSpec> enumerate_cases(const std::vector<std::string>& archs,
                                      const std::vector<int>& layers, bool embed, bool head) {
    struct Entry {
        Slot slot;
        size_t kernel;
        Role role;
    };
    std::vector<Entry> embed_roles, layer_roles, head_roles;
    for (size_t k = 0; k < kernels().size(); ++k)
        for (const Role& r : kernels()[k]->roles())
            (r.per_layer              ? layer_roles
             : r.slot == Slot::kEmbed ? embed_roles
                                      : head_roles)
                .push_back({r.slot, k, r});
    for (auto* v : {&embed_roles, &layer_roles, &head_roles})
        std::stable_sort(v->begin(), v->end(), [](const Entry& a, const Entry& b) {
            return a.slot != b.slot ? a.slot < b.slot : a.kernel < b.kernel;
        });
    std::vector<CaseSpec> out;
    for (const auto& a : archs)
        for (kern::Phase p : {kern::Phase::kPrefill, kern::Phase::kDecode}) {
            const auto runs = [&](const Entry& e) {
                return !(e.role.decode_only && p == kern::Phase::kPrefill);
            };
            if (embed)
                for (const Entry& e : embed_roles)
                    if (runs(e))
                        out.push_back(
                            {a, p, std::string(kernels()[e.kernel]->name()), e.role.name, -1});
            for (int l : layers)
                for (const Entry& e : layer_roles)
                    if (runs(e))
                        out.push_back(
                            {a, p, std::string(kernels()[e.kernel]->name()), e.role.name, l});
            if (head)
                for (const Entry& e : head_roles)
                    if (runs(e))
                        out.push_back(
                            {a, p, std::string(kernels()[e.kernel]->name()), e.role.name, -1});
        }
    return out;
}

}  // namespace flexllm::tb
