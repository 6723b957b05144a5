// The flexllm CLI contract for `golden`: 0 on success, 2 with one line on bad usage or bad input.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/support/cli_test_support.h"

namespace {

using flexllm::testing::CliResult;
using flexllm::testing::expect_bad_input;
CliResult flexllm(const std::string& args) { return flexllm::testing::run_flexllm(args); }

const std::string kDir = ::testing::TempDir() + "/cli_golden_test";

TEST(CliGolden, WritesAndInspectsAContainer) {
    std::filesystem::create_directories(kDir);
    CliResult r =
        flexllm("golden --model tiny --weights synthetic:2 --prompt-len 4 --gen-len 2 --out " +
                kDir + "/a.gv");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_THAT(r.out, ::testing::HasSubstr("top-1 agreement"));
    CliResult i = flexllm("golden --inspect " + kDir + "/a.gv");
    EXPECT_EQ(i.code, 0) << i.out;
    EXPECT_THAT(i.out, ::testing::HasSubstr("CRCs verified"));
    EXPECT_THAT(i.out, ::testing::HasSubstr("prefill/L1/q_proj"));
}

TEST(CliGolden, RejectsCorruptAndTruncatedContainers) {
    std::filesystem::create_directories(kDir);
    ASSERT_EQ(
        flexllm("golden --model tiny --prompt-len 3 --gen-len 1 --out " + kDir + "/b.gv").code, 0);
    const auto size = std::filesystem::file_size(kDir + "/b.gv");
    std::filesystem::copy_file(kDir + "/b.gv", kDir + "/trunc.gv",
                               std::filesystem::copy_options::overwrite_existing);
    std::filesystem::resize_file(kDir + "/trunc.gv", size - 100);
    expect_bad_input(flexllm("golden --inspect " + kDir + "/trunc.gv"), "trunc.gv");
    std::filesystem::copy_file(kDir + "/b.gv", kDir + "/flip.gv",
                               std::filesystem::copy_options::overwrite_existing);
    {
        std::fstream f(kDir + "/flip.gv", std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(static_cast<std::streamoff>(size - 10));
        f.put('\x5a');
    }
    expect_bad_input(flexllm("golden --inspect " + kDir + "/flip.gv"), "flip.gv");
    expect_bad_input(flexllm("golden --inspect " + kDir + "/missing.gv"), "missing.gv");
}

TEST(CliGolden, RejectsBadArguments) {
    expect_bad_input(flexllm("golden --model nosuch --out x.gv"), "unknown model 'nosuch'");
    expect_bad_input(flexllm("golden --model tiny --prompt-len 300 --out x.gv"), "exceeds");
    expect_bad_input(flexllm("golden --model tiny --weights synthetic:abc --out x.gv"), "seed");
    expect_bad_input(flexllm("golden --model tiny"), "--out");
    expect_bad_input(flexllm("golden --prompt-len notanumber --out x.gv"), "prompt-len");
    expect_bad_input(flexllm("frobnicate"), "subcommand");
    EXPECT_EQ(flexllm("").code, 2);
}

}  // namespace
