// flexllm: the command-line entry point. Turns flexllm::Error into a one-line message and exit 2.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <exception>

#include "golden/error.h"
#include "tb/cli/command.h"

namespace flexllm::cli {
std::vector<Command>& registry() {
    static std::vector<Command> commands;
    return commands;
}
}  // namespace flexllm::cli

int main(int argc, char** argv) {
    using namespace flexllm::cli;
    CLI::App app{"flexllm: co-verification framework for a FlexLLM-style LLM accelerator"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "flexllm 0.1.0");
    auto& cmds = registry();
    std::stable_sort(cmds.begin(), cmds.end(),
                     [](const Command& a, const Command& b) { return a.order < b.order; });
    std::function<int()> run;
    for (auto& c : cmds) {
        CLI::App* sub = app.add_subcommand(c.name, c.help);
        auto fn = c.setup(*sub);
        sub->callback([&run, fn] { run = fn; });
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::string msg = e.what();
        std::replace(msg.begin(), msg.end(), '\n', ' ');
        fmt::print(stderr, "flexllm: error: {} (see flexllm --help)\n", msg);
        return kExitBadInput;
    }
    try {
        return run ? run() : kExitBadInput;
    } catch (const flexllm::Error& e) {
        if (e.hint().empty())
            fmt::print(stderr, "flexllm: error: {}\n", e.what());
        else
            fmt::print(stderr, "flexllm: error: {} (hint: {})\n", e.what(), e.hint());
        return kExitBadInput;
    } catch (const std::bad_alloc&) {
        fmt::print(stderr, "flexllm: error: out of memory (input too large?)\n");
        return kExitBadInput;
    } catch (const std::exception& e) {
        fmt::print(stderr, "flexllm: internal error: {}\n", e.what());
        return 3;
    }
}
