// Shared by the libFuzzer targets (tests/fuzz/*_fuzz.cpp): a per-process scratch directory for the
// readers that take a path (in /dev/shm when there is one, removed at exit) and the input as text.
// The rule every target checks: flexllm::Error is the answer to bad input; a crash, a sanitizer
// report, any other exception, a hang or a huge allocation is a finding.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>

namespace flexllm::fuzz {

class ScratchDir {
  public:
    ScratchDir() {
        namespace fs = std::filesystem;
        std::error_code ec;
        const fs::path base =
            fs::is_directory("/dev/shm", ec) ? fs::path("/dev/shm") : fs::temp_directory_path();
        dir_ = base / ("flexllm-fuzz-" + std::to_string(::getpid()));
        // A crash exits without destructors: remove the directories of processes that are gone.
        for (const auto& e : fs::directory_iterator(base, ec)) {
            const std::string name = e.path().filename().string();
            if (name.rfind("flexllm-fuzz-", 0) == 0 && !fs::exists("/proc/" + name.substr(13), ec))
                fs::remove_all(e.path(), ec);
        }
        fs::create_directories(dir_);
    }
    ~ScratchDir() {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    const std::filesystem::path& path() const { return dir_; }

  private:
    std::filesystem::path dir_;
};

inline const std::filesystem::path& scratch_dir() {
    static const ScratchDir dir;
    return dir.path();
}

// Writes `size` bytes to `rel` under the scratch directory (parents created); returns the path.
inline std::string write_scratch(const std::string& rel, const void* data, size_t size) {
    const std::filesystem::path p = scratch_dir() / rel;
    std::filesystem::create_directories(p.parent_path());
    std::FILE* f = std::fopen(p.c_str(), "wb");
    if (!f) std::abort();
    if (size && std::fwrite(data, 1, size, f) != size) std::abort();
    std::fclose(f);
    return p.string();
}

// The input as TOML text for the TOML targets: every non-ASCII byte becomes '?'. toml++ 3.3 (the
// Debian package) reaches __builtin_unreachable() in is_non_ascii_horizontal_whitespace() for many
// non-ASCII code points outside strings (e.g. a lone U+00A7; upstream marzer/tomlplusplus #190,
// #295, fixed by #305), a third-party bug the fuzzer would otherwise stop at on every run.
inline std::string toml_text_of(const uint8_t* data, size_t size) {
    std::string s(reinterpret_cast<const char*>(data), size);
    for (char& c : s)
        if (static_cast<unsigned char>(c) >= 0x80) c = '?';
    return s;
}

inline std::string text_of(const uint8_t* data, size_t size) {
    return std::string(reinterpret_cast<const char*>(data), size);
}

}  // namespace flexllm::fuzz
