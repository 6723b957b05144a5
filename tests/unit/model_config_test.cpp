// Model config parsing and validation: built-ins load, bad configs are rejected with a reason.
#include "golden/model_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "golden/config_io.h"
#include "golden/error.h"

namespace flexllm::golden {
namespace {

using ::testing::HasSubstr;

TEST(ModelConfig, BuiltinLlama321BIsThePublishedConfig) {
    ModelConfig c = load_model_config("llama-3.2-1b");
    EXPECT_EQ(c.hidden, 2048);
    EXPECT_EQ(c.layers, 16);
    EXPECT_EQ(c.heads, 32);
    EXPECT_EQ(c.kv_heads, 8);
    EXPECT_EQ(c.head_dim, 64);
    EXPECT_EQ(c.intermediate, 8192);
    EXPECT_EQ(c.vocab, 128256);
    EXPECT_DOUBLE_EQ(c.rope_theta, 500000.0);
    EXPECT_DOUBLE_EQ(c.rms_eps, 1e-5);
    EXPECT_TRUE(c.tie_embeddings);
    EXPECT_TRUE(c.rope_scaling.llama3);
    EXPECT_DOUBLE_EQ(c.rope_scaling.factor, 32.0);
    EXPECT_DOUBLE_EQ(c.rope_scaling.low_freq_factor, 1.0);
    EXPECT_DOUBLE_EQ(c.rope_scaling.high_freq_factor, 4.0);
    EXPECT_EQ(c.rope_scaling.original_max_positions, 8192);
}

TEST(ModelConfig, BuiltinsLoadAndRoundTripThroughToml) {
    for (const auto& name : builtin_model_names()) {
        ModelConfig c = load_model_config(name);
        ModelConfig d = parse_model_config(c.to_toml(), "roundtrip");
        EXPECT_EQ(c.to_toml(), d.to_toml()) << name;
    }
    EXPECT_GE(builtin_model_names().size(), 3u);
}

TEST(ModelConfig, ANameWithQuotesBackslashesAndControlCharactersRoundTrips) {
    // A name is any TOML string: written back quoted, it must read as the same name (a .gv stores
    // the model this way, and `regress --golden` reads it back).
    EXPECT_EQ(toml_quoted("a\"b\\c\n\t\x01\x7f d"), "\"a\\\"b\\\\c\\n\\t\\u0001\\u007F d\"");
    ModelConfig c = load_model_config("tiny");
    c.name = "my \"tiny\" \\ model\n\x1f";
    EXPECT_EQ(parse_model_config(c.to_toml(), "roundtrip").name, c.name);
}

std::string tiny_with(const std::string& key, const std::string& value) {
    std::string t = load_model_config("tiny").to_toml();
    auto pos = t.find("\n" + key + " = ");
    EXPECT_NE(pos, std::string::npos) << key;
    auto end = t.find('\n', pos + 1);
    return t.substr(0, pos + 1) + key + " = " + value + t.substr(end);
}

void expect_rejected(const std::string& toml, const std::string& why) {
    try {
        parse_model_config(toml, "bad.toml");
        ADD_FAILURE() << "accepted a config that should fail with: " << why;
    } catch (const Error& e) {
        EXPECT_THAT(e.what(), HasSubstr(why));
    }
}

TEST(ModelConfig, RejectsHeadsNotDividingHidden) {
    expect_rejected(tiny_with("heads", "3"), "does not divide hidden");
}
TEST(ModelConfig, RejectsKvHeadsNotDividingHeads) {
    expect_rejected(tiny_with("kv_heads", "3"), "does not divide heads");
}
TEST(ModelConfig, RejectsFfnNotPowerOfTwo) {
    expect_rejected(tiny_with("intermediate", "192"), "power of two for the online FHT");
}
TEST(ModelConfig, RejectsHeadDimMismatch) {
    expect_rejected(tiny_with("head_dim", "8"), "must equal hidden");
}
TEST(ModelConfig, RejectsNonPositive) { expect_rejected(tiny_with("layers", "0"), "positive"); }
// rms_eps is a Q32 fraction: 1e300 would overflow its conversion, 0 and negatives are no eps.
TEST(ModelConfig, RejectsRmsEpsOutsideZeroToOne) {
    expect_rejected(tiny_with("rms_eps", "1e300"), "rms_eps must be in (0, 1)");
    expect_rejected(tiny_with("rms_eps", "1.0"), "rms_eps must be in (0, 1)");
    expect_rejected(tiny_with("rms_eps", "0.0"), "rms_eps must be in (0, 1)");
}

TEST(ModelConfig, RejectsUnknownKey) {
    expect_rejected(load_model_config("tiny").to_toml() + "\n[extra]\n", "not a known key");
    expect_rejected("hiden = 3\n" + load_model_config("tiny").to_toml(), "hiden");
}
TEST(ModelConfig, RejectsIntegersBeyondInt32) {
    expect_rejected(tiny_with("hidden", "99999999999"), "hidden must be in");
}
TEST(ModelConfig, RejectsWrongType) {
    expect_rejected(tiny_with("hidden", "\"64\""), "must be an integer");
}
TEST(ModelConfig, RejectsMissingKey) {
    std::string t = load_model_config("tiny").to_toml();
    t.erase(t.find("vocab"), t.find('\n', t.find("vocab")) - t.find("vocab"));
    expect_rejected(t, "vocab is missing");
}
TEST(ModelConfig, RejectsInvalidTomlWithLocation) {
    expect_rejected("hidden = = 3\n", "bad.toml:1:");
}
TEST(ModelConfig, RejectsUnknownModelName) {
    try {
        load_model_config("no-such-model");
        FAIL();
    } catch (const Error& e) {
        EXPECT_THAT(e.what(), HasSubstr("unknown model 'no-such-model'"));
        EXPECT_THAT(e.what(), HasSubstr("tiny"));
    }
}

}  // namespace
}  // namespace flexllm::golden
