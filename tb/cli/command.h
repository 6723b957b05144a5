// Subcommand registry of the flexllm CLI: each tb/cli/cmd_*.cpp registers itself with a static
// Registrar, so adding a subcommand never edits main.cpp.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace flexllm::cli {

// Exit codes of DESIGN.md §7.
inline constexpr int kExitOk = 0;
inline constexpr int kExitCheckFailed = 1;
inline constexpr int kExitBadInput = 2;

struct Command {
    std::string name;
    std::string help;
    // Adds options to `sub` and returns the function that runs the command (returns exit code).
    std::function<std::function<int()>(CLI::App& sub)> setup;
    int order = 100;  // position in --help
};

std::vector<Command>& registry();

struct Registrar {
    explicit Registrar(Command c) { registry().push_back(std::move(c)); }
};

}  // namespace flexllm::cli
