// Regression cases: stimulus layout per kernel, golden taps, C-sim, RTL runs, perf residuals.
#include "tb/cases.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

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
    return fmt::format("{}/{}/{}/{}", arch, kern::phase_name(phase),
                       stage == Stage::kQuantToken ? "quant_token" : "linear",
                       kern::role_name(role));
}

CaseSpec parse_case_id(const std::string& id) {
    std::vector<std::string> parts;
    size_t b = 0;
    for (size_t i = 0; i <= id.size(); ++i)
        if (i == id.size() || id[i] == '/') {
            parts.push_back(id.substr(b, i - b));
            b = i + 1;
        }
    if (parts.size() != 4)
        throw Error(fmt::format("bad test id '{}'", id),
                    "ARCH/PHASE/STAGE/ROLE, e.g. tiny_a/decode/linear/q");
    CaseSpec c;
    c.arch = parts[0];
    if (parts[1] == "prefill")
        c.phase = Phase::kPrefill;
    else if (parts[1] == "decode")
        c.phase = Phase::kDecode;
    else
        throw Error(fmt::format("bad phase '{}' in test id '{}'", parts[1], id));
    if (parts[2] == "quant_token")
        c.stage = Stage::kQuantToken;
    else if (parts[2] == "linear")
        c.stage = Stage::kLinear;
    else
        throw Error(fmt::format("bad stage '{}' in test id '{}'", parts[2], id));
    c.role = kern::parse_role(parts[3]);
    return c;
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

}  // namespace

StageTensors golden_stage_tensors(const std::string& model, uint64_t weight_seed, int prompt_len,
                                  int decode_tokens) {
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
    st.source = fmt::format("golden {} synthetic:{}, layer 0 and lm_head, prompt {} + {} decode",
                            model, weight_seed, prompt_len, decode_tokens);
    const auto& qm = run.prep.qm;
    for (int ph = 0; ph < 2; ++ph) {
        const std::vector<std::string> steps =
            ph == 0 ? std::vector<std::string>{"prefill"} : decode_steps;
        for (LinearRole r : kern::kAllRoles) {
            LinearStimulus& s = st.data[ph][static_cast<int>(r)];
            const std::string role(kern::role_name(r));
            s.w = r == LinearRole::kLmHead ? qm.lm_head : qm.layers.at(0).linear(role);
            const auto names = golden::linear_taps(role);
            const std::string layer = r == LinearRole::kLmHead ? "" : "L0/";
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
        }
    }
    return st;
}

StageTensors random_stage_tensors(const golden::ModelConfig& m, uint64_t seed, int prompt_len,
                                  int decode_tokens) {
    StageTensors st;
    st.source =
        fmt::format("random seed {} (expected values from quant_token_ref/linear_ref)", seed);
    for (int ph = 0; ph < 2; ++ph)
        for (LinearRole r : kern::kAllRoles) {
            const auto d = kern::role_dims(m, r);
            const int n = ph == 0 ? (r == LinearRole::kLmHead ? 1 : prompt_len) : decode_tokens;
            st.data[ph][static_cast<int>(r)] = random_linear_stimulus(
                d.d_in, d.d_out, n, seed * 131 + ph * 17 + static_cast<int>(r));
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
    const LinearStimulus& st = tensors.get(c.phase, c.role);
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

std::vector<CaseSpec> default_cases(const std::vector<std::string>& archs) {
    std::vector<CaseSpec> v;
    for (const auto& a : archs)
        for (Phase p : {Phase::kPrefill, Phase::kDecode})
            for (LinearRole r : kern::kAllRoles)
                for (Stage s : {Stage::kQuantToken, Stage::kLinear}) v.push_back({a, p, s, r});
    return v;
}

}  // namespace flexllm::tb
