// flexllm: the command-line entry point. Checks every option value by its type, turns
// flexllm::Error into a one-line message and exit 2.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "golden/error.h"
#include "tb/cli/command.h"

namespace flexllm::cli {
std::vector<Command>& registry() {
    static std::vector<Command> commands;
    return commands;
}

namespace {

// The value checks every option gets from its type, so that no subcommand can forget one: an
// unsigned integer is decimal digits that fit 64 bits (CLI11 alone wraps -1 and 2^64 to
// 2^64 - 1), a number is finite (nan and inf never reach a probability's range check), and no
// value is empty.
std::string check_value(const std::string& type, const std::string& v) {
    if (v.empty()) return "an empty value";
    if (type == "UINT") {
        uint64_t x = 0;
        const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
        if (ec == std::errc::result_out_of_range)
            return fmt::format("{} does not fit an unsigned 64-bit integer", v);
        if (ec != std::errc{} || end != v.data() + v.size())
            return fmt::format("{} is not a non-negative decimal integer", v);
    } else if (type == "FLOAT") {
        char* end = nullptr;
        const double x = std::strtod(v.c_str(), &end);
        if (end == v.c_str() || *end != '\0') return fmt::format("{} is not a number", v);
        if (!std::isfinite(x)) return fmt::format("{} is not a finite number", v);
    }
    return {};
}

void add_value_checks(CLI::App& app) {
    for (CLI::Option* opt : app.get_options()) {
        if (opt->get_expected_max() == 0) continue;  // a flag
        const std::string type = opt->get_type_name();
        opt->check(CLI::Validator([type](std::string& v) { return check_value(type, v); }, "",
                                  "value check"));
    }
}

}  // namespace
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
        add_value_checks(*sub);
        sub->callback([&run, fn] { run = fn; });
    }
    if (argc > 1 && argv[1][0] != '-' &&
        std::none_of(cmds.begin(), cmds.end(),
                     [&](const Command& c) { return c.name == argv[1]; })) {
        std::vector<std::string> names;
        for (const auto& c : cmds) names.push_back(c.name);
        fmt::print(stderr, "flexllm: error: unknown subcommand '{}' (subcommands: {})\n", argv[1],
                   fmt::join(names, ", "));
        return kExitBadInput;
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
