// Runs Verilator and yosys on generated RTL.
#include "rtl_gen/lint.h"

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

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

namespace {
std::string synth_script(const std::vector<std::string>& sources, const std::string& top,
                         bool full) {
    std::string files;
    for (const auto& f : sources) files += " " + f;
    // -noabc: every construct mapped to gates, without ABC's logic optimization (35-50 % of the
    // run): the check is synthesizability, not area.
    return full ? fmt::format("read_verilog -sv{}; synth -top {} -noabc; check -assert", files, top)
                : fmt::format("read_verilog -sv{}; synth -top {} -run begin:fine; check -assert",
                              files, top);
}

uint64_t fnv1a(uint64_t h, const std::string& bytes) {
    for (unsigned char c : bytes) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return h;
}
}  // namespace

ToolResult yosys_synth(const std::vector<std::string>& sources, const std::string& top, bool full) {
    const std::string y = find_tool("yosys");
    ToolResult r =
        run(fmt::format("{} -q -p {}", quote(y), quote(synth_script(sources, top, full))));
    r.ok = r.ok && r.output.find("ERROR") == std::string::npos;
    return r;
}

std::string user_cache_dir(const char* env, const char* sub) {
    if (const char* d = std::getenv(env); d && *d) return d;
    if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x)
        return (fs::path(x) / "flexllm" / sub).string();
    const char* home = std::getenv("HOME");
    return (fs::path(home && *home ? home : "/tmp") / ".cache" / "flexllm" / sub).string();
}

std::string default_synth_cache_dir() { return user_cache_dir("FLEXLLM_SYNTH_CACHE", "synth"); }

ToolResult yosys_synth_cached(const std::vector<std::string>& sources, const std::string& top,
                              bool full, const std::string& cache_dir) {
    const std::string y = find_tool("yosys");
    uint64_t h = fnv1a(1469598103934665603ull, run(quote(y) + " -V").output);
    // The script names the files; the key holds their contents, not their paths.
    h = fnv1a(h, synth_script({}, top, full));
    for (const auto& f : sources) {
        std::ifstream in(f, std::ios::binary);
        if (!in) throw Error(fmt::format("cannot read {}", f));
        h = fnv1a(h, std::string((std::istreambuf_iterator<char>(in)), {}));
        h = fnv1a(h, "\n--\n");
    }
    const fs::path dir = cache_dir.empty() ? default_synth_cache_dir() : cache_dir;
    const fs::path entry = dir / fmt::format("{:016x}.ok", h);
    std::error_code ec;
    if (fs::is_regular_file(entry, ec)) {
        ToolResult r;
        r.ok = true;
        r.cached = true;
        r.command = "cached " + entry.string();
        return r;
    }
    ToolResult r = yosys_synth(sources, top, full);
    if (r.ok) {
        fs::create_directories(dir, ec);
        const fs::path tmp = entry.string() + fmt::format(".{}", ::getpid());
        std::ofstream(tmp) << r.command << "\n";
        fs::rename(tmp, entry, ec);  // atomic: concurrent runs write the same entry
    }
    return r;
}

}  // namespace flexllm::rtlgen
