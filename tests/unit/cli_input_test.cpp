// Bad input to the CLI is one error line and exit 2, before any work starts: non-finite and
// out-of-range numbers (command line and every TOML), integers that would wrap, directories where
// files are expected, empty lists, options that have no effect, unwritable outputs, paths that
// leave their file's folder, non-finite weights, and hostile files under a memory limit.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "golden/container.h"
#include "golden/model_config.h"
#include "golden/safetensors.h"
#include "golden/weights.h"
#include "hls_src/arch_config.h"
#include "tests/support/cli_test_support.h"
#include "tests/unit/file_test_support.h"

namespace {

using flexllm::testing::expect_bad_input;
using flexllm::testing::run_flexllm;
namespace fs = std::filesystem;

// A fresh directory for one test, removed at exit.
std::string temp_dir(const std::string& stem) {
    const std::string d = flexllm::testing::temp_path("cli", stem, "");
    fs::create_directories(d);
    return d;
}

void write_text(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The built-in tiny model's TOML with `key = value` replaced (or appended to the main table).
std::string tiny_model_with(const std::string& key, const std::string& value) {
    const std::string src = read_text(std::string(FLEXLLM_SOURCE_DIR) + "/golden/models/tiny.toml");
    std::string out;
    bool done = false;
    size_t b = 0;
    while (b < src.size()) {
        size_t e = src.find('\n', b);
        if (e == std::string::npos) e = src.size();
        const std::string line = src.substr(b, e - b);
        if (!done && line.rfind(key + " =", 0) == 0) {
            out += key + " = " + value + "\n";
            done = true;
        } else {
            out += line + "\n";
        }
        b = e + 1;
    }
    EXPECT_TRUE(done) << key;
    return out;
}

TEST(CliInput, NumbersMustBeFinite) {
    expect_bad_input(run_flexllm("regress --stall-prob nan"), "not a finite number");
    expect_bad_input(run_flexllm("regress --gap-prob nan"), "not a finite number");
    expect_bad_input(run_flexllm("regress --stall-prob inf"), "not a finite number");
    expect_bad_input(run_flexllm("debug tiny_a/decode/L0/linear/q --stall-prob -inf"),
                     "not a finite number");
    expect_bad_input(run_flexllm("regress --stall-prob 0.2x"), "not a number");
}

TEST(CliInput, ProbabilitiesMustBeInRange) {
    expect_bad_input(run_flexllm("regress --gap-prob 1.5"), "bad --gap-prob 1.5");
    expect_bad_input(run_flexllm("regress --gap-prob -0.1"), "bad --gap-prob -0.1");
    expect_bad_input(run_flexllm("regress --stall-prob 1"), "bad --stall-prob 1");
    expect_bad_input(run_flexllm("debug tiny_a/decode/L0/linear/q --stall-prob 2"),
                     "bad --stall-prob 2");
}

TEST(CliInput, UnsignedIntegersNeverWrap) {
    expect_bad_input(run_flexllm("regress --seed -1"), "-1 is not a non-negative decimal integer");
    expect_bad_input(run_flexllm("regress --seed 18446744073709551616"),
                     "does not fit an unsigned 64-bit integer");
    expect_bad_input(run_flexllm("golden --model tiny --seed -5 --out x.gv"),
                     "is not a non-negative decimal integer");
    expect_bad_input(run_flexllm("debug tiny_a/decode/L0/linear/q --window -3"),
                     "is not a non-negative decimal integer");
}

TEST(CliInput, TomlNumbersMustBeFiniteEverywhere) {
    const std::string d = temp_dir("toml");
    write_text(d + "/nan_stall.toml", "stall_prob = nan\n");
    expect_bad_input(run_flexllm("regress --suite " + d + "/nan_stall.toml"),
                     "stall_prob must be finite (got nan)");
    write_text(d + "/big_stall.toml", "stall_prob = 1.5\n");
    expect_bad_input(run_flexllm("regress --suite " + d + "/big_stall.toml"), "stall_prob 1.5");
    write_text(d + "/model.toml", tiny_model_with("rope_theta", "nan"));
    expect_bad_input(run_flexllm("golden --model " + d + "/model.toml --out " + d + "/x.gv"),
                     "rope_theta must be finite (got nan)");
    write_text(d + "/eps.toml", tiny_model_with("rms_eps", "inf"));
    expect_bad_input(run_flexllm("golden --model " + d + "/eps.toml --out " + d + "/x.gv"),
                     "rms_eps must be finite (got inf)");
}

TEST(CliInput, DirectoriesWhereFilesAreExpected) {
    const std::string d = temp_dir("dir");
    expect_bad_input(run_flexllm("regress --suite " + d), "is a directory");
    expect_bad_input(run_flexllm("golden --model " + d + " --out " + d + "/x.gv"),
                     "is a directory");
    expect_bad_input(run_flexllm("golden --inspect " + d), d);
    expect_bad_input(run_flexllm("golden --model tiny --weights " + d + " --out " + d + "/x.gv"),
                     d);
    expect_bad_input(run_flexllm("regress --json " + d), "cannot write --json " + d);
}

TEST(CliInput, EmptyListsAndValues) {
    const std::string d = temp_dir("list");
    expect_bad_input(run_flexllm("regress --arch ''"), "an empty value");
    expect_bad_input(run_flexllm("perf --arch tiny_a,,tiny_b"), "--arch: empty item");
    expect_bad_input(run_flexllm("perf --arch ,"), "--arch: empty item");
    write_text(d + "/no_archs.toml", "archs = \"\"\n");
    expect_bad_input(run_flexllm("regress --suite " + d + "/no_archs.toml"),
                     "archs is an empty list");
}

TEST(CliInput, OptionsWithoutEffectAreErrors) {
    const std::string d = temp_dir("effect");
    expect_bad_input(run_flexllm("rtlgen --arch tiny_a --out " + d + " --coarse"), "--lint");
    expect_bad_input(run_flexllm("golden --inspect x.gv --model tiny"), "--inspect");
    expect_bad_input(run_flexllm("perf --csv " + d + "/s.csv"), "--sweep");
    expect_bad_input(run_flexllm("perf --hmt-segments 4"), "--hmt");
    expect_bad_input(run_flexllm("regress --waves never --waves-dir " + d),
                     "--waves-dir has no effect with --waves never");
    expect_bad_input(run_flexllm("regress --top-k 4 --source random"),
                     "--top-k sets the decode of a fresh golden run");
}

TEST(CliInput, UnwritableOutputsFailBeforeAnyWork) {
    expect_bad_input(run_flexllm("regress --waves-dir /proc/x"),
                     "cannot write --waves-dir /proc/x");
    expect_bad_input(run_flexllm("regress --junit /proc/x.xml"),
                     "cannot write --junit /proc/x.xml");
    expect_bad_input(run_flexllm("debug tiny_a/decode/L0/linear/q --waves-dir /proc/x"),
                     "cannot write --waves-dir");
    expect_bad_input(run_flexllm("golden --model tiny --out /proc/x.gv"),
                     "cannot write --out /proc/x.gv");
    expect_bad_input(run_flexllm("perf --json /proc/x.json"), "cannot write --json");
    expect_bad_input(run_flexllm("rtlgen --arch tiny_a --out /proc/x"), "cannot write --out");
}

TEST(CliInput, PathsReadOutOfAFileStayInItsFolder) {
    const std::string d = temp_dir("path");
    // A checkpoint index naming a shard outside its folder is refused, never followed.
    const auto cfg = flexllm::golden::load_model_config("tiny");
    flexllm::golden::write_safetensors_model(flexllm::golden::synthetic_weights(cfg, 1),
                                             d + "/model.safetensors", "F32");
    write_text(d + "/model.safetensors.index.json",
               R"({"weight_map": {"model.embed_tokens.weight": "../../../../etc/passwd"}})");
    const auto r = run_flexllm("golden --model tiny --weights " + d +
                               "/model.safetensors.index.json --out " + d + "/x.gv");
    expect_bad_input(r, "must name a file in the index's folder");
    EXPECT_THAT(r.out, ::testing::Not(::testing::HasSubstr("root:")));
    write_text(d + "/model.safetensors.index.json",
               R"({"weight_map": {"model.embed_tokens.weight": "/etc/passwd"}})");
    expect_bad_input(run_flexllm("golden --model tiny --weights " + d +
                                 "/model.safetensors.index.json --out " + d + "/x.gv"),
                     "plain file name");
    // A suite names built-in configs or TOML files in its own folder.
    write_text(d + "/up.toml", "archs = \"../tiny_a.toml\"\n");
    expect_bad_input(run_flexllm("regress --suite " + d + "/up.toml"),
                     "must be a built-in config or a file name in the suite's folder");
    fs::copy_file(std::string(FLEXLLM_SOURCE_DIR) + "/hls_src/arch/tiny_b.toml", d + "/mine.toml");
    write_text(d + "/local.toml", "archs = \"mine.toml\"\nfilter = \"nomatch\"\n");
    // Found in the suite's folder (the run itself then selects nothing).
    expect_bad_input(run_flexllm("regress --suite " + d + "/local.toml"), "no test matches");
}

TEST(CliInput, NonFiniteWeightsAreRejected) {
    const std::string d = temp_dir("nanw");
    const auto cfg = flexllm::golden::load_model_config("tiny");
    auto w = flexllm::golden::synthetic_weights(cfg, 1);
    w.layers[1].w_up[77] = std::numeric_limits<float>::quiet_NaN();
    flexllm::golden::write_safetensors_model(w, d + "/nan.safetensors", "F32");
    expect_bad_input(
        run_flexllm("golden --model tiny --weights " + d + "/nan.safetensors --out " + d + "/x.gv"),
        "'model.layers.1.mlp.up_proj.weight' has nan at element 77");
    w.layers[1].w_up[77] = 0;
    w.final_norm[3] = std::numeric_limits<float>::infinity();
    flexllm::golden::write_safetensors_model(w, d + "/inf.safetensors", "F32");
    expect_bad_input(
        run_flexllm("golden --model tiny --weights " + d + "/inf.safetensors --out " + d + "/x.gv"),
        "has inf at element 3");
}

// A golden file whose one tensor (1 MiB of incompressible bytes) claims 1000x its stream in the
// index, CRCs resealed: the reader must fail on the data without allocating the claimed size.
std::string hostile_golden_file(const std::string& dir) {
    const std::string path = dir + "/hostile.gv";
    std::vector<uint8_t> noise(size_t{1} << 20);
    std::mt19937 gen(7);
    for (auto& b : noise) b = static_cast<uint8_t>(gen());
    flexllm::golden::write_golden(
        path, "{}",
        {flexllm::Tensor::from<uint8_t>("w", {static_cast<int64_t>(noise.size())}, noise)});
    std::vector<uint8_t> b;
    {
        const std::string t = read_text(path);
        b.assign(t.begin(), t.end());
    }
    auto put_le = [&](size_t at, uint64_t v, int n) {
        for (int i = 0; i < n; ++i) b[at + i] = static_cast<uint8_t>(v >> (8 * i));
    };
    auto le = [&](size_t at, int n) {
        uint64_t v = 0;
        for (int i = 0; i < n; ++i) v |= uint64_t{b[at + i]} << (8 * i);
        return v;
    };
    // Layout (golden/README.md): header 32 bytes, index {meta len, meta, count, entries}.
    const size_t entry = 32 + 4 + le(32, 4) + 4;
    const uint64_t claimed = uint64_t{1000} << 20;
    put_le(entry + 2 + 1 + 1 + 1, claimed, 8);              // dim 0
    put_le(entry + 2 + 1 + 1 + 1 + 8 + 8 + 8, claimed, 8);  // raw bytes
    const uint64_t index_bytes = le(16, 8);
    put_le(24, crc32(0L, b.data() + 32, static_cast<uInt>(index_bytes)), 4);
    put_le(28, crc32(0L, b.data(), 28), 4);
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
    return path;
}

TEST(CliInput, HostileGoldenFileUnderAMemoryLimit) {
#ifdef __SANITIZE_ADDRESS__
    GTEST_SKIP() << "AddressSanitizer reserves terabytes of address space, so no address-space "
                    "limit can apply; the default build runs this test";
#endif
    const std::string d = temp_dir("mem");
    const std::string path = hostile_golden_file(d);
    // `flexllm ARGS` under an address-space limit far below the 1000 MiB the index claims.
    auto limited = [&](const std::string& args) {
        const std::string log = d + "/log.txt";
        const int st = std::system(("prlimit --as=" + std::to_string(uint64_t{600} << 20) + " " +
                                    FLEXLLM_BINARY_DIR + "/flexllm " + args + " >" + log + " 2>&1")
                                       .c_str());
        return flexllm::testing::CliResult{WIFEXITED(st) ? WEXITSTATUS(st) : -1, read_text(log)};
    };
    flexllm::golden::write_golden(
        d + "/good.gv", "{}", {flexllm::Tensor::from<int8_t>("t", {2}, std::vector<int8_t>{1, 2})});
    const auto good = limited("golden --inspect " + d + "/good.gv");
    EXPECT_EQ(good.code, 0) << good.out;  // the limit leaves room for a sound file
    // The data is found short, not an out-of-memory failure of allocating the claim.
    expect_bad_input(limited("golden --inspect " + path),
                     "decompresses to 1048576 bytes, the index says 1048576000");
}

TEST(CliInput, UnknownSubcommandsAndLists) {
    expect_bad_input(run_flexllm("frobnicate"), "unknown subcommand 'frobnicate'");
    expect_bad_input(run_flexllm("list nothing"), "unknown list 'nothing'");
    const auto archs = run_flexllm("list archs");
    EXPECT_EQ(archs.code, 0);
    for (const auto& n : flexllm::kern::builtin_arch_names())
        EXPECT_THAT(archs.out, ::testing::HasSubstr(n + " ")) << n;
    const auto models = run_flexllm("list models");
    for (const auto& n : flexllm::golden::builtin_model_names())
        EXPECT_THAT(models.out, ::testing::HasSubstr(n + " ")) << n;
    // Every fault kind names the variant it mutates.
    const auto faults = run_flexllm("list faults");
    EXPECT_THAT(faults.out, ::testing::HasSubstr("acc-bit"));
    EXPECT_THAT(faults.out, ::testing::HasSubstr("mutates linear_prefill_ffn (kernel linear)"));
    EXPECT_EQ(run_flexllm("list suites").out.find("default\n") != std::string::npos, true);
}

TEST(CliInput, OversizedTextFilesAreRefusedUnread) {
    const std::string d = temp_dir("big");
    for (const char* f : {"/suite.toml", "/model.toml", "/model.safetensors.index.json"}) {
        std::ofstream(d + f).put('#');
        fs::resize_file(d + f, (uint64_t{16} << 20) + 1);  // sparse: costs no disk
    }
    expect_bad_input(run_flexllm("regress --suite " + d + "/suite.toml"),
                     "larger than the 16 MiB limit");
    expect_bad_input(run_flexllm("golden --model " + d + "/model.toml --out " + d + "/x.gv"),
                     "larger than the 16 MiB limit");
    expect_bad_input(run_flexllm("golden --model tiny --weights " + d +
                                 "/model.safetensors.index.json --out " + d + "/x.gv"),
                     "larger than the 16 MiB limit");
}

}  // namespace
