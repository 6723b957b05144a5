// Models built on demand (tb/model_cache.h): --rtl-dir simulates the RTL that is there (the
// built-in model only for the build's very RTL), garbage SV is a one-line error naming the file, a
// broken but valid SV fails with its first divergence, the cache is reused and rebuilt when a
// source changes, and an arch TOML outside the tree runs without touching the build.
#include "tb/model_cache.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "golden/error.h"
#include "tb/cases.h"
#include "tb/regress.h"
#include "tests/support/cli_test_support.h"

namespace flexllm::tb {
namespace {

using flexllm::testing::expect_bad_input;
using flexllm::testing::run_flexllm;
using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

// A fresh folder under the build's test scratch space.
fs::path fresh_dir(const std::string& name) {
    const fs::path d = fs::path(FLEXLLM_BINARY_DIR) / "test-scratch" / name;
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
}

std::string read(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

void replace_in(const fs::path& p, const std::string& from, const std::string& to) {
    std::string t = read(p);
    const size_t at = t.find(from);
    ASSERT_NE(at, std::string::npos) << from << " not in " << p;
    t.replace(at, from.size(), to);
    std::ofstream(p) << t;
}

size_t cache_entries(const fs::path& cache) {
    size_t n = 0;
    if (fs::exists(cache))
        for (const auto& e : fs::directory_iterator(cache))
            if (fs::exists(e.path() / "model.so")) ++n;
    return n;
}

constexpr const char* kQuantCase = "tiny_a/decode/L0/quant_token/q";

RegressOptions one_case(const fs::path& rtl_dir) {
    RegressOptions o;
    o.rtl_dir = rtl_dir.string();
    o.filter = kQuantCase;
    o.explicit_options = {"filter"};
    o.waves = "never";
    return o;
}

// The build's own RTL copied elsewhere runs on the built-in model (nothing is built); the same
// folder with SV that is not Verilog fails to build, naming the file; sources outside the folder
// are refused.
TEST(ModelCache, RtlDirWithTheBuildsRtlUsesTheBuiltInModelAndGarbageIsAnError) {
    const fs::path tmp = fresh_dir("rtl_dir_copy"), cache = tmp / "cache";
    ASSERT_EQ(::setenv("FLEXLLM_MODEL_CACHE", cache.c_str(), 1), 0);
    fs::copy(fs::path(default_rtl_dir()) / "tiny_a", tmp / "tiny_a", fs::copy_options::recursive);
    const RegressOptions o = one_case(tmp);
    EXPECT_EQ(run_regress(o).exit_code, 0);
    EXPECT_EQ(cache_entries(cache), 0u);
    for (const auto& f : fs::directory_iterator(tmp / "tiny_a"))
        if (f.path().extension() == ".sv") std::ofstream(f.path()) << "this is not verilog\n";
    const std::string top = (tmp / "tiny_a" / "quant_token_decode_tiny_a.sv").string();
    EXPECT_THAT([&] { run_regress(o); },
                ::testing::ThrowsMessage<Error>(::testing::AllOf(
                    HasSubstr("Verilating quant_token_decode_tiny_a failed"), HasSubstr(top))));
    // The failed build leaves no scratch folder, only <entry>.failed with the log it names.
    try {
        run_regress(o);
        ADD_FAILURE() << "garbage RTL built";
    } catch (const Error& e) {
        const std::string log = e.hint().substr(e.hint().find(": ") + 2);
        EXPECT_THAT(log, ::testing::EndsWith(".failed/build.log")) << e.hint();
        EXPECT_TRUE(fs::is_regular_file(log)) << log;
    }
    for (const auto& f : fs::directory_iterator(cache))
        EXPECT_EQ(f.path().filename().string().find(".tmp-"), std::string::npos) << f.path();
    nlohmann::json j;
    const fs::path man = tmp / "tiny_a" / "quant_token_decode_tiny_a.json";
    std::ifstream(man) >> j;
    j["sources"] = {"../../../etc/passwd"};
    std::ofstream(man) << j.dump();
    EXPECT_THAT([&] { run_regress(o); }, ::testing::ThrowsMessage<Error>(
                                             HasSubstr("must be a file name in the manifest's")));
    ::unsetenv("FLEXLLM_MODEL_CACHE");
}

// The manifest's ports go into the generated harness binding: each key is checked and named.
TEST(ModelCache, ManifestPortsAreCheckedByKey) {
    RtlModule r;
    r.module = "quant_token_decode_tiny_a";
    r.origin = "test";
    r.manifest = read(fs::path(default_rtl_dir()) / "tiny_a" / (r.module + ".json"));
    EXPECT_EQ(manifest_ports(r).streams.size(), 3u);
    auto broken = [&](const std::function<void(nlohmann::json&)>& edit) {
        nlohmann::json j = nlohmann::json::parse(r.manifest);
        edit(j);
        RtlModule b = r;
        b.manifest = j.dump();
        return b;
    };
    auto expect_error = [&](const RtlModule& b, const std::string& what) {
        EXPECT_THAT([&] { (void)manifest_ports(b); },
                    ::testing::ThrowsMessage<Error>(HasSubstr(what)));
    };
    expect_error(broken([](auto& j) { j["module"] = "other"; }), "module names other");
    expect_error(broken([](auto& j) { j["streams"][0]["name"] = "x); system(\"id\""; }),
                 "streams[].name 'x); system(\"id\"' is not an identifier");
    expect_error(broken([](auto& j) { j["streams"][1]["lanes"] = 0; }),
                 "streams[].lanes must be an integer in 1..4096");
    expect_error(broken([](auto& j) { j["streams"][1]["direction"] = "inout"; }),
                 "streams[].direction must be \"in\" or \"out\"");
    expect_error(broken([](auto& j) { j["streams"][0]["data_width"] = 64; }),
                 "streams[].data_width of s_axis_x is not lanes x elem_width");
    expect_error(broken([](auto& j) { j["clock"] = "ap_clk"; }), "clock must be \"clk\"");
    expect_error(broken([](auto& j) { j["scalars"] = 3; }), "scalars must be an array");
    expect_error(broken([](auto& j) { j.erase("streams"); }), "streams is missing");
}

// A valid but wrong SV (the quant code unit rounds at 1/4 step) in --rtl-dir is Verilated on
// demand and fails with its first divergence; the second run takes the model from the cache; a
// changed source is built again.
TEST(ModelCache, BrokenRtlInRtlDirFailsWithItsFirstDivergenceAndTheCacheIsReused) {
    const fs::path tmp = fresh_dir("rtl_dir_broken"), cache = tmp / "cache";
    fs::copy(fs::path(default_rtl_dir()) / "tiny_a", tmp / "tiny_a", fs::copy_options::recursive);
    replace_in(tmp / "tiny_a" / "flexllm_quant_code.sv", "(86'd1 << 47)", "(86'd1 << 46)");
    const std::string env = "FLEXLLM_MODEL_CACHE=" + cache.string();
    const std::string args =
        fmt::format("regress --rtl-dir {} --filter {} --waves never", tmp.string(), kQuantCase);
    const auto first = run_flexllm(args, env);
    EXPECT_EQ(first.code, 1) << first.out;
    EXPECT_THAT(first.out, HasSubstr("built the Verilated model quant_token_decode_tiny_a"));
    EXPECT_THAT(first.out, HasSubstr("first"));
    EXPECT_THAT(first.out, HasSubstr("m_axis_q"));
    EXPECT_EQ(cache_entries(cache), 1u);
    const auto second = run_flexllm(args, env);
    EXPECT_EQ(second.code, 1) << second.out;
    EXPECT_THAT(second.out, HasSubstr("Verilated model quant_token_decode_tiny_a from the cache"));
    EXPECT_THAT(second.out, Not(HasSubstr("built the Verilated model")));
    // Fixed, with a comment that makes it differ from the build's RTL: built again, and passes.
    replace_in(tmp / "tiny_a" / "flexllm_quant_code.sv", "(86'd1 << 46)", "(86'd1 << 47) /* ok */");
    const auto fixed = run_flexllm(args, env);
    EXPECT_EQ(fixed.code, 0) << fixed.out;
    EXPECT_THAT(fixed.out, HasSubstr("built the Verilated model quant_token_decode_tiny_a"));
    EXPECT_EQ(cache_entries(cache), 2u);
}

// Two processes that need the same model at once: one builds it, the other waits for the entry's
// lock and loads what the first built; both pass and the cache holds one entry.
TEST(ModelCache, ConcurrentProcessesShareOneBuild) {
    const fs::path tmp = fresh_dir("concurrent"), cache = tmp / "cache";
    fs::copy(fs::path(default_rtl_dir()) / "tiny_a", tmp / "tiny_a", fs::copy_options::recursive);
    replace_in(tmp / "tiny_a" / "flexllm_quant_code.sv", "(86'd1 << 47)", "(86'd1 << 47) /* 2 */");
    const std::string env = "FLEXLLM_MODEL_CACHE=" + cache.string();
    const std::string args =
        fmt::format("regress --rtl-dir {} --filter {} --waves never", tmp.string(), kQuantCase);
    flexllm::testing::CliResult a, b;
    std::thread other([&] { b = run_flexllm(args, env); });
    a = run_flexllm(args, env);
    other.join();
    EXPECT_EQ(a.code, 0) << a.out;
    EXPECT_EQ(b.code, 0) << b.out;
    const std::string both = a.out + b.out;
    size_t built = 0;
    for (size_t p = 0; (p = both.find("built the Verilated model", p)) != std::string::npos; ++p)
        ++built;
    EXPECT_EQ(built, 1u) << both;
    EXPECT_THAT(both, HasSubstr("from the cache"));
    EXPECT_EQ(cache_entries(cache), 1u);
}

// An arch config copied out of the tree and edited runs in regress by path (its cases and modules
// carry its name), built on demand; rtlgen takes the same path; a copy that keeps a built-in's
// name but changes it is an error; without Verilator the build is a one-line error.
TEST(ModelCache, ArchTomlOutsideTheTreeRunsWithoutTouchingTheBuild) {
    const fs::path tmp = fresh_dir("my_arch"), cache = tmp / "cache";
    std::string toml = read(fs::path(FLEXLLM_SOURCE_DIR) / "hls_src" / "arch" / "tiny_a.toml");
    std::string named = toml;
    named.replace(named.find("name = \"tiny_a\""), 15, "name = \"my_arch\"");
    named.replace(named.find("bp = 4"), 6, "bp = 2");
    std::ofstream(tmp / "my_arch.toml") << named;
    const std::string env = "FLEXLLM_MODEL_CACHE=" + cache.string();
    const auto run = run_flexllm(
        fmt::format("regress --arch {} --filter 'my_arch/decode/L0/quant_token/q' --waves never",
                    (tmp / "my_arch.toml").string()),
        env);
    EXPECT_EQ(run.code, 0) << run.out;
    EXPECT_THAT(run.out, HasSubstr("built the Verilated model quant_token_decode_my_arch"));
    EXPECT_THAT(run.out, HasSubstr("my_arch/decode/L0/quant_token/q"));

    const auto gen = run_flexllm(fmt::format("rtlgen --arch {} --out {} --kernel quant_token",
                                             (tmp / "my_arch.toml").string(),
                                             (tmp / "rtl" / "my_arch").string()));
    EXPECT_EQ(gen.code, 0) << gen.out;
    EXPECT_TRUE(fs::exists(tmp / "rtl" / "my_arch" / "quant_token_decode_my_arch.json"));

    std::string clash = toml;
    clash.replace(clash.find("bp = 4"), 6, "bp = 2");
    std::ofstream(tmp / "tiny_a.toml") << clash;
    expect_bad_input(
        run_flexllm(fmt::format("regress --arch {} --list", (tmp / "tiny_a.toml").string())),
        "is named 'tiny_a' like a built-in config but differs from it");

    expect_bad_input(
        run_flexllm(fmt::format("regress --arch {} --filter 'my_arch/decode/L0/quant_token/q' "
                                "--waves never",
                                (tmp / "my_arch.toml").string()),
                    "PATH=/nonexistent FLEXLLM_MODEL_CACHE=" + (tmp / "cache2").string()),
        "verilator not found on PATH");
}

}  // namespace
}  // namespace flexllm::tb
