// `flexllm perf`: projected prefill, decode, end-to-end latency and energy of a design (the same
// *Params as the kernels and the harness) against a GPU baseline; HMT long context; DSE sweep.
#include <fmt/format.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "golden/config_io.h"
#include "golden/error.h"
#include "golden/model_config.h"
#include "hls_src/arch_config.h"
#include "tb/cli/command.h"
#include "tb/perf/device.h"
#include "tb/perf/gpu_model.h"
#include "tb/perf/hmt.h"
#include "tb/perf/model.h"
#include "tb/perf/report.h"
#include "tb/perf/sweep.h"

namespace flexllm::cli {
namespace {

struct PerfArgs {
    std::string model = "llama-3.2-1b";
    std::string arch = "u280_mem_opt";
    std::string device;
    std::string baseline;
    int prompt_len = 1024;
    int gen_len = 1024;
    bool hmt = false;
    perf::HmtConfig hmt_cfg;
    bool sweep = false;
    std::string csv, svg, json;
    bool brief = false;
    perf::PerfOptions options;
};

void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    if (!out) throw Error(fmt::format("cannot write {}", path));
    out << text;
    if (!out) throw Error(fmt::format("cannot write {}", path));
}

int run(const PerfArgs& a) {
    if (!a.json.empty()) check_output_file(a.json, "--json");
    if (a.sweep) {  // the defaults, ARCH_sweep.csv and .svg, go to the working directory
        if (a.csv.empty())
            check_output_dir(".", "--csv");
        else
            check_output_file(a.csv, "--csv");
        if (a.svg.empty())
            check_output_dir(".", "--svg");
        else
            check_output_file(a.svg, "--svg");
    }
    const golden::ModelConfig model = golden::load_model_config(a.model);
    const perf::Workload w{a.prompt_len, a.gen_len};
    std::optional<perf::Baseline> baseline;
    if (!a.baseline.empty()) {
        perf::Baseline b;
        b.gpu = perf::load_gpu_device(a.baseline);
        b.run = perf::run_gpu(model, b.gpu, w);
        baseline = b;
    }
    std::vector<perf::DesignResult> designs;
    for (const auto& name : split_list(a.arch, "--arch")) {
        perf::Design d = perf::load_design(model, name, a.device, a.options);
        designs.push_back({d, perf::run_fpga(d, w)});
    }

    fmt::print("{}", perf::projection_table(model, w, designs, baseline));
    if (!a.brief)
        for (const auto& d : designs) fmt::print("\n{}", perf::design_details(d, w));

    std::vector<std::pair<std::string, perf::HmtReport>> hmt;
    if (a.hmt) {
        for (const auto& d : designs) {
            const perf::HmtReport h =
                perf::run_hmt(d.design, a.hmt_cfg, baseline ? &baseline->gpu : nullptr);
            fmt::print("\n{}", perf::hmt_table(d, h, baseline));
            hmt.emplace_back(d.design.arch.name, h);
        }
    }

    if (a.sweep) {
        const perf::DesignResult& base = designs.front();
        const auto pts = perf::run_sweep(base.design, w, perf::SweepGrid{});
        const std::string stem = base.design.arch.name + "_sweep";
        const std::string csv = a.csv.empty() ? stem + ".csv" : a.csv;
        const std::string svg = a.svg.empty() ? stem + ".svg" : a.svg;
        std::ostringstream os;
        perf::write_sweep_csv(os, pts);
        write_file(csv, os.str());
        perf::SweepPlot plot;
        plot.title = fmt::format("{} on {}: design space (prompt {} + generated {}, batch 1)",
                                 model.name, base.design.device.name, w.prompt_len, w.gen_len);
        plot.highlight = base.design.arch.name;
        plot.max_utilization = base.design.device.max_utilization;
        if (baseline) {
            plot.gpu_name = baseline->gpu.name;
            plot.gpu_decode_tps = baseline->run.decode_tokens_per_s;
            plot.gpu_prefill_tps = w.prompt_len / baseline->run.ttft_s;
        }
        write_file(svg, perf::sweep_svg(pts, plot));
        int fit = 0, ok = 0;
        const perf::SweepPoint* best = nullptr;
        for (const auto& p : pts) {
            ok += p.ok ? 1 : 0;
            if (!p.ok || !p.res.fits) continue;
            ++fit;
            if (!best || p.e2e_s < best->e2e_s) best = &p;
        }
        fmt::print(
            "\nSweep over TP, WP, BP, lanes from {}: {} designs, {} modelled, {} fit {} "
            "(usable {:.0f}%)\n",
            base.design.arch.name, pts.size(), ok, fit, base.design.device.name,
            base.design.device.max_utilization * 100);
        if (best)
            fmt::print(
                "  fastest end to end that fits: {} ({} e2e, {:.1f} decode tok/s, DSP {:.0f}%)\n",
                best->arch.name, perf::format_seconds(best->e2e_s), best->decode_tokens_per_s,
                best->res.dsp_util * 100);
        fmt::print("  wrote {} and {}\n", csv, svg);
    }

    if (!a.json.empty())
        write_file(a.json, perf::to_json(model, w, designs, baseline, hmt).dump(2) + "\n");
    return kExitOk;
}

Registrar reg(
    {"perf", "Project prefill, decode, end-to-end latency and energy of a design (vs a GPU)",
     [](CLI::App& sub) -> std::function<int()> {
         auto a = std::make_shared<PerfArgs>();
         sub.add_option("--model", a->model, "built-in model name or TOML file")
             ->capture_default_str();
         sub.add_option("--arch", a->arch, "architecture config(s): NAME|FILE[,NAME|FILE...]")
             ->capture_default_str();
         sub.add_option("--device", a->device,
                        "FPGA device profile (default: the arch config's device)");
         sub.add_option("--prompt-len", a->prompt_len, "prompt tokens")->capture_default_str();
         sub.add_option("--gen-len", a->gen_len,
                        "generated tokens (the first comes out of prefill)")
             ->capture_default_str();
         sub.add_option("--baseline", a->baseline,
                        "GPU baseline profile: a100, a100_graphs or FILE");
         CLI::Option* hmt =
             sub.add_flag("--hmt", a->hmt, "long-context prefill with HMT vs full attention");
         for (CLI::Option* o : {
                  sub.add_option("--hmt-segments", a->hmt_cfg.max_segments, "HMT segments"),
                  sub.add_option("--hmt-segment-len", a->hmt_cfg.segment_len,
                                 "tokens per HMT segment"),
                  sub.add_option("--hmt-sensory", a->hmt_cfg.sensory, "HMT sensory tokens"),
                  sub.add_option("--hmt-memories", a->hmt_cfg.memories, "HMT cached memories"),
                  sub.add_option("--hmt-extract-len", a->hmt_cfg.extract_len,
                                 "tokens of the representation-extraction pass (0: half a "
                                 "segment)"),
              })
             o->capture_default_str()->needs(hmt);
         CLI::Option* sweep = sub.add_flag(
             "--sweep", a->sweep, "design-space sweep over TP, WP, BP, lanes (CSV and SVG)");
         sub.add_option("--csv", a->csv, "sweep CSV (default ARCH_sweep.csv)")->needs(sweep);
         sub.add_option("--svg", a->svg, "sweep plot (default ARCH_sweep.svg)")->needs(sweep);
         sub.add_option("--json", a->json, "write the figures as JSON");
         sub.add_option("--ffn-engines", a->options.ffn_engines,
                        "prefill FFN engines: 3 dedicated or 1 time-shared")
             ->capture_default_str();
         sub.add_flag("--fuse-decode-projections", a->options.fuse_decode_projections,
                      "decode q|k|v and gate|up as one GEMV each");
         sub.add_flag("--shared-attention-array", a->options.shared_attention_array,
                      "scores and context time-share one attention array");
         sub.add_option("--top-k", a->options.top_k, "sampling top-k (0: greedy)")
             ->capture_default_str();
         sub.add_flag("--brief", a->brief, "only the projection tables");
         return [a] { return run(*a); };
     },
     40});

}  // namespace
}  // namespace flexllm::cli
