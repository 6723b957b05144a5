// The `flexllm perf` command end to end: the projection table, --json figures, exit codes.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/support/cli_test_support.h"

namespace {

using Result = flexllm::testing::CliResult;
Result run(const std::string& args) { return flexllm::testing::run_flexllm(args); }

class PerfCli : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(std::filesystem::exists(std::string(FLEXLLM_BINARY_DIR) + "/flexllm"))
            << "the flexllm executable is missing (tests/CMakeLists.txt makes perf_tests depend on "
               "it)";
    }
};

TEST_F(PerfCli, PrintsTheProjectionTableAndWritesJson) {
    const std::string json = ::testing::TempDir() + "/flexllm_perf.json";
    const Result r =
        run("perf --model llama-3.2-1b --arch u280_mem_opt --prompt-len 1024 "
            "--gen-len 1024 --baseline a100 --brief --json " +
            json);
    ASSERT_EQ(r.code, 0) << r.out;
    for (const char* s :
         {"prefill latency (TTFT)", "decode throughput", "end-to-end latency", "energy per token",
          "Ratios vs a100", "published u280", "1.64x", "1.29x", "3.14x"})
        EXPECT_NE(r.out.find(s), std::string::npos) << s << "\n" << r.out;
    std::ifstream in(json);
    const nlohmann::json j = nlohmann::json::parse(in);
    const auto& d = j.at("designs").at(0);
    for (const char* k : {"prefill_s", "decode_tokens_per_s", "end_to_end_s", "energy_j_per_token"})
        EXPECT_GT(d.at(k).get<double>(), 0) << k;
    for (const char* k :
         {"prefill_speedup", "decode_throughput", "end_to_end_speedup", "energy_efficiency"})
        EXPECT_GT(d.at("ratios").at(k).get<double>(), 0) << k;
    // The JSON ratios are the table's: decode ratio = FPGA tokens/s over the baseline's.
    EXPECT_NEAR(d.at("ratios").at("decode_throughput").get<double>(),
                d.at("decode_tokens_per_s").get<double>() /
                    j.at("baseline").at("decode_tokens_per_s").get<double>(),
                1e-9);
}

TEST_F(PerfCli, BadInputExitsTwoWithOneLine) {
    for (const char* args :
         {"perf --arch no_such_arch", "perf --model no_such_model",
          "perf --model tiny --arch tiny_a --prompt-len 200 --gen-len 100",
          "perf --arch u280_mem_opt --baseline u280", "perf --arch u280_mem_opt --device nope"}) {
        const Result r = run(args);
        EXPECT_EQ(r.code, 2) << args << "\n" << r.out;
        EXPECT_EQ(r.out.rfind("flexllm: error: ", 0), 0u) << args << "\n" << r.out;
        EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << args << "\n" << r.out;
    }
}

}  // namespace
