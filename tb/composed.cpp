// A composed top against golden (tb/composed.h).
#include "tb/composed.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>

#include "golden/error.h"
#include "hls_src/arch_config.h"
#include "rtl_gen/kernel_list.h"
#include "tb/csim_engine.h"
#include "tb/model_cache.h"

namespace flexllm::tb {

namespace {
// "inst.stream" -> (stage index, stream).
std::pair<size_t, std::string> locate(const rtlgen::ComposedTop& top, const std::string& e) {
    const size_t dot = e.find('.');
    for (size_t i = 0; i < top.stages.size(); ++i)
        if (top.stages[i].inst == e.substr(0, dot)) return {i, e.substr(dot + 1)};
    throw Error(fmt::format("{}: no stage for {}", top.module.name, e));
}

// The stage instance whose port `port` of the top observes or drives.
std::string stage_of(const rtlgen::ComposedTop& top, const std::string& port) {
    const auto& ports = top.module.shape.at("ports");
    const auto it = ports.find(port);
    return it == ports.end() ? port : it->get<std::string>();
}

std::string describe(const rtlgen::ComposedTop& top, const Divergence& d, bool timed) {
    const std::string origin = stage_of(top, d.port);
    const auto [i, stream] = locate(top, origin);
    return fmt::format("stage {} ({}, {} of {}) on {} ({}) beat {} lane {}: {} GOT={} EXP={}{}",
                       top.stages[i].inst, top.stages[i].variant, stream, top.stages[i].role,
                       d.port, d.tensor, d.beat, d.lane, d.coord.text(), d.got, d.exp,
                       timed ? fmt::format(" at cycle {}", d.cycle) : "");
}
}  // namespace

std::vector<CaseSpec> composed_cases(const rtlgen::ComposedTop& top, const std::string& arch,
                                     kern::Phase phase, int layer) {
    std::vector<CaseSpec> out;
    for (const auto& s : top.stages) {
        const std::string kernel = rtlgen::find_variant(s.variant).kernel;
        CaseSpec c{arch, phase, kernel, s.role, layer};
        (void)find_role(find_kernel(kernel), s.role);
        out.push_back(c);
    }
    return out;
}

Bench composed_bench(const rtlgen::ComposedTop& top, const std::vector<CaseBench>& stages) {
    const std::string& name = top.module.name;
    if (stages.size() != top.stages.size())
        throw Error(fmt::format("{}: {} stage benches for {} stages", name, stages.size(),
                                top.stages.size()));
    Bench out;
    std::vector<int> mem_base;
    for (size_t i = 0; i < stages.size(); ++i) {
        const CaseBench& b = stages[i];
        if (!b.reads.empty())
            throw Error(
                fmt::format("{}: stage {} has a memory read channel, which composed tops "
                            "do not route yet",
                            name, top.stages[i].inst));
        for (const auto& s : b.scalars) {
            const auto it = std::find_if(out.scalars.begin(), out.scalars.end(),
                                         [&](const Scalar& x) { return x.name == s.name; });
            if (it == out.scalars.end())
                out.scalars.push_back(s);
            else if (it->value != s.value)
                throw Error(
                    fmt::format("{}: scalar {} is {} for stage {} but {} for an earlier one", name,
                                s.name, s.value, top.stages[i].inst, it->value));
        }
        mem_base.push_back(static_cast<int>(out.mem.size()));
        out.mem.insert(out.mem.end(), b.mem.begin(), b.mem.end());
    }
    auto stimulus = [&](size_t i, const std::string& stream) -> const PortStimulus& {
        for (const auto& s : stages[i].inputs)
            if (s.port == stream) return s;
        throw Error(
            fmt::format("{}: stage {} has no stimulus for {}", name, top.stages[i].inst, stream));
    };
    auto expectation = [&](size_t i, const std::string& stream) -> const PortExpectation& {
        for (const auto& e : stages[i].outputs)
            if (e.port == stream) return e;
        throw Error(fmt::format("{}: stage {} has no expectation for {}", name, top.stages[i].inst,
                                stream));
    };
    for (const auto& p : top.module.streams) {
        const auto [i, stream] = locate(top, stage_of(top, p.name));
        if (p.input) {
            PortStimulus s = stimulus(i, stream);
            s.port = p.name;
            if (s.mem_group >= 0) s.mem_group += mem_base[i];
            out.inputs.push_back(std::move(s));
        } else {
            PortExpectation e = expectation(i, stream);
            e.port = p.name;
            out.outputs.push_back(std::move(e));
        }
    }
    // Each internal connection: the downstream stage's golden input is the upstream's golden
    // output, beat for beat (else the taps do not chain and the composition proves nothing).
    for (const auto& [to, from] : top.module.shape.at("links").items()) {
        const auto [ti, ts] = locate(top, to);
        const auto [fi, fs_] = locate(top, from.get<std::string>());
        const PortStimulus& s = stimulus(ti, ts);
        const PortExpectation& e = expectation(fi, fs_);
        const rtlgen::StreamPort& port = top.stage_modules[fi].stream(fs_);
        std::vector<uint32_t> words(static_cast<size_t>(s.words_per_beat) * e.beats());
        for (size_t b = 0; b < e.beats(); ++b)
            pack_elems(&e.elems[b * port.lanes], port.lanes, port.elem_width,
                       &words[b * s.words_per_beat]);
        if (e.beats() != s.beats() || words != s.words || e.last != s.last)
            throw Error(fmt::format("{}: the golden output of {} is not the golden input of {}",
                                    name, from.get<std::string>(), to));
    }
    const std::string last = top.stages.back().inst + "." + stages.back().primary;
    for (const auto& [port, origin] : top.module.shape.at("ports").items())
        if (origin.get<std::string>() == last) out.primary = port;
    if (out.primary.empty())
        throw Error(fmt::format("{}: the last stage's {} is not a port of the top", name, last));
    return out;
}

ComposedOutcome run_composed(const rtlgen::ComposedTop& top, const std::vector<CaseSpec>& stages,
                             const StageTensors& tensors, const golden::ModelConfig& m,
                             const CaseOptions& opt, const std::string& waves_dir,
                             uint64_t wave_window, const std::string& wave_stem) {
    ComposedOutcome out;
    const std::string stem = wave_stem.empty() ? top.module.name : wave_stem;
    out.module = top.module.name;
    if (stages.empty()) throw Error(fmt::format("{}: no stages", top.module.name));
    const kern::ArchParams arch = kern::load_arch_config(stages.front().arch);
    const kern::ModelBounds bounds = kern::model_bounds(m);
    std::vector<CaseBench> benches;
    out.csim = opt.run_csim ? "ok" : "skipped";
    bool csim_ok = true;  // "n/a" and "skipped" judge nothing; the RTL is still checked
    for (const auto& c : stages) {
        const Kernel& k = find_kernel(c.stage);
        const CaseContext x = case_context(c, arch, m);
        benches.push_back(k.bench(x, tensors.get(c)));
        if (!opt.run_csim || out.csim != "ok") continue;
        const std::optional<RunResult> cr = run_csim(k, x, benches.back());
        if (!cr)
            out.csim = fmt::format("n/a (no C-sim instantiation of {})", c.stage_name());
        else if (!cr->ok) {
            out.csim =
                fmt::format("{} {} diverged first: {}", c.stage_name(), c.role, cr->summary());
            csim_ok = false;
        }
    }
    const Bench bench = composed_bench(top, benches);
    out.tokens = benches.front().tokens;
    out.d_in = benches.front().d_in;
    out.d_out = benches.back().d_out;
    const DutFactory make = on_demand_model(generated_rtl(top.module, arch, bounds)).make;
    auto run = [&](const RunOptions& ro) {
        std::unique_ptr<Dut> dut = make(ro.seed);
        return run_dut(*dut, bench, ro);
    };
    RunOptions clean = opt.run;
    clean.stall_prob = clean.gap_prob = 0;
    out.rtl = run(clean);
    // X safety, as for a kernel case (tb/cases.cpp): another randomized initial state, the same
    // run.
    RunOptions reseeded = clean;
    reseeded.seed = clean.seed ^ 0x5eed5eedull;
    const RunResult again = run(reseeded);
    out.x_safe = again.ok == out.rtl.ok && again.cycles == out.rtl.cycles &&
                 again.last_out == out.rtl.last_out && again.mismatches == out.rtl.mismatches;
    const RunResult* failed = out.rtl.ok ? nullptr : &out.rtl;
    RunOptions failing = clean, last_stalled = clean;
    const bool stalls = opt.run.stall_prob > 0 || opt.run.gap_prob > 0;
    for (int k = 0; stalls && k < opt.stall_profiles && !failed; ++k) {
        RunOptions ro = opt.run;
        ro.seed = opt.run.seed + static_cast<uint64_t>(k);
        ++out.stall_runs;
        out.stalled = run(ro);
        last_stalled = ro;
        if (!out.stalled->ok) {
            failed = &*out.stalled;
            failing = ro;
        }
    }
    std::vector<perf::ChainStage> chain;
    for (const auto& b : benches)
        if (b.chain) chain.push_back(*b.chain);
    out.perf.available = chain.size() == benches.size();
    out.perf.measured = static_cast<int64_t>(out.rtl.measured());
    if (out.perf.available) {
        out.perf.model = perf::chain_cycles(chain);
        out.perf.residual =
            static_cast<double>(out.perf.measured - out.perf.model) / out.perf.model;
    }
    if (!waves_dir.empty() && opt.waves_always)  // the whole run that decided the verdict
        out.waves = trace_run(make, bench,
                              failed        ? failing
                              : out.stalled ? last_stalled
                                            : clean,
                              waves_dir, stem);
    const bool cycles_ok =
        !opt.check_perf || !out.perf.available || std::abs(out.perf.residual) <= opt.perf_tolerance;
    out.passed = !failed && csim_ok && cycles_ok && out.x_safe;
    if (!failed) {
        if (!out.x_safe)
            out.failure = fmt::format(
                "{}: randomized initial state: model seed {} gives {} in {} cycles, seed {} gives "
                "{} in {} cycles",
                top.module.name, clean.seed, out.rtl.summary(), out.rtl.cycles, reseeded.seed,
                again.summary(), again.cycles);
        else if (!csim_ok)
            out.failure = "C-sim " + out.csim + "; RTL: ok";
        else if (!cycles_ok)
            out.failure = fmt::format(
                "{}: cycles: measured {} vs the chain model {} (residual {:+.2f}% > {:.0f}%)",
                top.module.name, out.perf.measured, out.perf.model, 100 * out.perf.residual,
                100 * opt.perf_tolerance);
        return out;
    }
    if (!failed->port_first.empty()) {
        out.first_divergence = describe(top, failed->port_first.front(), failed->timed);
        for (size_t i = 1; i < failed->port_first.size(); ++i)
            out.propagated.push_back(describe(top, failed->port_first[i], failed->timed) +
                                     " (propagated)");
    }
    const std::string why = failed->first && failed->summary().rfind("protocol", 0) != 0
                                ? "first divergence in " + out.first_divergence
                                : failed->summary();
    out.failure = fmt::format(
        "{}{}: {}{}", top.module.name,
        failed == &out.rtl ? "" : fmt::format(" under stalls (seed {})", failing.seed), why,
        out.csim == "ok" ? " [C-sim ok: only the RTL diverged]" : " [C-sim: " + out.csim + "]");
    if (!waves_dir.empty() && !opt.waves_always)
        out.waves = trace_failure(make, bench, failing, *failed, wave_window, waves_dir, stem);
    return out;
}

std::vector<CaseSpec> composed_suite_cases(const std::vector<std::string>& archs,
                                           const std::vector<int>& layers) {
    std::vector<CaseSpec> out;
    for (const auto& a : archs)
        for (const kern::Phase p : {kern::Phase::kPrefill, kern::Phase::kDecode})
            for (const int l : layers)
                for (const auto& r : rtlgen::composed_roles())
                    out.push_back({a, p, r.kind, r.role, l});
    return out;
}

bool is_composed_case(const CaseSpec& c) {
    const auto& roles = rtlgen::composed_roles();
    return std::any_of(roles.begin(), roles.end(),
                       [&](const rtlgen::TopRole& r) { return r.kind == c.stage; });
}

bool case_runs_variant(const CaseSpec& c, const std::string& variant) {
    if (!is_composed_case(c)) return find_kernel(c.stage).variant(c) == variant;
    const auto stages = rtlgen::composed_stages(c.phase, c.stage, c.role);
    return std::any_of(stages.begin(), stages.end(),
                       [&](const rtlgen::ComposedStage& s) { return s.variant == variant; });
}

CaseOutcome run_suite_case(const CaseSpec& c, const StageTensors& tensors,
                           const golden::ModelConfig& m, const CaseOptions& opt,
                           const std::string& waves_dir, uint64_t wave_window) {
    if (!is_composed_case(c)) return run_case(c, tensors, m, opt, waves_dir, wave_window);
    const auto t0 = std::chrono::steady_clock::now();
    std::string stem = c.id();
    std::replace(stem.begin(), stem.end(), '/', '.');
    const kern::ArchParams arch = kern::load_arch_config(c.arch);
    const rtlgen::ComposedTop top =
        rtlgen::composed_top(arch, kern::model_bounds(m), c.phase, c.stage, c.role, opt.fault);
    const ComposedOutcome r = run_composed(top, composed_cases(top, c.arch, c.phase, c.layer),
                                           tensors, m, opt, waves_dir, wave_window, stem);
    CaseOutcome out;
    out.spec = c;
    out.module = r.module;
    out.passed = r.passed;
    out.csim = r.csim;
    out.csim_ok = r.csim == "ok" || r.csim == "skipped" || r.csim.rfind("n/a", 0) == 0;
    out.rtl = r.rtl;
    out.x_safe = r.x_safe;
    out.stalled = r.stalled;
    out.stall_runs = r.stall_runs;
    out.tokens = r.tokens;
    out.d_in = r.d_in;
    out.d_out = r.d_out;
    out.perf = r.perf;
    out.failure = r.failure;
    for (const auto& p : r.propagated) out.failure += "; " + p;
    out.waves = r.waves;
    out.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return out;
}

}  // namespace flexllm::tb
