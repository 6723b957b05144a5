// Runs Verilator and yosys on generated RTL.
#include "rtl_gen/lint.h"

#include <fmt/format.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "golden/error.h"

namespace flexllm::rtlgen {

namespace fs = std::filesystem;

std::string find_tool(const std::string& tool) {
    const char* path = std::getenv("PATH");
    std::string p = path ? path : "/usr/bin:/bin";
    size_t b = 0;
    while (b <= p.size()) {
        size_t e = p.find(':', b);
        if (e == std::string::npos) e = p.size();
        const fs::path cand = fs::path(p.substr(b, e - b)) / tool;
        std::error_code ec;
        if (!p.substr(b, e - b).empty() && fs::is_regular_file(cand, ec)) return cand.string();
        b = e + 1;
    }
    throw Error(fmt::format("{} not found on PATH", tool),
                fmt::format("install it (ci/deps.sh, or apt-get install {})", tool));
}

namespace {
std::string quote(const std::string& s) {
    std::string r = "'";
    for (char c : s) r += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return r + "'";
}

ToolResult run(const std::string& cmd) {
    ToolResult r;
    r.command = cmd;
    FILE* f = popen((cmd + " 2>&1").c_str(), "r");
    if (!f) throw Error(fmt::format("cannot run {}", cmd));
    std::array<char, 4096> buf;
    size_t n;
    while ((n = fread(buf.data(), 1, buf.size(), f)) > 0) r.output.append(buf.data(), n);
    const int st = pclose(f);
    r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    r.ok = r.exit_code == 0;
    return r;
}
}  // namespace

ToolResult run_tool(const std::string& command) { return run(command); }
std::string shell_quote(const std::string& s) { return quote(s); }

namespace {
std::string quoted_list(const std::vector<std::string>& files) {
    std::string r;
    for (const auto& f : files) r += (r.empty() ? "" : " ") + quote(f);
    return r;
}
}  // namespace

ToolResult verilator_lint(const std::vector<std::string>& sources, const std::string& top) {
    const std::string v = find_tool("verilator");
    ToolResult r = run(fmt::format("{} --lint-only -Wall --top-module {} {}", quote(v), quote(top),
                                   quoted_list(sources)));
    r.ok = r.ok && r.output.find("%Warning") == std::string::npos &&
           r.output.find("%Error") == std::string::npos;
    return r;
}

ToolResult yosys_synth(const std::vector<std::string>& sources, const std::string& top, bool full) {
    const std::string y = find_tool("yosys");
    std::string files;
    for (const auto& f : sources) files += " " + f;
    const std::string script =
        full ? fmt::format("read_verilog -sv{}; synth -top {}; check -assert", files, top)
             : fmt::format("read_verilog -sv{}; synth -top {} -run begin:fine; check -assert",
                           files, top);
    ToolResult r = run(fmt::format("{} -q -p {}", quote(y), quote(script)));
    r.ok = r.ok && r.output.find("ERROR") == std::string::npos;
    return r;
}

}  // namespace flexllm::rtlgen
