// `flexllm list archs|models|suites|devices|kernels|faults`: what this binary has built in.
#include <fmt/format.h>

#include <algorithm>

#include "golden/error.h"
#include "golden/model_config.h"
#include "hls_src/arch_config.h"
#include "rtl_gen/kernel_list.h"
#include "tb/cli/command.h"
#include "tb/kernel_registry.h"
#include "tb/perf/device.h"
#include "tb/regress.h"

namespace flexllm::cli {
namespace {

void list_archs() {
    for (const auto& n : kern::builtin_arch_names()) {
        const kern::ArchParams a = kern::load_arch_config(n);
        fmt::print("{:<16} prefill TP {} x WP {}/{}/{}, decode BP {} x WP {}, {} MHz on {}\n", n,
                   a.prefill.tp, a.prefill.kq_wp, a.prefill.vo_wp, a.prefill.ffn_wp, a.decode.bp,
                   a.decode.wp, a.clock_mhz, a.device);
    }
}

void list_models() {
    for (const auto& n : golden::builtin_model_names()) {
        const golden::ModelConfig c = golden::load_model_config(n);
        fmt::print("{:<16} hidden {}, {} layers, {}/{} heads, FFN {}, vocab {}\n", n, c.hidden,
                   c.layers, c.heads, c.kv_heads, c.intermediate, c.vocab);
    }
}

void list_kernels() {
    for (const tb::Kernel* k : tb::kernels()) {
        std::vector<std::string> roles, variants;
        for (const tb::Role& r : k->roles()) roles.push_back(r.name);
        for (const auto& v : rtlgen::variants())
            if (v.kernel == k->name()) variants.push_back(v.variant);
        fmt::print("{:<14} roles {}; RTL variants {}\n", k->name(), rtlgen::join(roles),
                   rtlgen::join(variants));
    }
}

void list_faults() {
    for (const auto& v : rtlgen::variants())
        for (const auto& f : v.faults)
            fmt::print("{:<20} mutates {} (kernel {})\n", f, v.variant, v.kernel);
}

Registrar reg({"list", "List what is built in: archs, models, suites, devices, kernels or faults",
               [](CLI::App& sub) -> std::function<int()> {
                   auto what = std::make_shared<std::string>();
                   sub.add_option("what", *what,
                                  "archs | models | suites | devices | kernels | faults")
                       ->required();
                   return [what] {
                       if (*what == "archs") {
                           list_archs();
                       } else if (*what == "models") {
                           list_models();
                       } else if (*what == "suites") {
                           for (const auto& n : tb::builtin_suite_names()) fmt::print("{}\n", n);
                       } else if (*what == "devices") {
                           for (const auto& n : perf::builtin_device_names()) fmt::print("{}\n", n);
                       } else if (*what == "kernels") {
                           list_kernels();
                       } else if (*what == "faults") {
                           list_faults();
                       } else {
                           throw Error(fmt::format("flexllm list: unknown list '{}'", *what),
                                       "archs, models, suites, devices, kernels or faults");
                       }
                       return kExitOk;
                   };
               },
               80});

}  // namespace
}  // namespace flexllm::cli
