// The netlist builder of composed tops: what it connects, exposes and taps, the mistakes it
// refuses, and that the composed tops it builds pass `verilator --lint-only -Wall`.
#include "rtl_gen/netlist.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "golden/model_config.h"
#include "hls_src/arch_config.h"
#include "rtl_gen/composed.h"
#include "rtl_gen/kernel_list.h"
#include "rtl_gen/lint.h"
#include "rtl_gen/rtlgen_options.h"
#include "tests/unit/file_test_support.h"

namespace flexllm::rtlgen {
namespace {

using flexllm::testing::expect_error;
using ::testing::HasSubstr;

// A generated module with the given streams (name, input, lanes, width) and scalars cfg_d and
// status_err; the SV is a placeholder (these tests read the ports, not the logic).
Module fake(const std::string& name, std::vector<StreamPort> streams) {
    Module m;
    m.name = name;
    m.streams = std::move(streams);
    m.scalars = {{"cfg_d", true, 16}, {"status_err", false, 1}};
    m.sv = "module " + name + "; endmodule\n";
    return m;
}
StreamPort in(const std::string& n, int lanes = 4, int w = 32) {
    return {n, true, lanes, w, true, "cfg_d/lanes"};
}
StreamPort out(const std::string& n, int lanes = 4, int w = 32) {
    return {n, false, lanes, w, true, "cfg_d/lanes"};
}

const StreamPort* port(const Module& m, const std::string& n) {
    for (const auto& s : m.streams)
        if (s.name == n) return &s;
    return nullptr;
}

TEST(Netlist, ConnectsExposesAndTaps) {
    Netlist n("chain", "chain_decode", "chain_decode_x", "a test chain");
    n.instance("a", fake("mod_a", {in("s_axis_x"), out("m_axis_y")}));
    n.instance("b", fake("mod_b", {in("s_axis_x"), out("m_axis_y")}));
    n.connect("a.m_axis_y", "b.s_axis_x");
    n.tap("a.m_axis_y", "m_axis_tap_a_y");
    n.expose("a.s_axis_x", "s_axis_in");
    const Module m = n.build();
    // Ports: a's input renamed, b's output under its own name, the tap; cfg_d shared once.
    ASSERT_EQ(m.streams.size(), 3u);
    ASSERT_NE(port(m, "s_axis_in"), nullptr);
    ASSERT_NE(port(m, "m_axis_y"), nullptr);
    ASSERT_NE(port(m, "m_axis_tap_a_y"), nullptr);
    EXPECT_TRUE(port(m, "m_axis_tap_a_y")->tap);
    EXPECT_FALSE(port(m, "m_axis_y")->tap);
    EXPECT_EQ(port(m, "s_axis_x"), nullptr);
    ASSERT_EQ(m.scalars.size(), 2u);
    EXPECT_EQ(m.scalars[0].name, "cfg_d");
    EXPECT_EQ(m.scalars[1].name, "status_err");
    EXPECT_EQ(m.shape["ports"]["s_axis_in"], "a.s_axis_x");
    EXPECT_EQ(m.shape["ports"]["m_axis_y"], "b.m_axis_y");
    EXPECT_EQ(m.shape["links"]["b.s_axis_x"], "a.m_axis_y");
    // The SV: the internal net between the instances, the tap valid on its handshake, the
    // status flags ORed, no tready on the tap, both instances' modules among the sources.
    EXPECT_THAT(m.sv, HasSubstr(".m_axis_y_tready(a_m_axis_y_tready)"));
    EXPECT_THAT(m.sv, HasSubstr(".s_axis_x_tvalid(a_m_axis_y_tvalid)"));
    EXPECT_THAT(m.sv, HasSubstr("assign m_axis_tap_a_y_tvalid = a_m_axis_y_tvalid && "
                                "a_m_axis_y_tready;"));
    EXPECT_THAT(m.sv, HasSubstr("assign status_err = a_status_err | b_status_err;"));
    EXPECT_THAT(m.sv, ::testing::Not(HasSubstr("m_axis_tap_a_y_tready")));
    ASSERT_EQ(m.generated.size(), 2u);
    EXPECT_EQ(m.generated[0].name, "mod_a");
    // The tap is in the manifest and bound without tready.
    const auto j = manifest(m, kern::load_arch_config("tiny_a"), kern::ModelBounds{});
    EXPECT_EQ(j["streams"][2]["tap"], true);
    EXPECT_THAT(binding_cpp(m), HasSubstr("&m_->m_axis_tap_a_y_tvalid, nullptr,"));
}

TEST(Netlist, RefusesWhatDoesNotWire) {
    auto two = [] {
        auto n = std::make_unique<Netlist>("c", "c_decode", "c_x", "test");
        n->instance("a", fake("mod_a", {in("s_axis_x"), out("m_axis_y")}));
        n->instance("b", fake("mod_b", {in("s_axis_x", 2), out("m_axis_y")}));
        return n;
    };
    expect_error([&] { two()->connect("a.m_axis_y", "b.s_axis_x"); },
                 {"a.m_axis_y (4 x int32) does not fit b.s_axis_x (2 x int32)"});
    expect_error([&] { two()->connect("a.s_axis_x", "b.s_axis_x"); },
                 {"must go from an output to an input"});
    expect_error([&] { two()->connect("a.m_axis_z", "b.s_axis_x"); }, {"has no stream m_axis_z"});
    expect_error([&] { two()->instance("a", fake("m", {})); }, {"instance a twice"});
    expect_error([&] { two()->tap("a.m_axis_y", "tap_y"); }, {"must be m_axis_<name>"});
    // Two unconnected streams of one name, a tap of a stream that is a port, a renamed link.
    expect_error([&] { two()->build(); }, {"port s_axis_x twice"});
    expect_error(
        [&] {
            auto n = two();
            n->expose("b.s_axis_x", "s_axis_b");
            n->expose("b.m_axis_y", "m_axis_b");
            n->tap("a.m_axis_y", "m_axis_tap");
            n->build();
        },
        {"not an internal connection"});
    Netlist w("c", "c_decode", "c_x", "test");
    w.instance("a", fake("mod_a", {out("m_axis_y")}));
    Module wide = fake("mod_b", {in("s_axis_x")});
    wide.scalars[0].width = 8;
    w.instance("b", wide);
    w.connect("a.m_axis_y", "b.s_axis_x");
    expect_error([&] { w.build(); }, {"scalar cfg_d is 8 bits wide in b but 16 elsewhere"});
}

TEST(Netlist, ComposedTopsPassVerilatorLint) {
    const std::string dir = flexllm::testing::temp_path("netlist", "lint", "");
    std::filesystem::create_directories(dir);
    const golden::ModelConfig tiny = golden::load_model_config("tiny");
    for (const char* arch : {"tiny_a", "tiny_b"}) {
        const auto a = kern::load_arch_config(arch);
        for (const ComposedTop& t : composed_tops(a, kern::model_bounds(tiny))) {
            (void)write_modules({t.module}, a, kern::model_bounds(tiny), dir);
            const ToolResult r = verilator_lint(module_sources(t.module, dir), t.module.name);
            EXPECT_TRUE(r.ok) << t.module.name << "\n" << r.output;
        }
    }
}

// The module names (file stems of the manifests) `flexllm rtlgen` wrote into `dir`.
std::set<std::string> written(const std::string& dir) {
    std::set<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        if (e.path().extension() == ".json") out.insert(e.path().stem().string());
    return out;
}

TEST(Netlist, RtlgenWritesTheComposedTopsOnRequest) {
    RtlgenOptions o;
    o.arch = "tiny_a";
    o.quiet = true;
    o.composed = true;
    auto fresh = [&](const std::string& tag) {
        o.out = flexllm::testing::temp_path("netlist", "rtlgen_" + tag, "");
        std::filesystem::remove_all(o.out);
        return o.out;
    };
    const std::string all = fresh("all");
    ASSERT_EQ(run_rtlgen(o), 0);
    const std::set<std::string> tops = {"attn_in_prefill_kq_tiny_a", "attn_in_prefill_vo_tiny_a",
                                        "attn_in_decode_tiny_a",     "attn_prefill_tiny_a",
                                        "attn_decode_tiny_a",        "ffn_act_prefill_tiny_a",
                                        "ffn_act_decode_tiny_a"};
    const std::set<std::string> got = written(all);
    for (const auto& t : tops) EXPECT_TRUE(got.count(t)) << t;
    EXPECT_EQ(got.size(), variants().size() + tops.size());
    EXPECT_TRUE(std::filesystem::is_regular_file(all + "/attn_in_decode_tiny_a_bind.cpp"));

    o.kernel = "attn_in";
    (void)fresh("attn_in");
    ASSERT_EQ(run_rtlgen(o), 0);
    EXPECT_EQ(written(o.out),
              (std::set<std::string>{"attn_in_prefill_kq_tiny_a", "attn_in_prefill_vo_tiny_a",
                                     "attn_in_decode_tiny_a"}));
    // A fault mutates one variant: its mutant and the composed tops that instantiate it.
    o.kernel.clear();
    o.fault = "rsqrt-bit";
    (void)fresh("fault");
    ASSERT_EQ(run_rtlgen(o), 0);
    EXPECT_EQ(written(o.out), (std::set<std::string>{"rmsnorm_decode_tiny_a_fault_rsqrt_bit",
                                                     "attn_in_decode_tiny_a_fault_rsqrt_bit"}));
    // Without --composed the composed tops are not kernels: an error whose hint says where they
    // are.
    o.fault = "none";
    o.composed = false;
    o.kernel = "attn_in";
    (void)fresh("plain");
    try {
        run_rtlgen(o);
        ADD_FAILURE() << "--kernel attn_in without --composed: no error";
    } catch (const Error& e) {
        EXPECT_THAT(e.what(), HasSubstr("unknown kernel 'attn_in'"));
        EXPECT_THAT(e.hint(), HasSubstr("with --composed"));
    }
}

}  // namespace
}  // namespace flexllm::rtlgen
