// Regression cases: stage tensors of every registry kernel, the C-sim and RTL engines behind one
// scoreboard, perf residuals, waveforms of failures.
#include "tb/cases.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <set>

#include "golden/config_io.h"
#include "golden/error.h"
#include "golden/golden_run.h"
#include "hls_src/arch_config.h"
#include "rtl_gen/generator.h"
#include "tb/csim_engine.h"
#include "tb/id_text.h"
#include "tb/model_cache.h"
#include "tb/waves.h"

namespace flexllm::tb {

namespace fs = std::filesystem;

std::string LayerSelection::describe() const {
    std::vector<std::string> parts;
    if (embed) parts.push_back("embed");
    std::string l;
    for (int i : layers) l += fmt::format("{}{}", l.empty() ? "" : ",", i);
    if (!l.empty()) parts.push_back((layers.size() == 1 ? "layer " : "layers ") + l);
    if (lm_head) parts.push_back("lm_head");
    std::string o;
    for (size_t i = 0; i < parts.size(); ++i)
        o += (i == 0 ? "" : i + 1 == parts.size() ? " and " : ", ") + parts[i];
    return o;
}

LayerSelection parse_layers(const std::string& spec, const golden::ModelConfig& m,
                            const std::string& what) {
    auto bad = [&](const std::string& why) {
        return Error(fmt::format("{} '{}': {}", what, spec, why),
                     fmt::format("all, or a comma list of embed, layers 0..{} and/or lm_head, "
                                 "e.g. 0,1",
                                 m.layers - 1));
    };
    LayerSelection sel;
    if (spec == "all") {
        sel.layers.resize(m.layers);
        std::iota(sel.layers.begin(), sel.layers.end(), 0);
        sel.embed = true;
        sel.lm_head = true;
        return sel;
    }
    std::set<int> seen;
    for (std::string item : split(spec, ',')) {
        item.erase(0, item.find_first_not_of(" \t"));
        item.erase(item.find_last_not_of(" \t") + 1);
        if (item == "embed") {
            if (sel.embed) throw bad("embed listed twice");
            sel.embed = true;
            continue;
        }
        if (item == "lm_head") {
            if (sel.lm_head) throw bad("lm_head listed twice");
            sel.lm_head = true;
            continue;
        }
        const auto l = parse_index(item);
        if (!l) throw bad(fmt::format("'{}' is not a layer index, embed or lm_head", item));
        if (*l >= m.layers)
            throw bad(fmt::format("layer {} is out of range: model {} has {} layers (0..{})", *l,
                                  m.name, m.layers, m.layers - 1));
        if (!seen.insert(*l).second) throw bad(fmt::format("layer {} listed twice", *l));
    }
    sel.layers.assign(seen.begin(), seen.end());
    return sel;
}

std::string module_name(const CaseSpec& c, const std::string& fault) {
    std::string m =
        find_kernel(c.stage).variant(c) + "_" + rtlgen::ident(kern::load_arch_config(c.arch).name);
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

void check_manifest(const std::string& rtl_dir, const kern::ArchParams& arch,
                    const std::string& module, int d_in_needed) {
    const fs::path p = fs::path(rtl_dir) / arch.name / (module + ".json");
    std::error_code ec;
    if (!fs::exists(p, ec))
        throw Error(fmt::format("no generated RTL manifest {}", p.string()),
                    fmt::format("--rtl-dir holds one folder per config: flexllm rtlgen --arch {} "
                                "--out {}",
                                arch.name, (fs::path(rtl_dir) / arch.name).string()));
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(read_text_file(p.string()));
    } catch (const nlohmann::json::exception& e) {
        throw Error(fmt::format("manifest {} is not valid JSON: {}", p.string(), e.what()));
    }
    if (!j.is_object())
        throw Error(fmt::format("manifest {} is not a JSON object", p.string()),
                    "rerun flexllm rtlgen for this config");
    // A missing or mistyped field reads as absent (and so as stale RTL), never as a json throw.
    auto str = [&](const char* key, const char* absent) {
        const auto it = j.find(key);
        return it != j.end() && it->is_string() ? it->get<std::string>() : std::string(absent);
    };
    const auto d_max_it = j.find("d_max");
    const int64_t d_max =
        d_max_it != j.end() && d_max_it->is_number_integer() ? d_max_it->get<int64_t>() : 0;
    const std::string want = fmt::format("{:016x}", kern::params_hash(arch));
    const std::string got = str("params_hash", "");
    if (got != want)
        throw Error(
            fmt::format("stale RTL: {} was generated for params hash {} but {} hashes to {}",
                        module, got, arch.name, want),
            "rerun flexllm rtlgen for this config");
    if (str("generator_version", "") != rtlgen::kGeneratorVersion)
        throw Error(fmt::format("stale RTL: {} comes from generator {} (this is {})", module,
                                str("generator_version", "?"), rtlgen::kGeneratorVersion),
                    "rerun flexllm rtlgen for this config");
    if (d_max < d_in_needed)
        throw Error(fmt::format("{} buffers d_in up to {} but the case needs {}", module, d_max,
                                d_in_needed),
                    "regenerate with flexllm rtlgen --model <model>");
}

RtlModule generated_rtl(const rtlgen::Module& g, const kern::ArchParams& arch,
                        const kern::ModelBounds& bounds) {
    RtlModule r;
    r.module = g.name;
    r.manifest = rtlgen::manifest(g, arch, bounds).dump(2) + "\n";
    r.origin = fmt::format("generated for arch {}", arch.name);
    r.sources.emplace_back(g.name + ".sv", g.sv);
    for (const auto& p : g.primitives) r.sources.emplace_back(p + ".sv", rtlgen::primitive_sv(p));
    for (const auto& m : g.generated) r.sources.emplace_back(m.name + ".sv", m.sv);
    return r;
}

namespace {

// True when the built-in model of `rtl.module` was Verilated from these very sources (the build's
// generated RTL, default_rtl_dir()).
bool built_in_from(const RtlModule& rtl, const std::string& arch_name) {
    if (!find_dut(rtl.module)) return false;
    const fs::path dir = fs::path(default_rtl_dir()) / arch_name;
    std::error_code ec;
    for (const auto& [name, text] : rtl.sources) {
        const fs::path f = dir / name;
        if (!fs::is_regular_file(f, ec) || read_text_file(f.string()) != text) return false;
    }
    return true;
}
}  // namespace

DutFactory case_model(const CaseSpec& c, const kern::ArchParams& arch, const golden::ModelConfig& m,
                      const std::string& module, const CaseOptions& opt, int d_in_needed) {
    RtlModule rtl;
    const kern::ModelBounds b = kern::model_bounds(m);
    if (opt.foreign) return on_demand_model(foreign_rtl_module(*opt.foreign, arch, b)).make;
    if (!opt.rtl_dir.empty()) {
        check_manifest(opt.rtl_dir, arch, module, d_in_needed);
        rtl = read_rtl_module((fs::path(opt.rtl_dir) / arch.name).string(), module);
    } else {
        const std::string variant = find_kernel(c.stage).variant(c);
        const std::string fault = opt.fault == "none" ? "" : opt.fault;
        // The fault-free module is the one the bench was laid out from (made once per process).
        rtl = generated_rtl(fault.empty() ? variant_module(arch, variant, b)
                                          : rtlgen::generate_variant(arch, b, variant, fault),
                            arch, b);
    }
    if (built_in_from(rtl, arch.name)) return find_dut(module);
    return on_demand_model(rtl).make;
}

// ---- stage tensors ------------------------------------------------------------------------------

const StageData& StageTensors::get(const CaseSpec& c) const {
    const auto it = data.find(c.data_key());
    if (it == data.end())
        throw Error(
            fmt::format("no {} stimulus for {}{} {}", kern::phase_name(c.phase),
                        c.layer < 0 ? "" : fmt::format("layer {} ", c.layer), c.stage, c.role),
            "the suite's layers do not include it (--layers)");
    return *it->second;
}

namespace {
// The config-independent cases of a layer selection: one per data key.
std::vector<CaseSpec> data_cases(const LayerSelection& layers) {
    return enumerate_cases({""}, layers.layers, layers.embed, layers.lm_head);
}
}  // namespace

StageTensors golden_stage_tensors(const std::string& model, uint64_t weight_seed, int prompt_len,
                                  int decode_tokens, const LayerSelection& layers, int top_k) {
    golden::GoldenOptions go;
    go.model = model;
    go.weights = fmt::format("synthetic:{}", weight_seed);
    go.prompt_len = prompt_len;
    go.gen_len = decode_tokens + 1;
    go.top_k = top_k;
    return golden_stage_tensors(
        golden::run_golden(go), decode_tokens, layers,
        fmt::format("golden {} synthetic:{}, {}, prompt {} + {} decode{}", model, weight_seed,
                    layers.describe(), prompt_len, decode_tokens,
                    top_k > 1 ? fmt::format(" (top-{} seed {})", top_k, go.seed) : ""));
}

StageTensors golden_stage_tensors(const golden::GoldenRun& run, int decode_tokens,
                                  const LayerSelection& layers, std::string source) {
    const GoldenTaps taps(run, decode_tokens);
    StageTensors st;
    st.source = std::move(source);
    for (const CaseSpec& c : data_cases(layers))
        st.data[c.data_key()] = find_kernel(c.stage).golden_data(c, taps);
    return st;
}

StageTensors random_stage_tensors(const golden::ModelConfig& m, uint64_t seed, int prompt_len,
                                  int decode_tokens, const LayerSelection& layers) {
    StageTensors st;
    st.source = fmt::format("random seed {}, {} (expected values from the golden _ref ops)", seed,
                            layers.describe());
    const RandomSpec r{seed, prompt_len, decode_tokens};
    for (const CaseSpec& c : data_cases(layers))
        st.data[c.data_key()] = find_kernel(c.stage).random_data(c, m, r);
    return st;
}

// ---- running a case -----------------------------------------------------------------------------

CaseOutcome run_case(const CaseSpec& c, const StageTensors& tensors, const golden::ModelConfig& m,
                     const CaseOptions& opt, const std::string& waves_dir, uint64_t wave_window) {
    const auto t0 = std::chrono::steady_clock::now();
    CaseOutcome out;
    out.spec = c;
    out.module = opt.foreign ? foreign_module_name(*opt.foreign) : module_name(c, opt.fault);
    const kern::ArchParams arch = kern::load_arch_config(c.arch);
    const Kernel& kernel = find_kernel(c.stage);
    const CaseContext x = case_context(c, arch, m);
    const CaseBench bench = kernel.bench(x, tensors.get(c));
    out.tokens = bench.tokens;
    out.d_in = bench.d_in;
    out.d_out = bench.d_out;
    out.d = bench.d;
    const DutFactory make = case_model(c, arch, m, out.module, opt, bench.d_in);
    if (opt.run_csim) {
        const std::optional<RunResult> cr = run_csim(kernel, x, bench);
        out.csim_ok = !cr || cr->ok;
        out.csim = !cr      ? "n/a (no C-sim instantiation for this shape)"
                   : cr->ok ? "ok"
                            : "diverged: " + cr->summary();
    } else {
        out.csim = "skipped";
    }

    auto run = [&](const RunOptions& ro) {
        std::unique_ptr<Dut> dut = make(ro.seed);
        return run_dut(*dut, bench, ro);
    };
    const bool stalls = opt.run.stall_prob > 0 || opt.run.gap_prob > 0;
    RunOptions base = opt.run;
    if (bench.model_cycles > 0)  // the per-test cycle budget: 20x the model, at least 20k cycles
        base.cycle_budget = std::min<uint64_t>(
            base.cycle_budget,
            std::max<uint64_t>(20'000, 20 * static_cast<uint64_t>(bench.model_cycles)));
    RunOptions clean = base;
    clean.stall_prob = clean.gap_prob = 0;
    out.rtl = run(clean);
    out.perf.available = bench.model_cycles > 0;
    out.perf.model = bench.model_cycles;
    out.perf.measured = static_cast<int64_t>(out.rtl.measured());
    if (out.perf.available && out.perf.model > 0)
        out.perf.residual =
            static_cast<double>(out.perf.measured - out.perf.model) / out.perf.model;
    const RunOptions* failing_opts = &clean;
    RunOptions stalled_opts = base;
    for (int k = 0; stalls && k < opt.stall_profiles; ++k) {
        RunOptions ro = base;
        ro.seed = base.seed + static_cast<uint64_t>(k);
        RunResult r = run(ro);
        ++out.stall_runs;
        const bool failed = !r.ok;
        if (k == 0 || failed) {
            out.stalled = std::move(r);
            stalled_opts = ro;
        }
        if (failed) break;
    }
    // X safety: the clean run again from another randomized initial state (the models are built
    // with --x-assign unique --x-initial unique; without stalls or gaps the seed reaches only the
    // model's randSeed) must give the same verdict, beats and cycles.
    RunOptions reseeded = clean;
    reseeded.seed = clean.seed ^ 0x5eed5eedull;
    const RunResult again = run(reseeded);
    out.x_safe = again.ok == out.rtl.ok && again.cycles == out.rtl.cycles &&
                 again.last_out == out.rtl.last_out && again.mismatches == out.rtl.mismatches;
    std::string fail;
    if (!out.rtl.ok) {
        fail = out.rtl.summary();
    } else if (!out.x_safe) {
        fail = fmt::format(
            "randomized initial state: model seed {} gives {} in {} cycles, seed {} gives {} in "
            "{} cycles",
            clean.seed, out.rtl.summary(), out.rtl.cycles, reseeded.seed, again.summary(),
            again.cycles);
    } else if (out.stalled && !out.stalled->ok) {
        fail = fmt::format("under stalls (seed {}): {}", stalled_opts.seed, out.stalled->summary());
        failing_opts = &stalled_opts;
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
        out.failure = fmt::format("{} {}: {}{}", c.stage_name(), c.role, fail, fr.ok ? "" : where);
        // Deterministic re-run with FST tracing around the first problem.
        if (!waves_dir.empty() && !fr.ok && !opt.waves_always) {
            std::string stem = c.id();
            std::replace(stem.begin(), stem.end(), '/', '.');
            out.waves = trace_failure(make, bench, *failing_opts, fr, wave_window, waves_dir, stem);
        }
    }
    if (!waves_dir.empty() && opt.waves_always) {  // the whole run that decided the verdict
        std::string stem = c.id();
        std::replace(stem.begin(), stem.end(), '/', '.');
        out.waves = trace_run(make, bench, (out.stalled && out.rtl.ok) ? stalled_opts : clean,
                              waves_dir, stem);
    }
    out.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return out;
}

std::string trace_failure(DutFactory make, const Bench& bench, const RunOptions& failed_opts,
                          const RunResult& fr, uint64_t window, const std::string& dir,
                          const std::string& stem) {
    fs::create_directories(dir);
    const fs::path fst = fs::path(dir) / (stem + ".fst");
    RunOptions ro = failed_opts;
    const uint64_t focus = fr.first ? fr.first->cycle
                           : !fr.watchdog.empty()
                               ? fr.cycles - std::min(fr.cycles, failed_opts.watchdog_cycles)
                               : fr.cycles;
    ro.wave_from = focus > window ? focus - window : 0;
    ro.wave_to = focus + window / 4 + 8;
    ro.wave_path = fst.string();
    std::unique_ptr<Dut> dut = make(ro.seed);
    (void)run_dut(*dut, bench, ro);
    const std::optional<GtkwMarker> marker =
        fr.first ? std::optional<GtkwMarker>({static_cast<int64_t>(trace_time(fr.first->cycle)),
                                              static_cast<int64_t>(trace_time(ro.wave_to + 1)),
                                              fr.first->port, fr.first->lane})
                 : std::nullopt;
    write_gtkw((fs::path(dir) / (stem + ".gtkw")).string(), fst.string(), *dut,
               trace_time(ro.wave_from), marker);
    return fst.string();
}

std::string trace_run(DutFactory make, const Bench& bench, const RunOptions& opts,
                      const std::string& dir, const std::string& stem) {
    fs::create_directories(dir);
    const fs::path fst = fs::path(dir) / (stem + ".fst");
    RunOptions ro = opts;
    ro.wave_from = 0;
    ro.wave_path = fst.string();
    std::unique_ptr<Dut> dut = make(ro.seed);
    (void)run_dut(*dut, bench, ro);
    write_gtkw((fs::path(dir) / (stem + ".gtkw")).string(), fst.string(), *dut, 0);
    return fst.string();
}

std::vector<CaseSpec> default_cases(const std::vector<std::string>& archs,
                                    const LayerSelection& layers) {
    return enumerate_cases(archs, layers.layers, layers.embed, layers.lm_head);
}

}  // namespace flexllm::tb
