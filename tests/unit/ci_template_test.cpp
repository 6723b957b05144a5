// The CI workflow template (ci/github-actions.yml): its regress command is one the CLI accepts, and
// its shard matrix runs every case of each suite it names exactly once.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/cli_test_support.h"
#include "tests/unit/file_test_support.h"

namespace {

using flexllm::testing::run_flexllm;

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
    for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
        s.replace(at, from.size(), to);
    return s;
}

std::vector<std::string> lines(const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    for (std::string l; std::getline(in, l);)
        if (!l.empty()) out.push_back(l);
    return out;
}

TEST(CiTemplate, ShardMatrixRunsEveryCaseOfTheSuiteOnce) {
    const std::string yml = read_text(std::string(FLEXLLM_SOURCE_DIR) + "/ci/github-actions.yml");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(yml, m, std::regex(R"(shard: \[([0-9, ]+)\])")))
        << "no shard matrix";
    std::vector<int> matrix;
    std::istringstream list(replace_all(m[1].str(), ",", " "));
    for (int i; list >> i;) matrix.push_back(i);
    ASSERT_TRUE(std::regex_search(yml, m, std::regex(R"(build/flexllm (regress [^\n]*))")))
        << "no regress step";
    const std::string command = m[1].str();
    ASSERT_TRUE(
        std::regex_search(command, m, std::regex(R"(--shard \$\{\{ matrix\.shard \}\}/([0-9]+))")))
        << command;
    const int shards = std::stoi(m[1].str());
    std::vector<int> every(shards);
    for (int i = 0; i < shards; ++i) every[i] = i;
    EXPECT_EQ(matrix, every) << "the matrix must run shards 0.." << shards - 1;
    // The schedule runs the full suite, pushes the default one.
    EXPECT_THAT(yml, ::testing::HasSubstr("'full' || 'default'"));

    const std::string out = flexllm::testing::temp_path("ci", "out", "");
    std::filesystem::create_directories(out);
    for (const std::string suite : {"default", "full"}) {
        const auto all = run_flexllm("regress --list --suite " + suite);
        ASSERT_EQ(all.code, 0) << all.out;
        std::vector<std::string> expected = lines(all.out), got;
        for (int i : matrix) {
            std::string args = replace_all(command, "${{ matrix.shard }}", std::to_string(i));
            args = replace_all(args, "${{ env.SUITE }}", suite);
            args = replace_all(args, "out/", out + "/");
            ASSERT_EQ(args.find("${{"), std::string::npos) << "unknown expression in " << args;
            const auto r = run_flexllm(args + " --list");
            ASSERT_EQ(r.code, 0) << args << "\n" << r.out;
            const auto ids = lines(r.out);
            EXPECT_FALSE(ids.empty()) << "shard " << i << " of " << suite << " runs nothing";
            got.insert(got.end(), ids.begin(), ids.end());
        }
        std::sort(expected.begin(), expected.end());
        std::sort(got.begin(), got.end());
        EXPECT_EQ(got, expected) << suite << ": the shards must partition the suite's cases";
    }
}

}  // namespace
