// Bring your own RTL (tb/foreign_rtl.h): the hand-written Vitis-HLS-style and TAPA-style residual
// examples pass their variant's cases against golden (and the random corners) through the
// generated wrapper, the wrong one fails with its first divergence, and every manifest mistake is
// an error naming its key.
#include "tb/foreign_rtl.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>

#include "golden/error.h"
#include "golden/model_config.h"
#include "hls_src/arch_config.h"
#include "tb/cases.h"
#include "tb/regress.h"

namespace flexllm::tb {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

const fs::path kExamples = fs::path(FLEXLLM_SOURCE_DIR) / "examples" / "own_rtl";

// Every test of this file shares one model cache (the builds lock per entry).
class ForeignRtlTest : public ::testing::Test {
  protected:
    void SetUp() override {
        const fs::path cache = fs::path(FLEXLLM_BINARY_DIR) / "test-scratch" / "foreign-cache";
        ASSERT_EQ(::setenv("FLEXLLM_MODEL_CACHE", cache.c_str(), 1), 0);
    }
    void TearDown() override { ::unsetenv("FLEXLLM_MODEL_CACHE"); }

    static RegressResult run(const fs::path& manifest, const std::string& source = "golden") {
        RegressOptions o;
        o.rtl_manifest = manifest.string();
        o.source = source;
        o.explicit_options = {"source"};
        o.waves = "never";
        return run_regress(o);
    }
};

void expect_all_residual_decode_cases_pass(const RegressResult& r) {
    EXPECT_EQ(r.exit_code, 0) << r.table;
    // tiny has 2 layers, each with the residual roles attn and ffn.
    ASSERT_EQ(r.cases.size(), 4u) << r.table;
    for (const auto& c : r.cases) {
        EXPECT_TRUE(c.passed) << c.failure;
        EXPECT_EQ(c.spec.arch, "tiny_a");
        EXPECT_EQ(find_kernel(c.spec.stage).variant(c.spec), "residual_decode");
        ASSERT_FALSE(c.rtl.ports.empty());
        for (const auto& p : c.rtl.ports) EXPECT_EQ(p.beats, p.expected) << p.port;
    }
    EXPECT_THAT(r.table, HasSubstr("not checked"));  // the cycle policy is printed
}

TEST_F(ForeignRtlTest, VitisStyleResidualPassesGoldenAndRandomCorners) {
    expect_all_residual_decode_cases_pass(run(kExamples / "vitis" / "residual_vitis.json"));
    expect_all_residual_decode_cases_pass(
        run(kExamples / "vitis" / "residual_vitis.json", "random"));
}

TEST_F(ForeignRtlTest, TapaStyleResidualPassesGoldenAndRandomCorners) {
    expect_all_residual_decode_cases_pass(run(kExamples / "tapa" / "residual_tapa.json"));
    expect_all_residual_decode_cases_pass(run(kExamples / "tapa" / "residual_tapa.json", "random"));
}

// The sum that wraps instead of saturating passes ordinary values and fails the random corners
// (values near +-2^31) with the first divergence on the output port.
TEST_F(ForeignRtlTest, WrongVariantFailsWithItsFirstDivergence) {
    const fs::path wrong = kExamples / "vitis" / "residual_vitis_nosat.json";
    const RegressResult r = run(wrong, "random");
    EXPECT_EQ(r.exit_code, 1) << r.table;
    ASSERT_FALSE(r.cases.empty());
    bool diverged = false;
    for (const auto& c : r.cases)
        if (!c.passed) {
            diverged = true;
            EXPECT_THAT(c.failure, HasSubstr("m_axis_z"));
            EXPECT_THAT(c.failure, HasSubstr("[C-sim ok: only the RTL diverged]"));
            ASSERT_TRUE(c.rtl.first.has_value());
            EXPECT_NE(c.rtl.first->got, c.rtl.first->exp);
            EXPECT_EQ(c.rtl.first->port, "m_axis_z");
        }
    EXPECT_TRUE(diverged);
}

// Manifest mistakes: each is an Error naming the key, before anything is built.
TEST_F(ForeignRtlTest, ManifestMistakesNameTheKey) {
    const fs::path dir = fs::path(FLEXLLM_BINARY_DIR) / "test-scratch" / "foreign-bad";
    fs::remove_all(dir);
    fs::create_directories(dir);
    fs::copy(kExamples / "vitis" / "residual_vitis.v", dir / "residual_vitis.v");
    nlohmann::json good;
    std::ifstream(kExamples / "vitis" / "residual_vitis.json") >> good;
    auto expect_error = [&](const std::function<void(nlohmann::json&)>& edit,
                            const std::string& what) {
        nlohmann::json j = good;
        edit(j);
        std::ofstream(dir / "m.json") << j.dump();
        EXPECT_THAT([&] { (void)run((dir / "m.json")); },
                    ::testing::ThrowsMessage<Error>(HasSubstr(what)))
            << j.dump();
    };
    expect_error([](auto& j) { j["flexllm_rtl"] = 2; }, "flexllm_rtl must be 1");
    expect_error([](auto& j) { j["colour"] = "red"; }, "colour is not a known key");
    expect_error([](auto& j) { j["variant"] = "residual_sideways"; },
                 "variant 'residual_sideways' is not a kernel variant");
    expect_error([](auto& j) { j["arch"] = "../tiny_a.toml"; },
                 "arch '../tiny_a.toml' must be a built-in config or a TOML file");
    expect_error([](auto& j) { j["sources"] = {"/etc/passwd"}; },
                 "must be a file name in the manifest's folder");
    expect_error([](auto& j) { j["convention"] = "chisel"; }, "convention 'chisel' must be");
    expect_error([](auto& j) { j["control"] = "ap_ctrl_maybe"; }, "control 'ap_ctrl_maybe'");
    expect_error([](auto& j) { j["streams"]["m_axis_z"].erase("port"); },
                 "streams.m_axis_z.port is missing");
    expect_error([](auto& j) { j["streams"]["m_axis_z"]["eot"] = true; },
                 "streams.m_axis_z.eot is TAPA's end-of-transaction bit");
    expect_error([](auto& j) { j["streams"]["m_axis_z"]["order"] = "random"; },
                 "streams.m_axis_z.order must be");
    expect_error([](auto& j) { j["top"] = "1bad"; }, "top '1bad' is not an identifier");
    // Against the kernel's port specs (the wrapper):
    expect_error([](auto& j) { j["streams"]["m_axis_z"]["lanes"] = 8; },
                 "stream m_axis_z (port z): 8 lanes declared; the kernel's words carry 4");
    expect_error([](auto& j) { j["streams"]["m_axis_z"]["signed"] = false; },
                 "declared unsigned; the kernel's elements are signed");
    expect_error([](auto& j) { j["streams"]["m_axis_z"]["elem_width"] = 16; },
                 "elem_width 16 cannot carry the kernel's 32-bit elements");
    expect_error([](auto& j) { j["streams"].erase("s_axis_y"); },
                 "the harness stream s_axis_y is not mapped to a port");
    expect_error([](auto& j) { j["streams"]["s_axis_w"] = j["streams"]["s_axis_x"]; },
                 "s_axis_w is not a stream of residual_decode");
    expect_error([](auto& j) { j["scalars"]["cfg_q"] = "q"; },
                 "cfg_q is not a scalar port of residual_decode");
}

// The wrapper repacks lanes: a manifest that declares lane 0 at the top of the word and an input
// wider than the kernel's elements (sign-extended) wraps the same RTL correctly.
TEST(ForeignWrapper, RepacksLaneOrderAndWidth) {
    const kern::ArchParams a = kern::load_arch_config("tiny_a");
    const rtlgen::Module& spec =
        variant_module(a, "residual_decode", kern::model_bounds(golden::load_model_config("tiny")));
    rtlgen::ForeignTop t;
    t.top = "dut";
    t.streams = {{"s_axis_x", "x", 4, true, 160, 40, true, true, false},
                 {"s_axis_y", "y", 4, true, 128, 32, false, true, false},
                 {"m_axis_z", "z", 4, true, 128, 32, true, false, false}};
    const rtlgen::Module w = rtlgen::foreign_wrapper(spec, t, "wrap");
    // Lane 0 of x (msb_first, 40 bits) sits in bits 159:120, sign-extended from the kernel's 32.
    EXPECT_THAT(w.sv, HasSubstr("assign s_axis_x_word[159:120] = {{8{s_axis_x_tdata[31]}}, "
                                "s_axis_x_tdata[31:0]};"));
    EXPECT_THAT(w.sv, HasSubstr("assign s_axis_y_word[31:0] = s_axis_y_tdata[31:0];"));
    EXPECT_THAT(w.sv, HasSubstr("assign m_axis_z_tdata[31:0] = m_axis_z_word[127:96];"));
    EXPECT_THAT(w.sv, HasSubstr(".x_TLAST(s_axis_x_tlast)"));
    EXPECT_THAT(w.sv, HasSubstr("assign m_axis_z_tlast = 1'b0;"));  // no TLAST: not checked
    EXPECT_THAT(w.sv, HasSubstr("assign status_err = '0;"));        // unmapped output
    for (const auto& s : w.streams) EXPECT_EQ(s.last, s.name != "m_axis_z") << s.name;
}

}  // namespace
}  // namespace flexllm::tb
