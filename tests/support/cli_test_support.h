// Test support for the `flexllm` CLI end to end: run build/flexllm with arguments (stdout and
// stderr captured) and check the bad-input contract (exit 2, one line "flexllm: error: ...").
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

namespace flexllm::testing {

struct CliResult {
    int code = -1;
    std::string out;  // stdout + stderr
};

// build/flexllm ARGS 2>&1, with the environment assignments `env` ("NAME=value ...") when given
// (the test targets depend on the flexllm target; a missing binary is a test failure, not a skip).
inline CliResult run_flexllm(const std::string& args, const std::string& env = {}) {
    const std::string exe = std::string(FLEXLLM_BINARY_DIR) + "/flexllm";
    if (!std::filesystem::exists(exe)) {
        ADD_FAILURE() << exe << " missing: build the flexllm target";
        return {};
    }
    CliResult r;
    const std::string cmd = (env.empty() ? "" : "env " + env + " ") + exe + " " + args + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return r;
    std::array<char, 4096> buf;
    while (size_t n = fread(buf.data(), 1, buf.size(), p)) r.out.append(buf.data(), n);
    const int st = pclose(p);
    r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

// Exit code 2 and exactly one line "flexllm: error: ..." containing `why`.
inline void expect_bad_input(const CliResult& r, const std::string& why) {
    EXPECT_EQ(r.code, 2) << r.out;
    EXPECT_THAT(r.out, ::testing::StartsWith("flexllm: error: "));
    EXPECT_THAT(r.out, ::testing::HasSubstr(why));
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;  // one line
}

}  // namespace flexllm::testing
