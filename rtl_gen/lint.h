// Tool checks of generated RTL: `verilator --lint-only -Wall` and a yosys synthesis run. A missing
// tool is a flexllm::Error (exit 2), a failing check is a result with the tool's output.
#pragma once

#include <string>

namespace flexllm::rtlgen {

struct ToolResult {
    bool ok = false;
    int exit_code = 0;
    std::string output;  // stdout + stderr
    std::string command;
};

// Absolute path of `tool` on PATH; throws Error naming the tool and how to install it.
std::string find_tool(const std::string& tool);

ToolResult verilator_lint(const std::string& sv_path);
// full = false: coarse synthesis (`synth -run begin:fine`, every construct elaborated and mapped
// to word-level cells, `check -assert`); full = true: complete `synth -top` down to gates.
ToolResult yosys_synth(const std::string& sv_path, const std::string& top, bool full);

}  // namespace flexllm::rtlgen
