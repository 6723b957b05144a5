// `flexllm regress`: golden vs C-sim vs RTL for every stage x role x layer x config, cycles vs the
// model.
#include <fmt/format.h>

#include "tb/cli/command.h"
#include "tb/regress.h"

namespace flexllm::cli {
namespace {
Registrar reg(
    {"regress", "Run the co-verification regression (default: tiny model, tiny_a and tiny_b)",
     [](CLI::App& sub) -> std::function<int()> {
         auto o = std::make_shared<tb::RegressOptions>();
         sub.add_option("--suite", o->suite, "built-in suite (default, smoke) or suite TOML file");
         sub.add_option("--filter", o->filter,
                        "globs over test ids ARCH/PHASE/L<layer>/STAGE/ROLE and, before the "
                        "first and after the last layer, ARCH/PHASE/STAGE/ROLE; a comma "
                        "separates globs, a case matching any is selected");
         sub.add_option("--layers", o->layers,
                        "decoder layers to drive: all (with the embedding and the LM head) or a "
                        "list, e.g. 0,1 or embed,0 or 1,lm_head");
         sub.add_option("--seed", o->seed, "seed of stalls, gaps and random stimulus");
         sub.add_option("--shard", o->shard, "run shard I of N (I/N, 0-based)");
         sub.add_option("--jobs", o->jobs, "parallel test threads");
         sub.add_option("--stall-prob", o->stall_prob,
                        "probability of output backpressure / input gaps per cycle");
         sub.add_option("--gap-prob", o->gap_prob, "input gap probability (default: stall-prob)");
         sub.add_option("--stall-profiles", o->stall_profiles,
                        "stall seeds per case (seed, seed + 1, ...; default 3)");
         sub.add_option("--waves", o->waves, "never | on-fail | always");
         sub.add_option("--waves-dir", o->waves_dir, "directory for FST + .gtkw files");
         sub.add_option("--junit", o->junit, "write JUnit XML here");
         sub.add_option("--json", o->json, "write JSON results here");
         sub.add_option("--arch", o->archs, "architecture configs (repeatable)");
         sub.add_option("--source", o->source, "golden (model taps) | random");
         sub.add_option("--top-k", o->top_k,
                        "the golden run's decode: 1 greedy, else seeded top-k (default suite: 8)");
         sub.add_option("--golden", o->golden_file,
                        "replay a golden-vector file (flexllm golden --out): its model, "
                        "weights, prompt and taps instead of a fresh golden run");
         sub.add_option("--rtl-dir", o->rtl_dir,
                        "RTL in the rtl_gen layout (DIR/<arch>/<module>.json + sources) to "
                        "simulate instead of the RTL generated for each case");
         sub.add_option("--rtl", o->rtl_manifest,
                        "your own RTL: a manifest mapping its top's ports (Vitis HLS or TAPA "
                        "convention) onto a kernel variant; runs that variant's cases");
         sub.add_flag("--list", o->list_only,
                      "print the case ids the suite, --layers, --filter and --shard select; run "
                      "nothing");
         sub.add_option("--inject-fault", o->fault,
                        "run on the built-in mutant models (self-test)");
         return [o, &sub] {
             for (const char* n : {"arch", "source", "stall-prob", "gap-prob", "stall-profiles",
                                   "filter", "layers", "waves-dir", "top-k"})
                 if (sub.get_option(std::string("--") + n)->count() > 0)
                     o->explicit_options.insert(n);
             const auto r = tb::run_regress(*o);
             fmt::print("{}", r.table);
             return r.exit_code == 0 ? kExitOk : kExitCheckFailed;
         };
     },
     20});
}  // namespace
}  // namespace flexllm::cli
