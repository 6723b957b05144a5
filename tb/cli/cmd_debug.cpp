// `flexllm debug TEST-ID`: re-runs one regression case deterministically and prints everything
// needed to debug it: C-sim verdict, first divergence, per-port handshake statistics, the
// per-transaction cycle trace and, on failure, the FST + .gtkw written around the first mismatch.
#include <fmt/format.h>

#include "golden/config_io.h"
#include "golden/error.h"
#include "golden/model_config.h"
#include "tb/cli/command.h"
#include "tb/composed.h"
#include "tb/regress.h"

namespace flexllm::cli {
namespace {
struct DebugOptions {
    std::string id;
    uint64_t window = 200;
    uint64_t seed = 1;
    double stall_prob = 0.2;
    std::string waves_dir = "out/debug";
    std::string fault;
    std::string source;  // empty: the suite's
    std::string suite = "default";
};

Registrar reg(
    {"debug", "Re-run one test (ARCH/PHASE/L<layer>/STAGE/ROLE) with waves and full detail",
     [](CLI::App& sub) -> std::function<int()> {
         auto o = std::make_shared<DebugOptions>();
         sub.add_option("test", o->id,
                        "test id, e.g. tiny_a/decode/L1/linear/q or tiny_a/decode/linear/lm_head")
             ->required();
         sub.add_option("--window", o->window, "cycles traced before the first mismatch");
         sub.add_option("--seed", o->seed, "seed of the stall profile");
         sub.add_option("--stall-prob", o->stall_prob, "stall/gap probability");
         sub.add_option("--waves-dir", o->waves_dir, "where the FST and .gtkw go");
         sub.add_option("--inject-fault", o->fault, "debug a built-in mutant");
         sub.add_option("--source", o->source, "golden | random (default: the suite's)");
         sub.add_option("--suite", o->suite, "suite whose model and stimulus to use");
         return [o] {
             check_probability(o->stall_prob, "--stall-prob");
             check_output_dir(o->waves_dir, "--waves-dir");
             const tb::CaseSpec c = tb::parse_case_id(o->id);
             tb::RegressOptions ro;
             ro.suite = o->suite;
             ro.seed = o->seed;
             if (!o->source.empty()) {
                 ro.source = o->source;
                 ro.explicit_options.insert("source");
             }
             ro = tb::apply_suite(ro);
             const auto m = golden::load_model_config(ro.model);
             // Only the case's layer (the id names it), checked against the suite's model.
             const bool embed =
                 !tb::is_composed_case(c) &&
                 tb::find_role(tb::find_kernel(c.stage), c.role).slot == tb::Slot::kEmbed;
             ro.layers = c.layer >= 0 ? std::to_string(c.layer) : embed ? "embed" : "lm_head";
             try {
                 (void)tb::parse_layers(ro.layers, m, fmt::format("test id '{}': layers", o->id));
             } catch (const Error& e) {
                 throw Error(e.what(), fmt::format("the model's layers are L0..L{}; the roles "
                                                   "before the first and after the last layer "
                                                   "have none: "
                                                   "ARCH/PHASE/STAGE/ROLE",
                                                   m.layers - 1));
             }
             const auto tensors = tb::suite_stage_tensors(ro);
             tb::CaseOptions co;
             co.run.seed = o->seed;
             co.run.stall_prob = co.run.gap_prob = o->stall_prob;
             co.fault = o->fault;
             const auto r = tb::run_suite_case(c, tensors, m, co, o->waves_dir, o->window);
             fmt::print("test      {}\nmodule    {}\nstimulus  {}\nC-sim     {}\n", c.id(),
                        r.module, tensors.source, r.csim);
             auto show = [](const char* what, const tb::RunResult& rr) {
                 fmt::print("{:<9} {} ({} cycles simulated, first input {}, last output {})\n",
                            what, rr.summary(), rr.cycles, rr.first_in, rr.last_out);
                 fmt::print("  {:<14} {:>7} {:>9} {:>7} {:>7}\n", "port", "beats", "expected",
                            "stall", "starve");
                 for (const auto& p : rr.ports)
                     fmt::print("  {:<14} {:>7} {:>9} {:>7} {:>7}\n", p.port, p.beats, p.expected,
                                p.stall_cycles, p.starve_cycles);
                 for (size_t i = 0; i < rr.txns.size(); ++i)
                     fmt::print(
                         "  txn {:<3} start {:>6} end {:>6} latency {:>6}{}\n", i, rr.txns[i].start,
                         rr.txns[i].end, rr.txns[i].latency(),
                         i ? fmt::format(" II {}", rr.txns[i].end - rr.txns[i - 1].end) : "");
                 for (const auto& p : rr.protocol) fmt::print("  protocol: {}\n", p);
             };
             show("clean", r.rtl);
             if (r.stalled) show("stalled", *r.stalled);
             if (r.perf.available)
                 fmt::print("cycles    measured {} model {} residual {:+.2f}%\n", r.perf.measured,
                            r.perf.model, 100 * r.perf.residual);
             else
                 fmt::print("cycles    measured {} (no cycle model of this composition yet)\n",
                            r.perf.measured);
             fmt::print("verdict   {}\n", r.passed ? "PASS" : "FAIL: " + r.failure);
             if (!r.waves.empty())
                 fmt::print("waves     {}\n          gtkwave {}\n", r.waves,
                            r.waves.substr(0, r.waves.size() - 4) + ".gtkw");
             return r.passed ? kExitOk : kExitCheckFailed;
         };
     },
     25});
}  // namespace
}  // namespace flexllm::cli
