// Verilated models built on demand into a cache and loaded with dlopen (tb/model_cache.h).
#include "tb/model_cache.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string_view>
#include <thread>

#include "golden/config_io.h"
#include "golden/error.h"
#include "rtl_gen/generator.h"
#include "rtl_gen/lint.h"
#include "tb/json_fields.h"

namespace flexllm::embedded {
const std::vector<std::pair<std::string_view, std::string_view>>& harness_headers();
}

namespace flexllm::tb {

namespace fs = std::filesystem;
using rtlgen::shell_quote;

namespace {

// What goes into every model besides its RTL: Verilator's flags (those of the built-in models,
// tb/models/CMakeLists.txt, with warnings not fatal for RTL from elsewhere), the C++ flags and the
// link that exports the one entry point. Part of the cache key.
constexpr std::string_view kVerilatorFlags =
    "--cc --trace-fst -O2 --x-assign unique --x-initial unique -Wno-fatal";
constexpr std::string_view kMakeFlags =
    "OPT_FAST=-O2 OPT_SLOW=-O0 OPT_GLOBAL=-O2 'CXXFLAGS=-fPIC -std=gnu++20'";
constexpr const char* kRuntimeObjects[] = {"verilated.o", "verilated_fst_c.o",
                                           "verilated_threads.o"};
constexpr std::string_view kEntryPoint = "flexllm_dut_factory";

// FNV-1a over the bytes, then their length (so that consecutive fields cannot run together).
uint64_t fnv1a(uint64_t h, std::string_view bytes) {
    for (unsigned char c : bytes) {
        h ^= c;
        h *= 1099511628211ull;
    }
    h ^= bytes.size();
    return h * 1099511628211ull;
}

// ---- the manifest's ports, as the harness binding needs them
// --------------------------------------

rtlgen::Module read_ports(const RtlModule& rtl) {
    const JsonFields f(fmt::format("manifest of {} ({})", rtl.module, rtl.origin));
    const nlohmann::json j = f.parse(rtl.manifest);
    rtlgen::Module m;
    m.name = f.identifier(j, "module", "module");
    if (m.name != rtl.module)
        f.fail("module", fmt::format("names {}, the case needs {}", m.name, rtl.module));
    if (j.contains("clock") && f.str(j, "clock", "clock") != "clk")
        f.fail("clock", "must be \"clk\" (the rtl_gen port convention)");
    if (j.contains("reset")) {
        const auto& r = f.object(j, "reset", "reset");
        if (f.str(r, "name", "reset.name") != "rst" ||
            !f.boolean(r, "active_high", "reset.active_high"))
            f.fail("reset", "must be {\"name\": \"rst\", \"active_high\": true}");
    }
    auto direction = [&](const nlohmann::json& s, const std::string& path) {
        const std::string d = f.str(s, "direction", path);
        if (d != "in" && d != "out") f.fail(path, "must be \"in\" or \"out\"");
        return d == "in";
    };
    for (const auto& s : f.array(j, "streams", "streams")) {
        if (!s.is_object()) f.fail("streams", "must hold objects");
        rtlgen::StreamPort p;
        p.name = f.identifier(s, "name", "streams[].name");
        p.input = direction(s, "streams[].direction");
        p.lanes = f.integer(s, "lanes", 1, 4096, "streams[].lanes");
        p.elem_width = f.integer(s, "elem_width", 1, 64, "streams[].elem_width");
        p.elem_signed = f.boolean(s, "elem_signed", "streams[].elem_signed");
        p.last = !s.contains("tlast") || f.boolean(s, "tlast", "streams[].tlast");
        p.tap = s.contains("tap") && f.boolean(s, "tap", "streams[].tap");
        if (p.tap && p.input) f.fail("streams[].tap", fmt::format("{} is an input", p.name));
        if (s.contains("data_width") &&
            f.integer(s, "data_width", 1, 1 << 20, "streams[].data_width") != p.data_width())
            f.fail("streams[].data_width", fmt::format("of {} is not lanes x elem_width", p.name));
        m.streams.push_back(p);
    }
    if (j.contains("scalars"))
        for (const auto& s : f.array(j, "scalars", "scalars")) {
            if (!s.is_object()) f.fail("scalars", "must hold objects");
            rtlgen::ScalarPort p;
            p.name = f.identifier(s, "name", "scalars[].name");
            p.input = direction(s, "scalars[].direction");
            p.width = f.integer(s, "width", 1, 64, "scalars[].width");
            m.scalars.push_back(p);
        }
    return m;
}

// ---- tools
// ----------------------------------------------------------------------------------------

struct Toolchain {
    std::string verilator, cxx, ar;
    std::string versions;  // both tools' --version output (part of the key)
};

const Toolchain& toolchain() {
    static const Toolchain t = [] {
        Toolchain r;
        r.verilator = rtlgen::find_tool("verilator");
        const char* env = std::getenv("FLEXLLM_MODEL_CXX");
        const std::string cxx = env && *env ? env : FLEXLLM_MODEL_CXX;
        std::error_code ec;
        if (cxx.find('/') != std::string::npos) {
            if (!fs::is_regular_file(cxx, ec))
                throw Error(fmt::format("C++ compiler {} not found", cxx),
                            "install g++ (ci/deps.sh, or apt-get install g++), or set "
                            "FLEXLLM_MODEL_CXX");
            r.cxx = cxx;
        } else {
            r.cxx = rtlgen::find_tool(cxx);
        }
        r.ar = rtlgen::find_tool("ar");
        r.versions = rtlgen::run_tool(shell_quote(r.verilator) + " --version").output +
                     rtlgen::run_tool(shell_quote(r.cxx) + " --version").output;
        return r;
    }();
    return t;
}

// The first line of a tool's output that reports an error, with the cache's copies of the sources
// named by their origin.
std::string first_error(const std::string& log, const std::string& src_dir,
                        const std::string& origin) {
    std::string line;
    for (size_t b = 0; b < log.size();) {
        size_t e = log.find('\n', b);
        if (e == std::string::npos) e = log.size();
        const std::string l = log.substr(b, e - b);
        if (l.find("%Error") != std::string::npos || l.find("error:") != std::string::npos) {
            line = l;
            break;
        }
        b = e + 1;
    }
    if (line.empty()) line = log.substr(0, log.find('\n'));
    if (!src_dir.empty())
        for (size_t p = 0; (p = line.find(src_dir + "/", p)) != std::string::npos;
             p += origin.size())
            line.replace(p, src_dir.size(), origin);
    return line;
}

void write_file(const fs::path& p, std::string_view text) {
    std::ofstream o(p, std::ios::binary);
    o.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!o) throw Error(fmt::format("cannot write {}", p.string()));
}

// An exclusive lock on <path> (flock on a descriptor of its own: it excludes other processes and,
// each lock opening the file anew, the other threads of this one).
class CacheLock {
  public:
    explicit CacheLock(const fs::path& path) {
        fd_ = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
        if (fd_ < 0 || ::flock(fd_, LOCK_EX) != 0)
            throw Error(fmt::format("cannot lock {}", path.string()),
                        "the model cache must be writable (FLEXLLM_MODEL_CACHE)");
    }
    ~CacheLock() {
        if (fd_ >= 0) ::close(fd_);
    }
    CacheLock(const CacheLock&) = delete;
    CacheLock& operator=(const CacheLock&) = delete;

  private:
    int fd_ = -1;
};

// A scratch folder beside the entries, renamed into place when complete (or removed).
fs::path scratch_dir(const fs::path& root, const std::string& stem) {
    static std::atomic<unsigned> n{0};
    const fs::path d = root / fmt::format("{}.tmp-{}-{}", stem, ::getpid(), n++);
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
}

void publish(const fs::path& scratch, const fs::path& entry) {
    std::error_code ec;
    fs::rename(scratch, entry, ec);
    if (ec) {  // another process completed the same entry first
        fs::remove_all(scratch, ec);
        if (!fs::exists(entry))
            throw Error(fmt::format("cannot move {} into the model cache", scratch.string()));
    }
}

void run_or_throw(const std::string& what, const std::string& cmd, const fs::path& log,
                  const std::string& src_dir, const std::string& origin) {
    const rtlgen::ToolResult r = rtlgen::run_tool(cmd);
    {
        std::ofstream o(log, std::ios::app);
        o << "$ " << cmd << "\n" << r.output << "\n";
    }
    if (!r.ok)
        throw Error(fmt::format("{} failed: {}", what, first_error(r.output, src_dir, origin)),
                    fmt::format("full log: {}", log.string()));
}

// The Verilator runtime (verilated.cpp, its FST writer and thread pool) compiled once per
// toolchain into libverilated_rt.a, from the makefile of the model being built (`obj`).
fs::path runtime_library(const fs::path& root, const fs::path& obj, const std::string& prefix,
                         uint64_t toolchain_key, const fs::path& log) {
    const std::string stem = fmt::format("runtime-{:016x}", toolchain_key);
    const fs::path entry = root / stem, lib = entry / "libverilated_rt.a";
    CacheLock lock(root / (stem + ".lock"));
    if (fs::exists(lib)) return lib;
    const Toolchain& t = toolchain();
    std::string targets, objs;
    for (const char* o : kRuntimeObjects) {
        targets += std::string(" ") + o;
        objs += " " + shell_quote((obj / o).string());
    }
    run_or_throw("compiling the Verilator runtime",
                 fmt::format("make -C {} -f {}.mk {}{}", shell_quote(obj.string()), prefix,
                             kMakeFlags, targets),
                 log, "", "");
    const fs::path scratch = scratch_dir(root, stem);
    run_or_throw("archiving the Verilator runtime",
                 fmt::format("{} rcs {}{}", shell_quote(t.ar),
                             shell_quote((scratch / "libverilated_rt.a").string()), objs),
                 log, "", "");
    publish(scratch, entry);
    return lib;
}

OnDemandModel load(const fs::path& entry) {
    const fs::path so = entry / "model.so";
    void* h = ::dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h)
        throw Error(fmt::format("cannot load {}: {}", so.string(), ::dlerror()),
                    "remove the cache entry to rebuild it");
    using Entry = DutFactory (*)();
    auto get = reinterpret_cast<Entry>(::dlsym(h, kEntryPoint.data()));
    if (!get) throw Error(fmt::format("{} has no {}", so.string(), kEntryPoint));
    OnDemandModel m;
    m.make = get();
    m.dir = entry.string();
    return m;
}

}  // namespace

std::string model_cache_root() { return rtlgen::user_cache_dir("FLEXLLM_MODEL_CACHE", "models"); }

RtlModule read_rtl_module(const std::string& dir, const std::string& module) {
    RtlModule r;
    r.module = module;
    r.origin = dir;
    const fs::path mp = fs::path(dir) / (module + ".json");
    std::error_code ec;
    if (!fs::exists(mp, ec))
        throw Error(fmt::format("no RTL manifest {}", mp.string()),
                    "write one per module (README: Run your own RTL), or generate them with "
                    "flexllm rtlgen --out");
    r.manifest = read_text_file(mp.string());
    (void)manifest_ports(r);
    const nlohmann::json j = nlohmann::json::parse(r.manifest);
    const auto it = j.find("sources");
    if (it == j.end() || !it->is_array() || it->empty())
        throw Error(
            fmt::format("manifest {}: \"sources\" must list the module's SV files", mp.string()));
    for (const auto& s : *it) {
        const std::string name = s.is_string() ? s.get<std::string>() : "";
        if (!plain_file_name(name))
            throw Error(
                fmt::format("manifest {}: source {} must be a file name in the "
                            "manifest's folder",
                            mp.string(), s.dump()));
        r.sources.emplace_back(name, read_text_file((fs::path(dir) / name).string()));
    }
    return r;
}

rtlgen::Module manifest_ports(const RtlModule& rtl) { return read_ports(rtl); }

OnDemandModel on_demand_model(const RtlModule& rtl) {
    const rtlgen::Module ports = manifest_ports(rtl);
    const Toolchain& t = toolchain();
    const std::string binding = rtlgen::binding_cpp(ports);
    const std::string shim = fmt::format(
        "// Generated by flexllm (tb/model_cache.cpp): the entry point dlopen looks up.\n"
        "#include \"tb/dut.h\"\n\nnamespace flexllm::tb {{\n"
        "std::unique_ptr<Dut> make_dut_{0}(uint64_t seed);\n}}\n\n"
        "extern \"C\" flexllm::tb::DutFactory {1}() {{ return &flexllm::tb::make_dut_{0}; }}\n",
        rtl.module, kEntryPoint);

    const uint64_t tool_key = fnv1a(fnv1a(1469598103934665603ull, t.versions), kMakeFlags);
    uint64_t key = fnv1a(fnv1a(tool_key, kVerilatorFlags), rtl.module);
    key = fnv1a(fnv1a(fnv1a(key, rtl.manifest), binding), shim);
    for (const auto& [name, text] : embedded::harness_headers())
        key = fnv1a(fnv1a(key, name), text);
    for (const auto& [name, text] : rtl.sources) key = fnv1a(fnv1a(key, name), text);

    static std::mutex memo_mu;
    static std::map<uint64_t, OnDemandModel> memo;
    {
        std::lock_guard<std::mutex> lk(memo_mu);
        if (const auto it = memo.find(key); it != memo.end()) return it->second;
    }

    const fs::path root = model_cache_root();
    std::error_code ec;
    fs::create_directories(root, ec);
    if (ec)
        throw Error(
            fmt::format("cannot create the model cache {}: {}", root.string(), ec.message()),
            "set FLEXLLM_MODEL_CACHE to a writable folder");
    const std::string stem = fmt::format("{}-{:016x}", rtl.module, key);
    const fs::path entry = root / stem;
    OnDemandModel out;
    {
        CacheLock lock(root / (stem + ".lock"));
        if (!fs::exists(entry / "model.so")) {
            const auto t0 = std::chrono::steady_clock::now();
            const fs::path d = scratch_dir(root, stem), src = d / "src", obj = d / "obj",
                           inc = d / "include" / "tb", log = d / "build.log";
            try {
                fs::create_directories(src);
                fs::create_directories(inc);
                for (const auto& [name, text] : rtl.sources) write_file(src / name, text);
                for (const auto& [name, text] : embedded::harness_headers())
                    write_file(inc / (std::string(name) + ".h"), text);
                write_file(src / (rtl.module + "_bind.cpp"), binding);
                write_file(src / (rtl.module + "_entry.cpp"), shim);
                write_file(d / "exports.map",
                           fmt::format("{{ global: {}; local: *; }};\n", kEntryPoint));
                const std::string prefix = "V" + rtl.module;
                std::string files;
                for (const auto& [name, text] : rtl.sources)
                    files += " " + shell_quote((src / name).string());
                run_or_throw(
                    fmt::format("Verilating {}", rtl.module),
                    fmt::format("{} {} --top-module {} --prefix {} -Mdir {} -CFLAGS {} {} {} {}",
                                shell_quote(t.verilator), kVerilatorFlags, rtl.module, prefix,
                                shell_quote(obj.string()),
                                shell_quote("-I" + (d / "include").string()), files,
                                shell_quote((src / (rtl.module + "_bind.cpp")).string()),
                                shell_quote((src / (rtl.module + "_entry.cpp")).string())),
                    log, src.string(), rtl.origin);
                run_or_throw(
                    fmt::format("compiling the model of {}", rtl.module),
                    fmt::format("make -C {} -f {}.mk -j {} {} {}__ALL.a {}_bind.o {}_entry.o",
                                shell_quote(obj.string()), prefix,
                                std::max(1u, std::thread::hardware_concurrency()), kMakeFlags,
                                prefix, rtl.module, rtl.module),
                    log, src.string(), rtl.origin);
                const fs::path rt = runtime_library(root, obj, prefix, tool_key, log);
                run_or_throw(
                    fmt::format("linking the model of {}", rtl.module),
                    fmt::format("{} -shared -o {} {} {} {} {} -lz -pthread -Wl,--version-script={}",
                                shell_quote(t.cxx), shell_quote((d / "model.so").string()),
                                shell_quote((obj / (rtl.module + "_bind.o")).string()),
                                shell_quote((obj / (rtl.module + "_entry.o")).string()),
                                shell_quote((obj / (prefix + "__ALL.a")).string()),
                                shell_quote(rt.string()),
                                shell_quote((d / "exports.map").string())),
                    log, src.string(), rtl.origin);
            } catch (const Error& e) {
                // The scratch folder of a failed build becomes <entry>.failed (the last failure
                // of these sources, kept for its log), so failures leave no scratch behind.
                const fs::path failed = root / (stem + ".failed");
                fs::remove_all(failed, ec);
                fs::remove_all(obj, ec);
                fs::rename(d, failed, ec);
                if (ec) fs::remove_all(d, ec);
                const bool logged = e.hint().rfind("full log: ", 0) == 0;
                throw Error(e.what(),
                            logged ? "full log: " + (failed / "build.log").string() : e.hint());
            }
            fs::remove_all(obj, ec);  // the objects are in model.so; src/ and build.log stay
            publish(d, entry);
            out.built = true;
            out.seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        }
        const OnDemandModel loaded = load(entry);
        out.make = loaded.make;
        out.dir = loaded.dir;
    }
    if (out.built)
        fmt::print(stderr, "flexllm: built the Verilated model {} ({}) in {:.1f} s, cached in {}\n",
                   rtl.module, rtl.origin, out.seconds, out.dir);
    else
        fmt::print(stderr, "flexllm: Verilated model {} from the cache {}\n", rtl.module, out.dir);
    std::lock_guard<std::mutex> lk(memo_mu);
    memo.emplace(key, out);
    return out;
}

}  // namespace flexllm::tb
