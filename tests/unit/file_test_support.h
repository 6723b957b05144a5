// Test support for file-format tests: per-test temporary paths removed at exit, and the check that
// an operation fails with one flexllm::Error line containing every given part.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "golden/error.h"

namespace flexllm::testing {

// Files and directories the tests create; removed when the test process exits.
struct TempFiles {
    std::vector<std::string> paths;
    ~TempFiles() {
        std::error_code ec;
        for (const auto& p : paths) std::filesystem::remove_all(p, ec);
    }
};

// TempDir()/flexllm_<prefix>_<test>_<stem>_<pid><ext>, registered for removal.
inline std::string temp_path(const std::string& prefix, const std::string& stem,
                             const std::string& ext) {
    static TempFiles files;
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string path = ::testing::TempDir() + "flexllm_" + prefix + "_" + info->name() + "_" +
                       stem + "_" + std::to_string(::getpid()) + ext;
    files.paths.push_back(path);
    return path;
}

inline void expect_error(const std::function<void()>& fn, const std::vector<std::string>& parts) {
    try {
        fn();
        ADD_FAILURE() << "no error; expected one containing '" << parts.front() << "'";
    } catch (const Error& e) {
        const std::string what = e.what();
        for (const auto& p : parts) EXPECT_THAT(what, ::testing::HasSubstr(p));
        EXPECT_THAT(what, ::testing::Not(::testing::HasSubstr("\n")));
    }
}

}  // namespace flexllm::testing
