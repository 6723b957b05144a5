// `flexllm golden`: runs the golden flow and writes the golden-vector container, or inspects one.
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <map>

#include "golden/config_io.h"
#include "golden/container.h"
#include "golden/error.h"
#include "golden/golden_run.h"
#include "tb/cli/command.h"

namespace flexllm::cli {
namespace {

struct Args {
    golden::GoldenOptions opt;
    std::string out, inspect;
    bool no_rotate = false;
};

int inspect(const std::string& path) {
    golden::GoldenReader rd(path);
    auto bad = rd.verify_all();  // before printing anything: a bad file is one error line
    if (!bad.empty())
        throw Error(bad.front() +
                    (bad.size() > 1 ? fmt::format(" (and {} more)", bad.size() - 1) : ""));
    fmt::print("{}: {} tensors\n", path, rd.entries().size());
    fmt::print("{:<40} {:>4} {:>18} {:>12} {:>10}\n", "name", "type", "shape", "bytes", "stored");
    for (const auto& e : rd.entries())
        fmt::print("{:<40} {:>4} {:>18} {:>12} {:>10}\n", e.name, dtype_name(e.dtype),
                   shape_str(e.shape), e.raw_bytes, e.stored_bytes);
    fmt::print("all {} CRCs verified\n", rd.entries().size());
    return kExitOk;
}

int run(Args& a) {
    if (!a.inspect.empty()) return inspect(a.inspect);
    if (a.out.empty()) throw Error("golden: --out FILE is required (or --inspect FILE)");
    check_output_file(a.out, "--out");
    a.opt.rotate = !a.no_rotate;
    const auto t0 = std::chrono::steady_clock::now();
    golden::GoldenRun r = golden::run_golden(a.opt);
    const auto& c = r.prep.qm.cfg;
    fmt::print(
        "golden: model {} (hidden {}, {} layers, {}/{} heads, FFN {}, vocab {}), weights {}\n",
        c.name, c.hidden, c.layers, c.heads, c.kv_heads, c.intermediate, c.vocab, a.opt.weights);
    fmt::print("golden: prompt {} tokens, generated {} ({}): {}\n", a.opt.prompt_len, a.opt.gen_len,
               a.opt.top_k == 1 ? "greedy" : fmt::format("top-{} seed {}", a.opt.top_k, a.opt.seed),
               fmt::join(r.gen.tokens, " "));
    // Per-stage summary of the taps: how many tensors and elements each stage produced.
    std::map<std::string, std::pair<int, int64_t>> per_stage;
    for (const auto& t : r.taps) {
        std::string stage = t.name.substr(t.name.rfind('/') + 1);
        auto& [n, e] = per_stage[stage];
        ++n;
        e += t.numel();
    }
    fmt::print("\n{:<20} {:>8} {:>12}\n", "tapped stage", "tensors", "elements");
    for (const auto& [stage, ne] : per_stage)
        fmt::print("{:<20} {:>8} {:>12}\n", stage, ne.first, ne.second);
    fmt::print("\n{}", r.accuracy.to_table());
    std::filesystem::path out(a.out);
    if (out.has_parent_path()) std::filesystem::create_directories(out.parent_path());
    auto tensors = r.container_tensors();
    golden::write_golden(a.out, r.meta_json(), tensors);
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    fmt::print("\ngolden: wrote {} ({} tensors, {} bytes) in {:.2f} s\n", a.out, tensors.size(),
               std::filesystem::file_size(out), secs);
    return kExitOk;
}

Registrar reg(
    {"golden", "Run the golden reference (integer + float) and write a golden-vector file",
     [](CLI::App& sub) -> std::function<int()> {
         auto a = std::make_shared<Args>();
         CLI::Option* inspect_opt = sub.add_option("--inspect", a->inspect,
                                                   "list the tensors of FILE and verify every CRC");
         // Every option of a golden run has no effect on --inspect.
         for (CLI::Option* o : {
                  sub.add_option("--model", a->opt.model,
                                 "built-in model (tiny, small, llama-3.2-1b) or TOML file"),
                  sub.add_option("--weights", a->opt.weights,
                                 "synthetic:SEED or FILE.safetensors (or .index.json)"),
                  sub.add_option("--prompt-len", a->opt.prompt_len,
                                 "prompt tokens (synthetic from --seed)"),
                  sub.add_option("--gen-len", a->opt.gen_len, "generated tokens"),
                  sub.add_option("--top-k", a->opt.top_k, "top-k sampling (1 = greedy)"),
                  sub.add_option("--seed", a->opt.seed, "seed of the prompt and of sampling"),
                  sub.add_flag("--no-rotate", a->no_rotate,
                               "skip the R1/R2 rotations (to see what they buy)"),
                  sub.add_option("--out", a->out, "golden-vector file to write"),
              })
             o->excludes(inspect_opt);
         return [a] { return run(*a); };
     },
     20});

}  // namespace
}  // namespace flexllm::cli
