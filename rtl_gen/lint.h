// Tool checks of generated RTL: `verilator --lint-only -Wall` and a yosys synthesis run. A missing
// tool is a flexllm::Error (exit 2), a failing check is a result with the tool's output.
#pragma once

#include <string>
#include <vector>

namespace flexllm::rtlgen {

struct ToolResult {
    bool ok = false;
    int exit_code = 0;
    std::string output;  // stdout + stderr
    std::string command;
    bool cached = false;  // yosys_synth_cached: the recorded result of an identical earlier run
};

// Absolute path of `tool` on PATH; throws Error naming the tool and how to install it.
std::string find_tool(const std::string& tool);
// Runs a shell command line (stdout + stderr captured); ok when it exits 0. Quote every argument
// with shell_quote. Used for the tools above and by tb/waves (GTKWave).
ToolResult run_tool(const std::string& command);
std::string shell_quote(const std::string& s);

// `sources`: the top's file first, then its submodules' (module_sources / the manifest's
// "sources"); `top` names the top module.
ToolResult verilator_lint(const std::vector<std::string>& sources, const std::string& top);
// full = false: coarse synthesis (`synth -run begin:fine`, every construct elaborated and mapped
// to word-level cells, `check -assert`); full = true: the complete hierarchical `synth -top`
// down to gates (each submodule mapped once; `-noabc`: no ABC logic optimization, the check is
// synthesizability, not area), then `check -assert`.
ToolResult yosys_synth(const std::vector<std::string>& sources, const std::string& top, bool full);
// yosys_synth with a result cache: a passing run is recorded under `cache_dir` by the hash of the
// yosys version, the script and every source's bytes, and a later call with the same key returns
// it without running yosys (`cached` set). Failures are never cached. `cache_dir` empty: the
// default, $FLEXLLM_SYNTH_CACHE, else $XDG_CACHE_HOME/flexllm/synth, else ~/.cache/flexllm/synth.
ToolResult yosys_synth_cached(const std::vector<std::string>& sources, const std::string& top,
                              bool full, const std::string& cache_dir = {});
std::string default_synth_cache_dir();
// A cache folder of flexllm's: $<env>, else $XDG_CACHE_HOME/flexllm/<sub>, else
// ~/.cache/flexllm/<sub> (the synthesis results, tb/model_cache's models).
std::string user_cache_dir(const char* env, const char* sub);

}  // namespace flexllm::rtlgen
