// Option parsing and execution of the rtlgen command.
#include "rtl_gen/rtlgen_options.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "golden/config_io.h"
#include "golden/error.h"
#include "golden/model_config.h"
#include "hls_src/arch_config.h"
#include "rtl_gen/composed.h"
#include "rtl_gen/generator.h"
#include "rtl_gen/lint.h"

namespace flexllm::rtlgen {

void add_rtlgen_options(CLI::App& app, RtlgenOptions& o) {
    app.add_option("--arch", o.arch, "built-in architecture name or TOML file")->required();
    app.add_option("--out", o.out, "output directory")->required();
    app.add_option("--model", o.model, "model whose largest d_in sizes the buffers");
    app.add_option("--kernel", o.kernel, "generate only this kernel or variant");
    app.add_option("--inject-fault", o.fault,
                   "write a mutant: " + join(fault_kinds()) + " (flexllm list faults)");
    app.add_flag(
        "--composed", o.composed,
        "also write the composed tops (attn_in, attn, ffn_act: kernels wired by the netlist "
        "builder)");
    app.add_flag("--quiet", o.quiet, "print nothing on success");
    CLI::Option* lint =
        app.add_flag("--lint", o.lint,
                     "check every module with verilator --lint-only -Wall and yosys synth -top");
    app.add_flag("--coarse", o.coarse,
                 "with --lint: stop yosys after coarse synthesis (word-level cells)")
        ->needs(lint);
}

int run_rtlgen(const RtlgenOptions& o) {
    const kern::ArchParams arch = kern::load_arch_config(o.arch);
    const golden::ModelConfig model = golden::load_model_config(o.model);
    const kern::ModelBounds bounds = kern::model_bounds(model);
    const std::string fault = o.fault == "none" ? "" : o.fault;
    if (!fault.empty()) (void)fault_variant(fault);  // an unknown kind is an error
    check_output_dir(o.out, "--out");
    std::vector<Module> mods = generate(arch, bounds, fault);
    std::vector<std::string> composed;  // the composed tops' kernels and variants, for the hint
    if (o.composed)
        for (ComposedTop& t : composed_tops(arch, bounds, fault)) {
            for (const std::string& n : {t.module.kernel, t.module.variant})
                if (std::find(composed.begin(), composed.end(), n) == composed.end())
                    composed.push_back(n);
            mods.push_back(std::move(t.module));
        }
    if (!o.kernel.empty()) {
        std::erase_if(
            mods, [&](const Module& m) { return m.kernel != o.kernel && m.variant != o.kernel; });
        if (mods.empty()) {
            std::vector<std::string> names;
            for (const auto& v : variants()) names.push_back(v.variant);
            throw Error(
                fmt::format("unknown kernel '{}' (or not affected by the fault)", o.kernel),
                "kernels: " + join(kernel_names()) + "; variants: " + join(names) +
                    (!o.composed        ? "; composed tops (attn_in, attn, ffn_act) with --composed"
                     : composed.empty() ? ""
                                        : "; composed tops: " + join(composed)));
        }
    }
    const auto paths = write_modules(mods, arch, bounds, o.out);
    if (!o.quiet)
        for (const auto& p : paths) fmt::print("{}\n", p);
    int rc = 0;
    if (o.lint)
        for (size_t i = 0; i < paths.size(); ++i) {
            const auto sources = module_sources(mods[i], o.out);
            const ToolResult v = verilator_lint(sources, mods[i].name);
            const ToolResult y = yosys_synth(sources, mods[i].name, !o.coarse);
            fmt::print("{}: verilator {}, yosys {}\n", mods[i].name, v.ok ? "clean" : "FAILED",
                       y.ok ? "ok" : "FAILED");
            if (!v.ok) fmt::print("{}", v.output);
            if (!y.ok) fmt::print("{}", y.output);
            if (!v.ok || !y.ok) rc = 1;
        }
    return rc;
}

void write_csim_shapes(const std::string& out, const std::vector<std::string>& configs) {
    std::vector<ArchModules> all;
    for (const auto& spec : configs) {
        const size_t colon = spec.find(':');
        const std::string arch_name = spec.substr(0, colon);
        const golden::ModelConfig model =
            golden::load_model_config(colon == std::string::npos ? "tiny" : spec.substr(colon + 1));
        const kern::ArchParams arch = kern::load_arch_config(arch_name);
        all.push_back({arch.name, generate(arch, kern::model_bounds(model))});
    }
    const std::string text = csim_shapes_header(all);
    const std::filesystem::path dir = std::filesystem::path(out).parent_path();
    std::error_code ec;
    if (!dir.empty()) std::filesystem::create_directories(dir, ec);
    std::ifstream in(out);
    std::string old((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (old == text) return;
    std::ofstream o(out);
    o << text;
    if (!o) throw Error(fmt::format("cannot write {}", out));
}

}  // namespace flexllm::rtlgen
