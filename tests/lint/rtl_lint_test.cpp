// Every generated module (built configs, their mutants, and u280_mem_opt generated on the fly)
// passes `verilator --lint-only -Wall`; every kernel synthesizes to gates with a complete
// hierarchical yosys `synth -top` once (its first variant at the first built config, each
// primitive mapped once), every other built module with coarse synthesis; results are cached by
// the sources' hash.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "golden/error.h"
#include "golden/model_config.h"
#include "hls_src/arch_config.h"
#include "rtl_gen/generator.h"
#include "rtl_gen/lint.h"
#include "rtl_gen/rtlgen_options.h"
#include "rtl_gen/sv_util.h"

namespace flexllm::rtlgen {
namespace {

namespace fs = std::filesystem;

// Built modules, found by their manifests (<arch>/<module>.json); submodule files have none.
std::vector<std::string> built_modules() {
    std::vector<std::string> v;
    const fs::path root = FLEXLLM_RTL_DIR;
    std::error_code ec;
    for (const auto& d : fs::recursive_directory_iterator(root, ec))
        if (d.path().extension() == ".json")
            v.push_back(fs::relative(d.path(), root).replace_extension(".sv").string());
    std::sort(v.begin(), v.end());
    return v;
}

// The manifest's "sources", resolved beside it: the top's file first.
std::vector<std::string> manifest_sources(const fs::path& sv) {
    fs::path js = sv;
    js.replace_extension(".json");
    std::ifstream in(js);
    const auto j = nlohmann::json::parse(in);
    std::vector<std::string> v;
    for (const auto& f : j.at("sources"))
        v.push_back((sv.parent_path() / f.get<std::string>()).string());
    return v;
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
    std::string n = info.param.substr(0, info.param.size() - 3);
    for (char& c : n)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    return n;
}

class BuiltRtl : public ::testing::TestWithParam<std::string> {
  protected:
    std::string path() const { return (fs::path(FLEXLLM_RTL_DIR) / GetParam()).string(); }
    std::vector<std::string> sources() const { return manifest_sources(path()); }
    std::string top() const { return fs::path(GetParam()).stem().string(); }
};

TEST_P(BuiltRtl, ManifestListsTheTopFirstAndExistingSubmodules) {
    const auto src = sources();
    ASSERT_FALSE(src.empty());
    EXPECT_EQ(src.front(), path());
    for (const auto& f : src) EXPECT_TRUE(fs::is_regular_file(f)) << f;
}

TEST_P(BuiltRtl, VerilatorLintWallClean) {
    const ToolResult r = verilator_lint(sources(), top());
    EXPECT_TRUE(r.ok) << r.command << "\n" << r.output;
}

// The synthesis budget: the complete synth to gates once per kernel -- its first variant in the
// kernel list, at the first built config (FLEXLLM_FULL_SYNTH_ARCH); every other module (the other
// variants and configs) gets coarse synthesis; the fault mutants none (test fixtures a few gates
// away from the module they mutate, linted like every module: 90 CPU-s of synthesis saved). Both
// are cached by the sources' hash (yosys_synth_cached), so an unchanged module is not synthesized
// again.
// Kernels whose gate-level synthesis would spend minutes turning storage into flip-flops get coarse
// synthesis only (word-level cells, memories kept as $mem, as an FPGA flow infers block RAM):
// kv_cache (an 8 KB cache: 65k flip-flops, 125 CPU-s at tiny_a), sample (lanes x 64 sorted-list
// entries: 127k cells, 134 CPU-s) and embedding (two row buffers of T x d_max int32: 64 kbit at
// tiny_a). `flexllm rtlgen --lint` runs their full synthesis on demand.
const std::set<std::string> kCoarseOnly = {"kv_cache", "sample", "embedding"};
std::string full_synthesis_module(const std::string& kernel) {
    if (kCoarseOnly.count(kernel)) return {};
    for (const auto& v : variants())
        if (v.kernel == kernel)
            return fmt::format("{}/{}_{}.sv", FLEXLLM_FULL_SYNTH_ARCH, v.variant,
                               FLEXLLM_FULL_SYNTH_ARCH);
    return {};
}
bool full_synthesis(const std::string& module) {
    for (const auto& k : kernel_names())
        if (module == full_synthesis_module(k)) return true;
    return false;
}

class SynthesizedRtl : public BuiltRtl {};
std::vector<std::string> synthesized_modules() {
    std::vector<std::string> v;
    for (const auto& m : built_modules())
        if (m.find("_fault_") == std::string::npos) v.push_back(m);
    return v;
}

TEST_P(SynthesizedRtl, YosysSynthesizes) {
    const bool full = full_synthesis(GetParam());
    const ToolResult r = yosys_synth_cached(sources(), top(), full);
    EXPECT_TRUE(r.ok) << (full ? "full" : "coarse") << " synthesis: " << r.command << "\n"
                      << r.output;
    RecordProperty("synthesis",
                   std::string(full ? "full" : "coarse") + (r.cached ? " (cached)" : ""));
}

TEST(SynthBudget, EveryKernelGetsOneFullSynthesis) {
    std::set<std::string> full;
    for (const auto& m : built_modules())
        if (full_synthesis(m)) full.insert(m);
    EXPECT_EQ(full.size(), kernel_names().size() - kCoarseOnly.size());
    for (const auto& k : kernel_names())
        if (!kCoarseOnly.count(k)) EXPECT_TRUE(full.count(full_synthesis_module(k))) << k;
}

TEST(SynthCache, RecordsPassesOnlyAndKeysOnContent) {
    const fs::path dir = fs::temp_directory_path() / "flexllm_synth_cache_test";
    fs::remove_all(dir);
    fs::create_directories(dir);
    const fs::path sv = dir / "tiny_and.sv";
    std::ofstream(sv) << "module tiny_and (input logic a, b, output logic y);\n"
                         "    assign y = a & b;\nendmodule\n";
    const fs::path cache = dir / "cache";
    const ToolResult first = yosys_synth_cached({sv.string()}, "tiny_and", true, cache.string());
    ASSERT_TRUE(first.ok) << first.output;
    EXPECT_FALSE(first.cached);
    const ToolResult again = yosys_synth_cached({sv.string()}, "tiny_and", true, cache.string());
    EXPECT_TRUE(again.ok);
    EXPECT_TRUE(again.cached);
    // A coarse run is another key; a changed source is another key.
    EXPECT_FALSE(yosys_synth_cached({sv.string()}, "tiny_and", false, cache.string()).cached);
    std::ofstream(sv) << "module tiny_and (input logic a, b, output logic y);\n"
                         "    assign y = a | b;\nendmodule\n";
    EXPECT_FALSE(yosys_synth_cached({sv.string()}, "tiny_and", true, cache.string()).cached);
    // A failing run is not recorded: it fails again.
    std::ofstream(sv) << "module tiny_and (input logic a, output logic y);\n"
                         "    assign y = a & ;\nendmodule\n";  // a syntax error
    for (int i = 0; i < 2; ++i) {
        const ToolResult bad = yosys_synth_cached({sv.string()}, "tiny_and", true, cache.string());
        EXPECT_FALSE(bad.ok);
        EXPECT_FALSE(bad.cached);
    }
    fs::remove_all(dir);
}

TEST_P(BuiltRtl, FirstLineSaysGenerated) {
    std::ifstream in(path());
    std::string first;
    std::getline(in, first);
    EXPECT_THAT(first, ::testing::StartsWith("// Generated by flexllm rtlgen"));
}

INSTANTIATE_TEST_SUITE_P(Modules, BuiltRtl, ::testing::ValuesIn(built_modules()), test_name);
INSTANTIATE_TEST_SUITE_P(Modules, SynthesizedRtl, ::testing::ValuesIn(synthesized_modules()),
                         test_name);

TEST(RtlGen, U280MemOptModulesLintClean) {
    const fs::path dir = fs::temp_directory_path() / "flexllm_lint_u280";
    fs::remove_all(dir);
    RtlgenOptions o;
    o.arch = "u280_mem_opt";
    o.model = "llama-3.2-1b";
    o.out = dir.string();
    o.quiet = true;
    ASSERT_EQ(run_rtlgen(o), 0);
    int n = 0;
    for (const auto& d : fs::directory_iterator(dir))
        if (d.path().extension() == ".json") {
            const fs::path sv = fs::path(d.path()).replace_extension(".sv");
            const ToolResult r = verilator_lint(manifest_sources(sv), sv.stem().string());
            EXPECT_TRUE(r.ok) << r.command << "\n" << r.output;
            ++n;
        }
    EXPECT_EQ(n, static_cast<int>(variants().size()));
    fs::remove_all(dir);
}

TEST(RtlGen, DegenerateArraysLintAndSynthesize) {
    // The generator's edge branches: a 1 x 1 systolic array (no skew register at all), 1 x 2
    // (a column chain only), 2 x 1 (a row chain only), and a single-lane decode GEMV.
    const fs::path dir = fs::temp_directory_path() / "flexllm_synth_min";
    fs::remove_all(dir);
    fs::create_directories(dir);
    auto a = kern::load_arch_config("tiny_a");
    a.name = "min";
    a.prefill.tp = 1;
    a.prefill.kq_wp = 1;
    a.prefill.vo_wp = 2;
    a.prefill.ffn_wp = 2;
    a.prefill.ffn_blocks = 2;
    a.decode.bp = 1;
    a.decode.wp = 2;
    a.decode.lanes = 2;
    const fs::path toml = dir / "min.toml";
    std::ofstream(toml) << kern::to_toml(a);
    RtlgenOptions o;
    o.arch = toml.string();
    o.out = dir.string();
    o.quiet = true;
    ASSERT_EQ(run_rtlgen(o), 0);
    for (const char* m : {"linear_prefill_kq_min", "linear_prefill_vo_min",
                          "linear_prefill_ffn_min", "linear_decode_min"}) {
        const fs::path sv = dir / (std::string(m) + ".sv");
        std::ifstream js(fs::path(sv).replace_extension(".json"));
        const auto man = nlohmann::json::parse(js);
        const auto& sh = man.at("shape");
        const int skew = sh.at("systolic").get<bool>()
                             ? sh.at("rows").get<int>() - 1 + sh.at("wp").get<int>() - 1
                             : 0;
        EXPECT_EQ(sh.at("skew").get<int>(), skew) << m;
        const ToolResult l = verilator_lint(manifest_sources(sv), m);
        EXPECT_TRUE(l.ok) << l.command << "\n" << l.output;
        const ToolResult r = yosys_synth_cached(manifest_sources(sv), m, true);
        EXPECT_TRUE(r.ok) << r.command << "\n" << r.output;
    }
    fs::remove_all(dir);
}

TEST(RtlGen, ManifestCarriesHashAndPorts) {
    const auto a = kern::load_arch_config("tiny_b");
    const auto bounds = kern::model_bounds(golden::load_model_config("tiny"));
    const auto mods = generate(a, bounds);
    ASSERT_EQ(mods.size(), variants().size());
    for (const auto& m : mods) {
        const auto j = manifest(m, a, bounds);
        EXPECT_EQ(j["params_hash"], fmt::format("{:016x}", kern::params_hash(a)));
        EXPECT_EQ(j["generator_version"], kGeneratorVersion);
        EXPECT_FALSE(j["streams"].empty());
    }
    const auto& dec = *std::find_if(mods.begin(), mods.end(),
                                    [](const Module& m) { return m.variant == "linear_decode"; });
    EXPECT_EQ(dec.variant, "linear_decode");
    EXPECT_EQ(dec.kernel, "linear");
    int weight_streams = 0;
    for (const auto& s : dec.streams) weight_streams += s.name.rfind("s_axis_w", 0) == 0;
    EXPECT_EQ(weight_streams, a.decode.bp);  // one weight stream per GEMV lane
}

TEST(RtlGen, AccumulatorWidthsHoldTheLongestReduction) {
    // Hand-worked: 120 * 256 = 30720 < 2^15; 120 * 8192 = 983040 < 2^20; 128 = 2^7 needs 9 bits.
    EXPECT_EQ(signed_sum_width(120, 256), 16);
    EXPECT_EQ(signed_sum_width(120, 8192), 21);
    EXPECT_EQ(signed_sum_width(128, 1), 9);
    EXPECT_EQ(signed_sum_width(127, 1), 8);
    EXPECT_EQ(signed_sum_width(255 * 128, 65536), 32);  // attn_context at the 16-bit position limit
    const auto a = kern::load_arch_config("tiny_a");
    auto bounds = kern::model_bounds(golden::load_model_config("tiny"));
    for (const auto& v : {"linear_decode", "linear_prefill_ffn"}) {
        const Module m = generate_variant(a, bounds, v);
        EXPECT_EQ(m.shape.at("acc_width").get<int>(), signed_sum_width(120, bounds.d_max)) << v;
        EXPECT_THAT(m.sv, ::testing::HasSubstr(fmt::format("localparam int ACC_W = {};",
                                                           signed_sum_width(120, bounds.d_max))));
    }
    bounds.d_max = 1 << 25;  // 120 * 2^25 > 2^31: no int32 dequant input holds it
    EXPECT_THAT([&] { generate_variant(a, bounds, "linear_decode"); },
                ::testing::ThrowsMessage<Error>(::testing::HasSubstr("-bit PE accumulator")));
}

TEST(RtlGen, RejectsUnknownFaultAndKernel) {
    EXPECT_THAT([] { fault_variant("bitrot"); },
                ::testing::ThrowsMessage<Error>(::testing::HasSubstr("unknown fault kind")));
    RtlgenOptions o;
    o.arch = "tiny_a";
    o.out = (fs::temp_directory_path() / "flexllm_rtlgen_bad").string();
    o.kernel = "no_such_kernel";
    o.quiet = true;
    EXPECT_THAT([&] { run_rtlgen(o); },
                ::testing::ThrowsMessage<Error>(::testing::HasSubstr("unknown kernel")));
    o.kernel.clear();
    o.arch = "no_such_arch";
    EXPECT_THROW(run_rtlgen(o), Error);
}

// Golden files of the generated SV (tests/lint/golden_sv/<arch>/<module>.sv, every variant of
// the built configs): "output unchanged" is this test. After an intended generator change,
// regenerate them with FLEXLLM_UPDATE_GOLDEN_SV=1 (ci/update_golden_sv.sh) and commit them alone.
TEST(GoldenSv, GeneratedSvMatchesTheCheckedInFiles) {
    const bool update = std::getenv("FLEXLLM_UPDATE_GOLDEN_SV") != nullptr;
    const fs::path root = fs::path(FLEXLLM_SOURCE_DIR) / "tests" / "lint" / "golden_sv";
    int files = 0;
    const auto bounds = kern::model_bounds(golden::load_model_config("tiny"));
    for (const char* arch_name : {"tiny_a", "tiny_b"}) {
        const auto arch = kern::load_arch_config(arch_name);
        for (const Module& m : generate(arch, bounds)) {
            const fs::path f = root / arch_name / (m.name + ".sv");
            ++files;
            if (update) {
                fs::create_directories(f.parent_path());
                std::ofstream(f, std::ios::binary) << m.sv;
                continue;
            }
            std::ifstream in(f, std::ios::binary);
            ASSERT_TRUE(in) << "no golden file " << f << " (FLEXLLM_UPDATE_GOLDEN_SV=1 writes it)";
            const std::string want((std::istreambuf_iterator<char>(in)), {});
            if (want == m.sv) continue;
            size_t line = 1, i = 0;
            for (; i < std::min(want.size(), m.sv.size()) && want[i] == m.sv[i]; ++i)
                line += want[i] == '\n';
            ADD_FAILURE() << m.name << " differs from " << f << " from line " << line
                          << " (an intended change: ci/update_golden_sv.sh, then commit)";
        }
    }
    EXPECT_EQ(files, 2 * static_cast<int>(variants().size()));
}

TEST(RtlGen, MissingToolIsAnError) {
    const char* old = std::getenv("PATH");
    const std::string saved = old ? old : "";
    setenv("PATH", "/nonexistent", 1);
    EXPECT_THAT([] { find_tool("verilator"); },
                ::testing::ThrowsMessage<Error>(::testing::HasSubstr("verilator not found")));
    setenv("PATH", saved.c_str(), 1);
}

}  // namespace
}  // namespace flexllm::rtlgen
