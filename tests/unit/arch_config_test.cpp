// Architecture configs: built-ins parse, round-trip, hash stably; bad configs are rejected.
#include "hls_src/arch_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "golden/error.h"

namespace flexllm::kern {
namespace {

using ::testing::HasSubstr;

TEST(ArchConfig, U280MemOptHasFlexLLMNumbers) {
    ArchParams p = load_arch_config("u280_mem_opt");
    EXPECT_EQ(p.prefill.tp, 8);
    EXPECT_EQ(p.prefill.kq_wp, 24);
    EXPECT_EQ(p.prefill.ffn_wp, 96);
    EXPECT_EQ(p.prefill.ffn_blocks, 3);
    EXPECT_EQ(p.decode.bp * p.decode.wp, 1024);
    EXPECT_EQ(p.decode.weight_mem.channels, 16);
    EXPECT_DOUBLE_EQ(p.clock_mhz, 300.0);
}

TEST(ArchConfig, BuiltinsRoundTripAndHashDiffers) {
    std::vector<uint64_t> hashes;
    for (const auto& name : builtin_arch_names()) {
        ArchParams p = load_arch_config(name);
        ArchParams q = parse_arch_config(to_toml(p), "roundtrip");
        EXPECT_EQ(params_hash(p), params_hash(q)) << name;
        hashes.push_back(params_hash(p));
    }
    std::sort(hashes.begin(), hashes.end());
    EXPECT_EQ(std::unique(hashes.begin(), hashes.end()), hashes.end());
    ArchParams a = load_arch_config("tiny_a");
    ArchParams b = a;
    b.decode.wp += 1;
    EXPECT_NE(params_hash(a), params_hash(b));
}

// Every field is written and hashed: changing any one value of the canonical text changes the
// params hash; the canonical text carries the keys of every table.
TEST(ArchConfig, EveryFieldReachesTheHash) {
    const ArchParams p = load_arch_config("tiny_a");
    const std::string text = to_toml(p);
    std::istringstream in(text);
    std::string line;
    int fields = 0;
    size_t at = 0;
    while (std::getline(in, line)) {
        const size_t eq = line.find(" = ");
        if (eq != std::string::npos) {
            std::string changed = text;
            const std::string value = line.substr(eq + 3);
            const std::string key = line.substr(0, eq);
            std::string other;
            if (value[0] == '"')
                other = "\"v80\"";
            else if (key == "efficiency" || key == "clock_mhz")
                other = key == "efficiency" ? "0.5" : "600.0";
            else
                other = std::to_string(value == "0" ? 1 : 2 * std::stoll(value));
            changed.replace(text.find(line, at), line.size(), line.substr(0, eq + 3) + other);
            EXPECT_NE(params_hash(parse_arch_config(changed, "changed")), params_hash(p)) << line;
            ++fields;
        }
        at += line.size() + 1;
    }
    EXPECT_EQ(fields, 3 + 8 + 5 + 4 * 4);
    const std::string a = to_toml(load_arch_config("u280_mem_opt"));
    for (const char* key : {"tp =", "ffn_blocks =", "heads_parallel =", "latency_cycles =",
                            "efficiency =", "device ="})
        EXPECT_THAT(a, HasSubstr(key));
}

TEST(ArchConfig, RejectsBlocksNotDividingWp) {
    ArchParams p = load_arch_config("tiny_a");
    p.prefill.ffn_blocks = 3;  // 16 % 3 != 0
    EXPECT_THAT([&] { parse_arch_config(to_toml(p), "bad.toml"); },
                ::testing::ThrowsMessage<Error>(HasSubstr("does not divide prefill.ffn_wp")));
}

TEST(ArchConfig, RejectsZeroAndUnknownKeys) {
    std::string t = to_toml(load_arch_config("tiny_a"));
    std::string zero = t;
    zero.replace(zero.find("bp = 4"), 6, "bp = 0");
    EXPECT_THAT([&] { parse_arch_config(zero, "bad.toml"); },
                ::testing::ThrowsMessage<Error>(HasSubstr("decode.bp must be in 1..2^24")));
    EXPECT_THAT([&] { parse_arch_config(t + "\n[decode_x]\n", "bad.toml"); },
                ::testing::ThrowsMessage<Error>(HasSubstr("not a known key")));
}

// A file without one of the two architectures is an error naming it, never the defaults.
TEST(ArchConfig, RejectsAMissingPrefillOrDecodeSection) {
    const std::string t = to_toml(load_arch_config("tiny_a"));
    auto without = [&](const std::string& section) {
        const size_t b = t.find("[" + section + "]");
        const size_t e = t.find("\n[", b + 1);
        return t.substr(0, b) + t.substr(e + 1);
    };
    EXPECT_THAT([&] { parse_arch_config(without("decode"), "mine.toml"); },
                ::testing::ThrowsMessage<Error>(HasSubstr("mine.toml: no [decode] section")));
    EXPECT_THAT([&] { parse_arch_config(without("prefill"), "mine.toml"); },
                ::testing::ThrowsMessage<Error>(HasSubstr("mine.toml: no [prefill] section")));
    EXPECT_NO_THROW(parse_arch_config(t, "mine.toml"));
}

}  // namespace
}  // namespace flexllm::kern
