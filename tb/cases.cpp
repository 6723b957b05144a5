// Regression cases: stimulus layout per kernel, golden taps, C-sim, RTL runs, perf residuals.
#include "tb/cases.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <set>

#include "golden/error.h"
#include "golden/golden_run.h"
#include "hls_src/arch_config.h"
#include "rtl_gen/generator.h"
#include "tb/csim_runner.h"
#include "tb/perf/stage_model.h"
#include "tb/waves.h"

namespace flexllm::tb {

namespace fs = std::filesystem;
using kern::LinearRole;
using kern::Phase;

std::string CaseSpec::stage_name() const {
    if (stage == Stage::kQuantToken) return fmt::format("quant_token_{}", kern::phase_name(phase));
    return fmt::format("linear_{}", kern::phase_name(phase));
}

std::string CaseSpec::id() const {
    const char* st = stage == Stage::kQuantToken ? "quant_token" : "linear";
    if (role == LinearRole::kLmHead)
        return fmt::format("{}/{}/{}/{}", arch, kern::phase_name(phase), st, kern::role_name(role));
    return fmt::format("{}/{}/L{}/{}/{}", arch, kern::phase_name(phase), layer, st,
                       kern::role_name(role));
}

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> parts;
    size_t b = 0;
    for (size_t i = 0; i <= s.size(); ++i)
        if (i == s.size() || s[i] == sep) {
            parts.push_back(s.substr(b, i - b));
            b = i + 1;
        }
    return parts;
}

// A layer index: decimal digits only (no sign, no spaces), at most 6 of them.
std::optional<int> parse_index(const std::string& s) {
    if (s.empty() || s.size() > 6 ||
        !std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
        return std::nullopt;
    return std::stoi(s);
}

}  // namespace

CaseSpec parse_case_id(const std::string& id) {
    const std::vector<std::string> parts = split(id, '/');
    const char* hint =
        "ARCH/PHASE/L<layer>/STAGE/ROLE or ARCH/PHASE/STAGE/lm_head, e.g. "
        "tiny_a/decode/L0/linear/q";
    const bool layered = parts.size() == 5;
    if (parts.size() != 4 && !layered) throw Error(fmt::format("bad test id '{}'", id), hint);
    CaseSpec c;
    c.arch = parts[0];
    if (parts[1] == "prefill")
        c.phase = Phase::kPrefill;
    else if (parts[1] == "decode")
        c.phase = Phase::kDecode;
    else
        throw Error(fmt::format("bad phase '{}' in test id '{}'", parts[1], id));
    const std::string& stage = parts[layered ? 3 : 2];
    if (stage == "quant_token")
        c.stage = Stage::kQuantToken;
    else if (stage == "linear")
        c.stage = Stage::kLinear;
    else
        throw Error(fmt::format("bad stage '{}' in test id '{}'", stage, id));
    c.role = kern::parse_role(parts.back());
    if (layered) {
        const auto l = parts[2].size() > 1 && parts[2][0] == 'L' ? parse_index(parts[2].substr(1))
                                                                 : std::nullopt;
        if (!l) throw Error(fmt::format("bad layer '{}' in test id '{}'", parts[2], id), hint);
        c.layer = *l;
    }
    if (layered && c.role == LinearRole::kLmHead)
        throw Error(fmt::format("bad test id '{}': the LM head is not per layer", id),
                    fmt::format("{}/{}/{}/lm_head", parts[0], parts[1], stage));
    if (!layered && c.role != LinearRole::kLmHead)
        throw Error(fmt::format("bad test id '{}': role {} needs a layer", id, parts.back()),
                    fmt::format("{}/{}/L0/{}/{}", parts[0], parts[1], stage, parts.back()));
    return c;
}

std::string LayerSelection::describe() const {
    std::string o;
    for (int l : layers) o += fmt::format("{}{}", o.empty() ? "" : ",", l);
    if (!o.empty()) o = (layers.size() == 1 ? "layer " : "layers ") + o;
    if (lm_head) o += o.empty() ? "lm_head" : " and lm_head";
    return o;
}

LayerSelection parse_layers(const std::string& spec, const golden::ModelConfig& m,
                            const std::string& what) {
    auto bad = [&](const std::string& why) {
        return Error(fmt::format("{} '{}': {}", what, spec, why),
                     fmt::format("all, or a comma list of layers 0..{} and/or lm_head, e.g. 0,1",
                                 m.layers - 1));
    };
    LayerSelection sel;
    if (spec == "all") {
        sel.layers.resize(m.layers);
        std::iota(sel.layers.begin(), sel.layers.end(), 0);
        sel.lm_head = true;
        return sel;
    }
    std::set<int> seen;
    for (std::string item : split(spec, ',')) {
        item.erase(0, item.find_first_not_of(" \t"));
        item.erase(item.find_last_not_of(" \t") + 1);
        if (item == "lm_head") {
            if (sel.lm_head) throw bad("lm_head listed twice");
            sel.lm_head = true;
            continue;
        }
        const auto l = parse_index(item);
        if (!l) throw bad(fmt::format("'{}' is neither a layer index nor lm_head", item));
        if (*l >= m.layers)
            throw bad(fmt::format("layer {} is out of range: model {} has {} layers (0..{})", *l,
                                  m.name, m.layers, m.layers - 1));
        if (!seen.insert(*l).second) throw bad(fmt::format("layer {} listed twice", *l));
    }
    sel.layers.assign(seen.begin(), seen.end());
    return sel;
}

std::string module_name(const CaseSpec& c, const std::string& fault) {
    std::string k;
    if (c.stage == Stage::kQuantToken)
        k = c.stage_name();
    else if (c.phase == Phase::kDecode)
        k = "linear_decode";
    else
        k = fmt::format("linear_prefill_{}", kern::engine_name(kern::prefill_engine_of(c.role)));
    std::string m = k + "_" + rtlgen::ident(c.arch);
    if (!fault.empty() && fault != "none") m += "_fault_" + rtlgen::ident(fault);
    return m;
}

std::string default_rtl_dir() {
#ifdef FLEXLLM_RTL_DIR
    return FLEXLLM_RTL_DIR;
#else
    return "rtl";
#endif
}

void check_manifest(const std::string& rtl_dir, const std::string& arch, const std::string& module,
                    int d_in_needed) {
    const fs::path p = fs::path(rtl_dir) / arch / (module + ".json");
    std::ifstream in(p);
    if (!in)
        throw Error(fmt::format("no generated RTL manifest {}", p.string()),
                    fmt::format("run flexllm rtlgen --arch {} --out {}", arch,
                                (fs::path(rtl_dir) / arch).string()));
    nlohmann::json j;
    try {
        in >> j;
    } catch (const std::exception& e) {
        throw Error(fmt::format("manifest {} is not valid JSON: {}", p.string(), e.what()));
    }
    const auto a = kern::load_arch_config(arch);
    const std::string want = fmt::format("{:016x}", kern::params_hash(a));
    const std::string got = j.value("params_hash", "");
    if (got != want)
        throw Error(
            fmt::format("stale RTL: {} was generated for params hash {} but {} hashes to {}",
                        module, got, arch, want),
            "rebuild (cmake --build) or rerun flexllm rtlgen for this config");
    if (j.value("generator_version", "") != rtlgen::kGeneratorVersion)
        throw Error(fmt::format("stale RTL: {} comes from generator {} (this is {})", module,
                                j.value("generator_version", "?"), rtlgen::kGeneratorVersion),
                    "rebuild to regenerate the RTL");
    if (j.value("d_max", 0) < d_in_needed)
        throw Error(fmt::format("{} buffers d_in up to {} but the case needs {}", module,
                                j.value("d_max", 0), d_in_needed),
                    "regenerate with flexllm rtlgen --model <model>");
}

// ---- stage tensors ------------------------------------------------------------------------------

namespace {

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

template <class T>
std::vector<int64_t> as_i64(const Tensor& t) {
    const auto v = t.to_vector<T>();
    return std::vector<int64_t>(v.begin(), v.end());
}

std::vector<int64_t> tensor_i64(const Tensor& t) {
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

std::tuple<int, int, int> stimulus_key(int layer, Phase p, LinearRole r) {
    return {r == LinearRole::kLmHead ? -1 : layer, p == Phase::kPrefill ? 0 : 1,
            static_cast<int>(r)};
}

}  // namespace

LinearStimulus& StageTensors::at(int layer, Phase p, LinearRole r) {
    return data[stimulus_key(layer, p, r)];
}

const LinearStimulus& StageTensors::get(int layer, Phase p, LinearRole r) const {
    const auto it = data.find(stimulus_key(layer, p, r));
    if (it == data.end())
        throw Error(fmt::format("no {} stimulus for {}{}", kern::phase_name(p),
                                r == LinearRole::kLmHead ? "" : fmt::format("layer {} ", layer),
                                kern::role_name(r)),
                    "the suite's layers do not include it (--layers)");
    return it->second;
}

StageTensors golden_stage_tensors(const std::string& model, uint64_t weight_seed, int prompt_len,
                                  int decode_tokens, const LayerSelection& layers) {
    golden::GoldenOptions go;
    go.model = model;
    go.weights = fmt::format("synthetic:{}", weight_seed);
    go.prompt_len = prompt_len;
    go.gen_len = decode_tokens + 1;
    const golden::GoldenRun run = golden::run_golden(go);
    std::map<std::string, const Tensor*> taps;
    for (const auto& t : run.taps) taps[t.name] = &t;
    auto tap = [&](const std::string& name) -> const Tensor& {
        auto it = taps.find(name);
        if (it == taps.end()) throw Error(fmt::format("golden run has no tap '{}'", name));
        return *it->second;
    };
    std::vector<std::string> decode_steps;
    for (const auto& [name, t] : taps)
        if (name.rfind("decode/", 0) == 0 && name.find("/L0/attn_norm") != std::string::npos)
            decode_steps.push_back(name.substr(0, name.find("/L0/")));
    std::sort(decode_steps.begin(), decode_steps.end(), [](const auto& a, const auto& b) {
        return std::stoi(a.substr(7)) < std::stoi(b.substr(7));
    });
    if (static_cast<int>(decode_steps.size()) < decode_tokens)
        throw Error(fmt::format("golden run has {} decode steps, {} wanted", decode_steps.size(),
                                decode_tokens));
    decode_steps.resize(decode_tokens);

    StageTensors st;
    st.source = fmt::format("golden {} synthetic:{}, {}, prompt {} + {} decode", model, weight_seed,
                            layers.describe(), prompt_len, decode_tokens);
    const auto& qm = run.prep.qm;
    // One role of one layer ("L<l>/"; "" for the LM head) over the phase's steps.
    auto collect = [&](LinearStimulus& s, LinearRole r, int l,
                       const std::vector<std::string>& steps) {
        const std::string role(kern::role_name(r));
        s.w = r == LinearRole::kLmHead ? qm.lm_head : qm.layers.at(l).linear(role);
        const auto names = golden::linear_taps(role);
        const std::string layer = r == LinearRole::kLmHead ? "" : fmt::format("L{}/", l);
        for (const auto& step : steps) {
            const std::string pre = step + "/" + layer;
            const auto x = tensor_i64(tap(pre + quant_input_tap(r)));
            const auto q = tensor_i64(tap(pre + names.quant + ".q"));
            const auto z = tensor_i64(tap(pre + names.quant + ".zero"));
            const auto rg = tensor_i64(tap(pre + names.quant + ".range"));
            const auto y = tensor_i64(tap(pre + names.output));
            const int n = static_cast<int>(z.size());
            if (static_cast<int>(x.size()) != n * s.w.d_in ||
                static_cast<int>(y.size()) != n * s.w.d_out)
                throw Error(
                    fmt::format("golden taps of {} at {} have unexpected sizes", role, pre));
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
    };
    for (Phase p : {Phase::kPrefill, Phase::kDecode}) {
        const std::vector<std::string> steps =
            p == Phase::kPrefill ? std::vector<std::string>{"prefill"} : decode_steps;
        for (int l : layers.layers)
            for (LinearRole r : kern::kAllRoles)
                if (r != LinearRole::kLmHead) collect(st.at(l, p, r), r, l, steps);
        if (layers.lm_head)
            collect(st.at(0, p, LinearRole::kLmHead), LinearRole::kLmHead, 0, steps);
    }
    return st;
}

StageTensors random_stage_tensors(const golden::ModelConfig& m, uint64_t seed, int prompt_len,
                                  int decode_tokens, const LayerSelection& layers) {
    StageTensors st;
    st.source = fmt::format("random seed {}, {} (expected values from quant_token_ref/linear_ref)",
                            seed, layers.describe());
    auto gen = [&](Phase p, LinearRole r, int l) {  // l = -1: the LM head
        const auto d = kern::role_dims(m, r);
        const int ph = p == Phase::kPrefill ? 0 : 1;
        const int n = ph == 0 ? (r == LinearRole::kLmHead ? 1 : prompt_len) : decode_tokens;
        st.at(l, p, r) = random_linear_stimulus(
            d.d_in, d.d_out, n, seed * 131 + ph * 17 + static_cast<int>(r) + 1000 * (l + 1));
    };
    for (Phase p : {Phase::kPrefill, Phase::kDecode}) {
        for (int l : layers.layers)
            for (LinearRole r : kern::kAllRoles)
                if (r != LinearRole::kLmHead) gen(p, r, l);
        if (layers.lm_head) gen(p, LinearRole::kLmHead, -1);
    }
    return st;
}

// ---- port layouts -------------------------------------------------------------------------------

namespace {

struct Packer {
    PortStimulus s;
    int lanes, width;
    std::vector<int64_t> tmp;
    Packer(std::string port, int lanes_, int width_) : lanes(lanes_), width(width_) {
        s.port = std::move(port);
        s.words_per_beat = (lanes * width + 31) / 32;
        tmp.assign(lanes, 0);
    }
    void beat(bool last) {
        const size_t o = s.words.size();
        s.words.resize(o + s.words_per_beat);
        pack_elems(tmp.data(), lanes, width, &s.words[o]);
        s.last.push_back(last);
        std::fill(tmp.begin(), tmp.end(), 0);
    }
};

struct Expect {
    PortExpectation e;
    int lanes;
    Expect(std::string port, std::string tensor, int lanes_) : lanes(lanes_) {
        e.port = std::move(port);
        e.tensor = std::move(tensor);
    }
    void elem(int64_t v, int token, int channel) {
        e.elems.push_back(v);
        e.coords.push_back({token, channel});
    }
    void beat(bool last) { e.last.push_back(last); }
};

int64_t zr_elem(const golden::TokenQuant& q) {
    return static_cast<int64_t>((static_cast<uint64_t>(q.range) << 32) |
                                static_cast<uint32_t>(q.zero));
}

}  // namespace

CaseBench build_bench(const CaseSpec& c, const kern::ArchParams& arch, const golden::ModelConfig& m,
                      const LinearStimulus& st) {
    CaseBench b;
    const int d_max = kern::max_d_in(m);
    const int n = static_cast<int>(st.x.size());
    if (n == 0) throw Error(fmt::format("{}: no tokens", c.id()));
    if (c.stage == Stage::kQuantToken) {
        const kern::QuantParams qp = kern::derive_quant(arch, m, c.phase, c.role, d_max);
        const int T = qp.shape.tokens, L = qp.shape.lanes, d = qp.d, beats = qp.beats();
        b.d_in = d;
        b.scalars = {{"cfg_d", static_cast<uint64_t>(d)}};
        Packer x("s_axis_x", T * L, 32);
        Expect q("m_axis_q", "codes", T * L), zr("m_axis_zr", "zero_range", T);
        for (int g = 0; g * T < n; ++g) {
            for (int bt = 0; bt < beats; ++bt) {
                for (int t = 0; t < T; ++t)
                    for (int l = 0; l < L; ++l) {
                        const int tok = g * T + t, i = bt * L + l;
                        x.tmp[t * L + l] = tok < n ? st.x[tok][i] : 0;
                        q.elem(tok < n ? st.xq[tok].q[i] : 0, tok < n ? tok : -1, i);
                    }
                x.beat(bt == beats - 1);
                q.beat(bt == beats - 1);
            }
            for (int t = 0; t < T; ++t) {
                const int tok = g * T + t;
                zr.elem(tok < n ? zr_elem(st.xq[tok]) : 0, tok < n ? tok : -1, -1);
            }
            zr.beat(true);
        }
        b.inputs.push_back(std::move(x.s));
        b.outputs.push_back(std::move(q.e));
        b.outputs.push_back(std::move(zr.e));
        b.primary = "m_axis_q";
        const auto pc = c.phase == Phase::kPrefill ? perf::quant_token_prefill_cycles(n, d, T)
                                                   : perf::quant_token_cycles(n, d, L);
        b.perf.available = true;
        b.perf.model = pc.total;
        return b;
    }
    const kern::LinearParams lp = kern::derive_linear(arch, m, c.phase, c.role, d_max);
    const auto& s = lp.shape;
    const int R = s.rows, A = s.act_lanes, LN = s.lanes, WP = s.wp, cols = s.cols();
    const int d_in = lp.d_in, d_out = lp.d_out, n_cb = lp.n_cb;
    if (st.w.d_in != d_in || st.w.d_out != d_out)
        throw Error(fmt::format("{}: weights are {}x{}, the role needs {}x{}", c.id(), st.w.d_out,
                                st.w.d_in, d_out, d_in));
    b.d_in = d_in;
    b.scalars = {{"cfg_d_in", static_cast<uint64_t>(d_in)},
                 {"cfg_n_cb", static_cast<uint64_t>(n_cb)}};
    const int channels = std::max(1, lp.mem.channels);
    b.mem.push_back(
        {channels, lp.mem.bytes_per_cycle * lp.mem.efficiency, lp.mem.latency_cycles, 0});
    Packer act("s_axis_act", R * A, 4), zr("s_axis_zr", R, 64), chan("s_axis_chan", WP, 54);
    std::vector<Packer> w;
    for (int l = 0; l < LN; ++l) w.emplace_back(fmt::format("s_axis_w{}", l), WP, 4);
    Expect y("m_axis_y", "y", WP);
    for (int tb = 0; tb * R < n; ++tb) {
        for (int bt = 0; bt < d_in / A; ++bt) {
            for (int r = 0; r < R; ++r)
                for (int e = 0; e < A; ++e) {
                    const int tok = tb * R + r;
                    act.tmp[r * A + e] = tok < n ? st.xq[tok].q[bt * A + e] : 0;
                }
            act.beat(bt == d_in / A - 1);
        }
        for (int r = 0; r < R; ++r) {
            const int tok = tb * R + r;
            zr.tmp[r] = tok < n ? zr_elem(st.xq[tok]) : 0;
        }
        zr.beat(true);
        for (int cb = 0; cb < n_cb; ++cb) {
            for (int l = 0; l < LN; ++l) {
                for (int i = 0; i < WP; ++i) {
                    const int j = cb * cols + l * WP + i;
                    if (j >= d_out) continue;
                    const auto& mu = st.w.mult[j];
                    if (mu.m >= (1u << 16) || mu.shift < 0 || mu.shift > 63)
                        throw Error(
                            fmt::format("{}: channel {} multiplier {}*2^-{} does not fit "
                                        "the 16-bit mantissa / 6-bit shift port",
                                        c.id(), j, mu.m, mu.shift));
                    chan.tmp[i] = static_cast<int64_t>(static_cast<uint32_t>(st.w.rowsum[j])) |
                                  (static_cast<int64_t>(mu.m) << 32) |
                                  (static_cast<int64_t>(mu.shift) << 48);
                }
                chan.beat(cb == n_cb - 1 && l == LN - 1);
                chan.s.beat_channel.push_back(static_cast<uint8_t>(l % channels));
            }
            for (int k = 0; k < d_in; ++k)
                for (int l = 0; l < LN; ++l) {
                    for (int i = 0; i < WP; ++i) {
                        const int j = cb * cols + l * WP + i;
                        w[l].tmp[i] = j < d_out ? st.w.w[static_cast<size_t>(j) * d_in + k] : 0;
                    }
                    w[l].beat(cb == n_cb - 1 && k == d_in - 1);
                }
            for (int r = 0; r < R; ++r)
                for (int l = 0; l < LN; ++l) {
                    const int tok = tb * R + r;
                    for (int i = 0; i < WP; ++i) {
                        const int j = cb * cols + l * WP + i;
                        const bool real = tok < n && j < d_out;
                        y.elem(real ? st.y[tok][j] : 0, tok < n ? tok : -1, j < d_out ? j : -1);
                    }
                    y.beat(cb == n_cb - 1 && r == R - 1 && l == LN - 1);
                }
        }
    }
    b.inputs.push_back(std::move(act.s));
    b.inputs.push_back(std::move(zr.s));
    for (int l = 0; l < LN; ++l) {
        w[l].s.mem_group = 0;
        w[l].s.mem_channel = l % channels;
        w[l].s.beat_bytes = (WP * 4 + 7) / 8;
        b.inputs.push_back(std::move(w[l].s));
    }
    chan.s.mem_group = 0;
    chan.s.beat_bytes = WP * perf::kChannelParamBytes;
    b.inputs.push_back(std::move(chan.s));
    b.outputs.push_back(std::move(y.e));
    b.primary = "m_axis_y";
    const perf::StageFill& f =
        c.phase == Phase::kPrefill ? perf::fill::kLinearPrefill : perf::fill::kLinearDecode;
    const auto pc = perf::linear_engine_cycles(
        n, d_in, d_out, perf::EngineShape{R, LN, WP, c.phase == Phase::kPrefill}, lp.mem, f);
    b.perf.available = true;
    b.perf.model = pc.total;
    return b;
}

// ---- running a case -----------------------------------------------------------------------------

namespace {

std::string csim_check(const CaseSpec& c, const kern::ArchParams& arch,
                       const golden::ModelConfig& m, const LinearStimulus& st, bool& ok) {
    ok = true;
    const int d_max = kern::max_d_in(m);
    if (c.stage == Stage::kQuantToken) {
        const auto qs = kern::quant_shape(arch, c.phase, d_max);
        const auto r = csim::csim_quant(qs, st.x);
        if (!r) return "n/a (no C-sim instantiation for this shape)";
        for (size_t t = 0; t < st.x.size(); ++t) {
            if (r->zero[t] != st.xq[t].zero || r->range[t] != st.xq[t].range) {
                ok = false;
                return fmt::format("diverged: token {} zero/range GOT={}/{} EXP={}/{}", t,
                                   r->zero[t], r->range[t], st.xq[t].zero, st.xq[t].range);
            }
            for (size_t i = 0; i < st.xq[t].q.size(); ++i)
                if (r->q[t][i] != st.xq[t].q[i]) {
                    ok = false;
                    return fmt::format("diverged: token {} channel {} GOT={} EXP={}", t, i,
                                       r->q[t][i], st.xq[t].q[i]);
                }
        }
        return "ok";
    }
    const kern::LinearParams lp = kern::derive_linear(arch, m, c.phase, c.role, d_max);
    const auto y = csim::csim_linear(lp.shape, st, false);
    if (!y) return "n/a (no C-sim instantiation for this shape)";
    for (size_t t = 0; t < st.y.size(); ++t)
        for (int j = 0; j < lp.d_out; ++j)
            if ((*y)[t][j] != st.y[t][j]) {
                ok = false;
                return fmt::format("diverged: token {} channel {} GOT={} EXP={}", t, j, (*y)[t][j],
                                   st.y[t][j]);
            }
    return "ok";
}

}  // namespace

CaseOutcome run_case(const CaseSpec& c, const StageTensors& tensors, const golden::ModelConfig& m,
                     const CaseOptions& opt, const std::string& waves_dir, uint64_t wave_window) {
    const auto t0 = std::chrono::steady_clock::now();
    CaseOutcome out;
    out.spec = c;
    out.module = module_name(c, opt.fault);
    const kern::ArchParams arch = kern::load_arch_config(c.arch);
    const LinearStimulus& st = tensors.get(c);
    const CaseBench bench = build_bench(c, arch, m, st);
    out.tokens = static_cast<int>(st.x.size());
    out.d_in = st.w.d_in;
    out.d_out = c.stage == Stage::kQuantToken ? st.w.d_in : st.w.d_out;
    const std::string rtl_dir = opt.rtl_dir.empty() ? default_rtl_dir() : opt.rtl_dir;
    check_manifest(rtl_dir, c.arch, out.module, bench.d_in);
    const DutFactory make = find_dut(out.module);
    if (!make)
        throw Error(fmt::format("no Verilated model {} in this binary", out.module),
                    "add the config to FLEXLLM_RTL_ARCHS and rebuild");
    if (opt.run_csim)
        out.csim = csim_check(c, arch, m, st, out.csim_ok);
    else
        out.csim = "skipped";

    auto run = [&](const RunOptions& ro) {
        std::unique_ptr<Dut> dut = make(ro.seed);
        return run_dut(*dut, bench.scalars, bench.inputs, bench.outputs, bench.mem, ro,
                       bench.primary);
    };
    const bool stalls = opt.run.stall_prob > 0 || opt.run.gap_prob > 0;
    RunOptions base = opt.run;
    if (bench.perf.available)  // the per-test cycle budget: 20x the model, at least 20k cycles
        base.cycle_budget = std::min<uint64_t>(
            base.cycle_budget,
            std::max<uint64_t>(20'000, 20 * static_cast<uint64_t>(bench.perf.model)));
    RunOptions clean = base;
    clean.stall_prob = clean.gap_prob = 0;
    out.rtl = run(clean);
    out.perf = bench.perf;
    out.perf.measured = static_cast<int64_t>(out.rtl.measured());
    if (out.perf.available && out.perf.model > 0)
        out.perf.residual =
            static_cast<double>(out.perf.measured - out.perf.model) / out.perf.model;
    const RunOptions* failing_opts = &clean;
    if (stalls) out.stalled = run(base);
    std::string fail;
    if (!out.rtl.ok) {
        fail = out.rtl.summary();
    } else if (out.stalled && !out.stalled->ok) {
        fail = "under stalls: " + out.stalled->summary();
        failing_opts = &base;
    } else if (opt.check_perf && out.perf.available &&
               std::abs(out.perf.residual) > opt.perf_tolerance) {
        fail = fmt::format("cycles: measured {} vs model {} (residual {:+.2f}% > {:.0f}%)",
                           out.perf.measured, out.perf.model, 100 * out.perf.residual,
                           100 * opt.perf_tolerance);
    }
    if (!out.csim_ok) fail = "C-sim " + out.csim + (fail.empty() ? "" : "; RTL: " + fail);
    out.passed = fail.empty();
    if (!out.passed) {
        const RunResult& fr = failing_opts == &clean ? out.rtl : *out.stalled;
        std::string where = out.csim_ok ? " [C-sim ok: only the RTL diverged]" : "";
        out.failure = fmt::format("{} {}: {}{}", c.stage_name(), kern::role_name(c.role), fail,
                                  fr.ok ? "" : where);
        // Deterministic re-run with FST tracing around the first problem.
        if (!waves_dir.empty() && !fr.ok && !opt.waves_always) {
            fs::create_directories(waves_dir);
            std::string stem = c.id();
            std::replace(stem.begin(), stem.end(), '/', '.');
            const fs::path fst = fs::path(waves_dir) / (stem + ".fst");
            RunOptions ro = *failing_opts;
            uint64_t focus = fr.first ? fr.first->cycle
                             : !fr.watchdog.empty()
                                 ? fr.cycles - std::min(fr.cycles, opt.run.watchdog_cycles)
                                 : fr.cycles;
            ro.wave_from = focus > wave_window ? focus - wave_window : 0;
            ro.wave_to = focus + wave_window / 4 + 8;
            ro.wave_path = fst.string();
            std::unique_ptr<Dut> dut = make(ro.seed);
            (void)run_dut(*dut, bench.scalars, bench.inputs, bench.outputs, bench.mem, ro,
                          bench.primary);
            const fs::path gtkw = fs::path(waves_dir) / (stem + ".gtkw");
            write_gtkw(gtkw.string(), fst.string(), *dut, (ro.wave_from + 4) * 2);
            out.waves = fst.string();
        }
    }
    if (!waves_dir.empty() && opt.waves_always) {  // the whole run that decided the verdict
        fs::create_directories(waves_dir);
        std::string stem = c.id();
        std::replace(stem.begin(), stem.end(), '/', '.');
        const fs::path fst = fs::path(waves_dir) / (stem + ".fst");
        RunOptions ro = (out.stalled && out.rtl.ok) ? base : clean;
        ro.wave_from = 0;
        ro.wave_path = fst.string();
        std::unique_ptr<Dut> dut = make(ro.seed);
        (void)run_dut(*dut, bench.scalars, bench.inputs, bench.outputs, bench.mem, ro,
                      bench.primary);
        write_gtkw((fs::path(waves_dir) / (stem + ".gtkw")).string(), fst.string(), *dut, 0);
        out.waves = fst.string();
    }
    out.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return out;
}

std::vector<CaseSpec> default_cases(const std::vector<std::string>& archs,
                                    const LayerSelection& layers) {
    std::vector<CaseSpec> v;
    for (const auto& a : archs)
        for (Phase p : {Phase::kPrefill, Phase::kDecode}) {
            for (int l : layers.layers)
                for (LinearRole r : kern::kAllRoles)
                    for (Stage s : {Stage::kQuantToken, Stage::kLinear})
                        if (r != LinearRole::kLmHead) v.push_back({a, p, s, r, l});
            if (layers.lm_head)
                for (Stage s : {Stage::kQuantToken, Stage::kLinear})
                    v.push_back({a, p, s, LinearRole::kLmHead});
        }
    return v;
}

}  // namespace flexllm::tb
