// The regression runner.
#include "tb/regress.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

#include "golden/config_io.h"
#include "golden/error.h"
#include "golden/golden_run.h"
#include "golden/model_config.h"
#include "hls_src/arch_config.h"
#include "rtl_gen/kernel_list.h"
#include "tb/composed.h"
#include "tb/dut.h"
#include "tb/report.h"

namespace flexllm::tb {

bool glob_match(const std::string& p, const std::string& t) {
    size_t pi = 0, ti = 0, star = std::string::npos, mark = 0;
    while (ti < t.size()) {
        if (pi < p.size() && (p[pi] == '?' || p[pi] == t[ti])) {
            ++pi;
            ++ti;
        } else if (pi < p.size() && p[pi] == '*') {
            star = pi++;
            mark = ti;
        } else if (star != std::string::npos) {
            pi = star + 1;
            ti = ++mark;
        } else {
            return false;
        }
    }
    while (pi < p.size() && p[pi] == '*') ++pi;
    return pi == p.size();
}

namespace {
std::pair<int, int> parse_shard(const std::string& s) {
    const auto slash = s.find('/');
    try {
        if (slash == std::string::npos) throw std::invalid_argument("no slash");
        size_t a = 0, b = 0;
        const int i = std::stoi(s.substr(0, slash), &a);
        const int n = std::stoi(s.substr(slash + 1), &b);
        if (a != slash || b != s.size() - slash - 1 || n < 1 || i < 0 || i >= n)
            throw std::invalid_argument("range");
        return {i, n};
    } catch (const std::exception&) {
        throw Error(fmt::format("bad --shard '{}'", s), "I/N with 0 <= I < N, e.g. 0/4");
    }
}
}  // namespace

}  // namespace flexllm::tb

namespace flexllm::embedded {
const std::vector<std::pair<std::string_view, std::string_view>>& suites();
}

namespace flexllm::tb {

std::vector<std::string> builtin_suite_names() {
    std::vector<std::string> v;
    for (const auto& [name, text] : embedded::suites()) v.emplace_back(name);
    return v;
}

namespace {
// A suite's archs: built-in names, or plain file names of TOMLs in the suite file's own folder
// (a suite never reaches outside its folder).
std::vector<std::string> suite_archs(const std::string& list, const std::string& where,
                                     const std::string& suite_path) {
    const auto builtin = kern::builtin_arch_names();
    std::vector<std::string> out;
    for (const std::string& a : split_list(list, where)) {
        if (std::find(builtin.begin(), builtin.end(), a) != builtin.end()) {
            out.push_back(a);
            continue;
        }
        if (!plain_file_name(a))
            throw Error(
                fmt::format("{}: '{}' must be a built-in config or a file name in the "
                            "suite's folder",
                            where, a));
        out.push_back((std::filesystem::path(suite_path).parent_path() / a).string());
    }
    return out;
}
}  // namespace

RegressOptions apply_suite(const RegressOptions& in) {
    RegressOptions o = in;
    const auto [origin, text] = resolve_config_text("suite", in.suite, embedded::suites());
    const toml::table tbl = parse_toml(text, origin);
    TomlReader r(tbl, origin);
    auto set = [&](const char* key) { return in.explicit_options.count(key) == 0; };
    (void)r.get_string("name", "");
    const std::string model = r.get_string("model", o.model);
    const bool has_archs = r.has("archs");
    const std::string archs = r.get_string("archs", "");
    const std::string archs_where = r.where("archs");
    const std::string source = r.get_string("source", o.source);
    const auto wseed = static_cast<uint64_t>(r.get_int_in("weights_seed", 0, INT64_MAX, 1));
    const auto plen = static_cast<int>(r.get_int_in("prompt_len", 1, 1 << 24, o.prompt_len));
    const auto dtok = static_cast<int>(r.get_int_in("decode_tokens", 1, 1 << 24, o.decode_tokens));
    const auto top_k = static_cast<int>(r.get_int_in("top_k", 1, 1 << 20, o.top_k));
    const double stall = r.get_double("stall_prob", o.stall_prob);
    check_probability(stall, r.where("stall_prob"));
    const auto profiles = static_cast<int>(r.get_int_in("stall_profiles", 1, 16, o.stall_profiles));
    const std::string filter = r.get_string("filter", "*");
    const std::string layers = r.get_string("layers", "all");
    const std::string layers_where = r.where("layers");
    r.finish();
    o.model = model;
    o.weights_seed = wseed;
    o.prompt_len = plen;
    o.decode_tokens = dtok;
    if (set("top-k")) o.top_k = top_k;
    if (set("arch") && has_archs) o.archs = suite_archs(archs, archs_where, origin);
    if (set("source")) o.source = source;
    if (set("stall-prob")) o.stall_prob = stall;
    if (set("stall-profiles")) o.stall_profiles = profiles;
    if (set("filter")) o.filter = filter;
    if (set("layers")) o.layers = layers;
    (void)parse_layers(o.layers, suite_model(o), set("layers") ? layers_where : "--layers");
    return o;
}

namespace {
LayerSelection suite_layers(const RegressOptions& o, const golden::ModelConfig& m) {
    return parse_layers(o.layers, m, "--layers");
}
}  // namespace

golden::ModelConfig suite_model(const RegressOptions& o) {
    return o.golden_file.empty() ? golden::load_model_config(o.model)
                                 : golden::golden_file_config(o.golden_file);
}

std::vector<CaseSpec> suite_cases(const RegressOptions& o) {
    // Cases name their configs, so that ids and module names never carry a TOML's path.
    std::vector<std::string> archs;
    for (const auto& a : o.archs) archs.push_back(kern::register_arch_config(a));
    const LayerSelection layers = suite_layers(o, suite_model(o));
    std::vector<CaseSpec> cases = default_cases(archs, layers);
    // The composed tops after the kernels: their stages' golden taps must chain, which seeded
    // random stimulus (independent per stage) does not.
    if (o.source == "golden")
        for (const auto& c : composed_suite_cases(archs, layers.layers)) cases.push_back(c);
    return cases;
}

StageTensors suite_stage_tensors(const RegressOptions& o) {
    if (o.source != "golden" && o.source != "random")
        throw Error(fmt::format("bad --source '{}'", o.source), "golden or random");
    if (o.explicit_options.count("top-k") && (o.source != "golden" || !o.golden_file.empty()))
        throw Error(
            "--top-k sets the decode of a fresh golden run; it has no effect with --source random "
            "or --golden");
    const golden::ModelConfig m = suite_model(o);
    const LayerSelection layers = suite_layers(o, m);
    if (!o.golden_file.empty()) {
        if (o.source != "golden")
            throw Error("--golden replays a golden run's taps; --source random has no effect");
        const golden::GoldenRun run = golden::load_golden_run(o.golden_file);
        const int decode_steps = run.opt.gen_len - 1;  // decode/N consumes the token of N - 1
        if (decode_steps < 1)
            throw Error(
                fmt::format("{} has no decode step (gen_len {})", o.golden_file, run.opt.gen_len),
                "write it with flexllm golden --gen-len 2 or more");
        return golden_stage_tensors(
            run, decode_steps, layers,
            fmt::format("golden file {} ({} {}, {}, prompt {} + {} decode)", o.golden_file,
                        run.opt.model, run.opt.weights, layers.describe(), run.opt.prompt_len,
                        decode_steps));
    }
    if (o.source == "golden")
        return golden_stage_tensors(o.model, o.weights_seed, o.prompt_len, o.decode_tokens, layers,
                                    o.top_k);
    return random_stage_tensors(m, o.seed, o.prompt_len, o.decode_tokens, layers);
}

RegressResult run_regress(const RegressOptions& opts) {
    const auto t0 = std::chrono::steady_clock::now();
    RegressOptions o = apply_suite(opts);
    const auto [shard_i, shard_n] = parse_shard(o.shard);
    if (o.jobs < 1 || o.jobs > 256) throw Error(fmt::format("bad --jobs {}", o.jobs), "1..256");
    if (o.stall_profiles < 1 || o.stall_profiles > 16)
        throw Error(fmt::format("bad --stall-profiles {}", o.stall_profiles), "1..16");
    check_probability(o.stall_prob, "--stall-prob");
    if (o.explicit_options.count("gap-prob")) check_probability(o.gap_prob, "--gap-prob");
    if (o.waves != "never" && o.waves != "on-fail" && o.waves != "always")
        throw Error(fmt::format("bad --waves '{}'", o.waves), "never, on-fail or always");
    if (o.explicit_options.count("waves-dir") && o.waves == "never")
        throw Error("--waves-dir has no effect with --waves never");
    if (!o.junit.empty()) check_output_file(o.junit, "--junit");
    if (!o.json.empty()) check_output_file(o.json, "--json");
    if (o.waves != "never") check_output_dir(o.waves_dir, "--waves-dir");
    for (const auto& a : o.archs) (void)kern::register_arch_config(a);
    // --rtl: foreign RTL of one variant on one config, run on that variant's cases.
    std::shared_ptr<const ForeignRtl> foreign;
    if (!o.rtl_manifest.empty()) {
        for (const char* n : {"arch"})
            if (o.explicit_options.count(n))
                throw Error(
                    fmt::format("--{} has no effect with --rtl (its manifest names it)", n));
        if (!o.rtl_dir.empty()) throw Error("--rtl and --rtl-dir exclude each other");
        if (!o.fault.empty() && o.fault != "none")
            throw Error("--inject-fault mutates the generator's RTL; it has no effect with --rtl");
        foreign = std::make_shared<const ForeignRtl>(read_foreign_rtl(o.rtl_manifest));
        o.archs = {foreign->arch};
    }
    // The variant the fault mutates (an unknown kind is an error before any case is selected).
    const rtlgen::VariantInfo* fv =
        !o.fault.empty() && o.fault != "none" ? &rtlgen::fault_variant(o.fault) : nullptr;
    const golden::ModelConfig m = suite_model(o);

    const std::vector<std::string> globs = split_list(o.filter, "--filter");
    std::vector<CaseSpec> sel;
    int idx = 0;
    for (const auto& c : suite_cases(o)) {
        const std::string id = c.id();
        if (std::none_of(globs.begin(), globs.end(),
                         [&](const std::string& g) { return glob_match(g, id); }))
            continue;
        if (idx++ % shard_n == shard_i) sel.push_back(c);
    }
    if (sel.empty())
        throw Error(fmt::format("no test matches --filter '{}' in shard {}", o.filter, o.shard),
                    "test ids look like tiny_a/decode/L0/linear/q or tiny_a/decode/linear/lm_head");
    std::string note;
    if (!o.rtl_dir.empty()) {
        // The composed tops are generated from the kernels' generator, not read from --rtl-dir.
        const size_t selected = sel.size();
        std::erase_if(sel, is_composed_case);
        if (sel.empty())
            throw Error(fmt::format("--rtl-dir {}: the selection is composed tops only, which are "
                                    "generated, not read from it",
                                    o.rtl_dir),
                        "select kernel cases, or drop --rtl-dir");
        if (sel.size() < selected)
            note = fmt::format(
                "--rtl-dir {}: {} composed-top cases skipped (composed tops are generated, not "
                "read from it)\n",
                o.rtl_dir, selected - sel.size());
    }
    if (foreign) {
        const size_t selected = sel.size();
        std::erase_if(sel, [&](const CaseSpec& c) {
            return is_composed_case(c) || !case_runs_variant(c, foreign->variant);
        });
        if (sel.empty())
            throw Error(fmt::format("no selected case runs {}, the variant of {}", foreign->variant,
                                    o.rtl_manifest),
                        "widen --filter or --layers");
        note += fmt::format(
            "--rtl {}: {} ({}) on {}: {} of {} selected cases (the variant's); cycles are "
            "reported against the perf model of the generated engine, not checked\n",
            o.rtl_manifest, foreign->top.top, foreign->variant, foreign->arch, sel.size(),
            selected);
    }
    if (fv) {
        // A mutant is of one variant (built in for the first config, on demand for the others):
        // the other cases are skipped, and said to be.
        const size_t selected = sel.size();
        std::erase_if(sel, [&](const CaseSpec& c) { return !case_runs_variant(c, fv->variant); });
        if (sel.empty())
            throw Error(fmt::format("no selected case has a '{}' mutant", o.fault),
                        fmt::format("it mutates {} (kernel {}): select its cases, e.g. --filter "
                                    "'*/{}/*'",
                                    fv->variant, fv->kernel, fv->kernel));
        if (sel.size() < selected)
            note += fmt::format(
                "--inject-fault {}: {} of {} selected cases skipped (the mutant is of "
                "{}, kernel {})\n",
                o.fault, selected - sel.size(), selected, fv->variant, fv->kernel);
    }
    RegressResult rr;
    if (o.list_only) {
        for (const auto& c : sel) rr.table += c.id() + "\n";
        return rr;
    }

    const StageTensors tensors = suite_stage_tensors(o);
    CaseOptions co;
    co.run.seed = o.seed;
    co.run.stall_prob = o.stall_prob;
    co.run.gap_prob = o.gap_prob < 0 ? o.stall_prob : o.gap_prob;
    co.stall_profiles = o.stall_profiles;
    co.fault = o.fault;
    co.waves_always = o.waves == "always";
    co.rtl_dir = o.rtl_dir;
    co.foreign = foreign;
    if (foreign) co.check_perf = false;
    const std::string wdir = o.waves == "never" ? "" : o.waves_dir;

    rr.cases.resize(sel.size());
    std::atomic<size_t> next{0};
    std::mutex err_mu;
    std::optional<Error> first_error;
    auto worker = [&] {
        for (size_t i; (i = next.fetch_add(1)) < sel.size();) {
            try {
                rr.cases[i] = run_suite_case(sel[i], tensors, m, co, wdir, o.wave_window);
            } catch (const Error& e) {
                std::lock_guard<std::mutex> lk(err_mu);
                if (!first_error) first_error = e;
                next = sel.size();
            }
        }
    };
    std::vector<std::thread> pool;
    for (int j = 1; j < std::min<int>(o.jobs, static_cast<int>(sel.size())); ++j)
        pool.emplace_back(worker);
    worker();
    for (auto& t : pool) t.join();
    if (first_error) throw *first_error;

    RegressMeta meta;
    meta.source = tensors.source;
    meta.seed = o.seed;
    meta.stall_prob = co.run.stall_prob;
    meta.gap_prob = co.run.gap_prob;
    meta.stall_profiles = co.stall_profiles;
    meta.shard = o.shard;
    meta.wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    rr.table = note + console_table(rr.cases, meta);
    if (!o.junit.empty()) write_junit(o.junit, rr.cases, meta);
    if (!o.json.empty()) write_json(o.json, rr.cases, meta);
    rr.exit_code = 0;
    for (const auto& c : rr.cases)
        if (!c.passed) rr.exit_code = 1;
    return rr;
}

}  // namespace flexllm::tb
