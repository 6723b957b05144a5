// Device profiles: built-ins carry the data-sheet numbers and a source for every constant; bad
// profiles are rejected with a one-line reason.
#include "tb/perf/device.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "golden/error.h"

namespace flexllm::perf {
namespace {

using ::testing::HasSubstr;

TEST(Devices, BuiltinsParse) {
    const auto names = builtin_device_names();
    for (const char* n : {"u280", "v80", "a100", "a100_graphs"})
        EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
    for (const auto& n : names) EXPECT_EQ(load_device_profile(n).name, n);
}

TEST(Devices, U280MatchesItsDataSheet) {
    const FpgaDevice d = load_fpga_device("u280");
    EXPECT_EQ(d.dsp, 9024);
    EXPECT_EQ(d.bram36, 2016);
    EXPECT_EQ(d.uram, 960);
    EXPECT_EQ(d.channels, 32);
    EXPECT_NEAR(d.channels * d.channel_gbps, 460, 0.1);    // UG1393: 460 GB/s
    EXPECT_EQ(d.channels * d.channel_capacity_mib, 8192);  // 8 GB
    EXPECT_DOUBLE_EQ(d.target_clock_mhz, 300);
    ASSERT_TRUE(d.published_vs_a100);
    EXPECT_DOUBLE_EQ(d.published_vs_a100->end_to_end, 1.29);
    EXPECT_DOUBLE_EQ(d.published_vs_a100->decode, 1.64);
    EXPECT_DOUBLE_EQ(d.published_vs_a100->energy_efficiency, 3.14);
    ASSERT_TRUE(d.published_hmt);
    EXPECT_DOUBLE_EQ(d.published_hmt->prefill_speedup, 23.23);
}

TEST(Devices, V80AndA100) {
    const FpgaDevice v = load_fpga_device("v80");
    EXPECT_NEAR(v.channels * v.channel_gbps, 819.2, 0.1);
    ASSERT_TRUE(v.published_vs_a100);
    EXPECT_DOUBLE_EQ(v.published_vs_a100->end_to_end, 4.71);
    EXPECT_DOUBLE_EQ(v.published_vs_a100->decode, 6.55);
    EXPECT_DOUBLE_EQ(v.published_vs_a100->energy_efficiency, 4.13);
    const GpuDevice g = load_gpu_device("a100");
    EXPECT_DOUBLE_EQ(g.peak_tflops, 312);
    EXPECT_DOUBLE_EQ(g.mem_gbs, 2039);
}

// The `key = value` lines of a profile that carry no `# source` comment after the value
// ("<line number>: <line>"); commented-out lines are not constants.
std::vector<std::string> constants_without_source(const std::string& text) {
    std::istringstream in(text);
    std::vector<std::string> bad;
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
        const auto hash = line.find('#');
        const auto eq = line.find('=');
        if (eq == std::string::npos || (hash != std::string::npos && hash < eq)) continue;
        if (hash == std::string::npos) bad.push_back(std::to_string(n) + ": " + line);
    }
    return bad;
}

TEST(Devices, EveryConstantNamesItsSource) {
    for (const auto& name : builtin_device_names())
        EXPECT_THAT(constants_without_source(builtin_device_text(name)), ::testing::IsEmpty())
            << name << ".toml";
}

TEST(Devices, SourceCheckFindsAnUncommentedConstant) {
    const std::string text =
        "# header\n[resources]\ndsp = 9024  # DS963\nluts = 1303680\n"
        "# old = 3\n";
    EXPECT_THAT(constants_without_source(text), ::testing::ElementsAre("4: luts = 1303680"));
}

TEST(Devices, RejectsUnknownKeysAndBadValues) {
    const std::string ok = builtin_device_text("u280");
    EXPECT_THAT([&] { parse_device_profile(ok + "\nspeed = 3\n", "bad.toml"); },
                ::testing::ThrowsMessage<Error>(HasSubstr("not a known key")));
    std::string bad = ok;
    bad.replace(bad.find("dsp = 9024"), 10, "dsp = -1  ");
    EXPECT_THAT([&] { parse_device_profile(bad, "bad.toml"); },
                ::testing::ThrowsMessage<Error>(HasSubstr("resources.dsp must be in 1..2^24")));
    bad = ok;
    bad.replace(bad.find("kind = \"fpga\""), 13, "kind = \"tpu\" ");
    EXPECT_THAT([&] { parse_device_profile(bad, "bad.toml"); },
                ::testing::ThrowsMessage<Error>(HasSubstr("must be \"fpga\" or \"gpu\"")));
    const std::string gpu = builtin_device_text("a100");
    bad = gpu;
    bad.replace(bad.find("busy_w = 300.0"), 14, "busy_w = 10.0 ");
    EXPECT_THAT([&] { parse_device_profile(bad, "bad.toml"); },
                ::testing::ThrowsMessage<Error>(HasSubstr("must be >= idle_w")));
}

}  // namespace
}  // namespace flexllm::perf
