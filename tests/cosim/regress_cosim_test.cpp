// The co-verification suite: golden vs C-sim vs Verilated RTL for every stage x role x layer x
// config, bit-exact under stalls, cycles within 2% of the perf model; the layer selection (suite
// key and --layers); and the fault-injection self-test.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "golden/container.h"
#include "golden/error.h"
#include "golden/golden_run.h"
#include "golden/model_config.h"
#include "golden/ops_ref.h"
#include "rtl_gen/composed.h"
#include "tb/cases.h"
#include "tb/composed.h"
#include "tb/kernels/linear_data.h"
#include "tb/regress.h"
#include "tests/support/cli_test_support.h"
#include "tests/unit/file_test_support.h"

namespace flexllm::tb {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;
using flexllm::testing::expect_error;
using kern::LinearRole;

const golden::ModelConfig& tiny() {
    static const golden::ModelConfig m = golden::load_model_config("tiny");
    return m;
}

// Cases per (arch, phase) of a suite driving every layer: each kernel's per-layer roles in every
// layer, plus its roles after the last layer (the decode-only ones in decode), from the model
// config and the registry's roles.
int roles_of(const std::vector<const Kernel*>& ks, bool per_layer, kern::Phase p) {
    int n = 0;
    for (const Kernel* k : ks)
        for (const Role& r : k->roles())
            n += r.per_layer == per_layer && !(r.decode_only && p == kern::Phase::kPrefill);
    return n;
}
int per_layer_cases() { return roles_of(kernels(), true, kern::Phase::kPrefill); }
// The roles before the first layer (the embedding), one case per phase.
int embed_cases() {
    int n = 0;
    for (const Kernel* k : kernels())
        for (const Role& r : k->roles()) n += r.slot == Slot::kEmbed;
    return n;
}
// Per layer and phase, a golden suite's composed-top cases (rtl_gen/composed.h: one per top and
// role it serves).
int top_cases_per_layer() { return static_cast<int>(rtlgen::composed_roles().size()); }
int cases_per_phase(const golden::ModelConfig& m, kern::Phase p) {
    return m.layers * (per_layer_cases() + top_cases_per_layer()) + roles_of(kernels(), false, p);
}
int cases_per_arch(const golden::ModelConfig& m) {
    return cases_per_phase(m, kern::Phase::kPrefill) + cases_per_phase(m, kern::Phase::kDecode);
}

// The 120 cases of the suite before the kernel registry (quant_token and linear only), in their
// order: per arch and phase, per layer the 7 decoder roles (quant_token, then linear), then the
// LM head's two. They must stay in the default suite, in this relative order.
std::vector<std::string> former_default_ids(const golden::ModelConfig& m) {
    std::vector<std::string> v;
    for (const char* a : {"tiny_a", "tiny_b"})
        for (const char* p : {"prefill", "decode"}) {
            for (int l = 0; l < m.layers; ++l)
                for (const char* r : {"q", "k", "v", "o", "gate", "up", "down"})
                    for (const char* st : {"quant_token", "linear"})
                        v.push_back(fmt::format("{}/{}/L{}/{}/{}", a, p, l, st, r));
            for (const char* st : {"quant_token", "linear"})
                v.push_back(fmt::format("{}/{}/{}/lm_head", a, p, st));
        }
    return v;
}

const LinearStimulus& linear_data(const StageTensors& st, kern::Phase p, int layer, LinearRole r) {
    const CaseSpec c{"", p, "linear", std::string(kern::role_name(r)),
                     r == LinearRole::kLmHead ? -1 : layer};
    return static_cast<const LinearData&>(st.get(c)).st;
}

using flexllm::testing::CliResult;
using flexllm::testing::expect_bad_input;
CliResult flexllm(const std::string& args) { return flexllm::testing::run_flexllm(args); }

TEST(GoldenTaps, MatchTheReferenceOps) {
    // The regression's stimulus comes from the golden model's taps; check they are what the
    // reference ops compute from each other (the taps and the ops agree on every role of every
    // layer).
    const auto st = golden_stage_tensors("tiny", 1, 8, 2, parse_layers("all", tiny(), "layers"));
    ASSERT_GE(tiny().layers, 2);
    for (auto p : {kern::Phase::kPrefill, kern::Phase::kDecode})
        for (int l = 0; l < tiny().layers; ++l)
            for (auto r : kern::kAllRoles) {
                const auto& s = linear_data(st, p, l, r);
                ASSERT_FALSE(s.x.empty());
                for (size_t t = 0; t < s.x.size(); ++t) {
                    const auto q = golden::quant_token_ref(s.x[t]);
                    EXPECT_EQ(q.q, s.xq[t].q) << kern::role_name(r);
                    EXPECT_EQ(q.zero, s.xq[t].zero);
                    std::vector<int32_t> y(s.w.d_out);
                    golden::linear_ref(s.w, s.xq[t], y);
                    EXPECT_EQ(y, s.y[t]) << "L" << l << " " << kern::role_name(r) << " token " << t;
                }
                // Each layer brings its own weights and activations (not layer 0's again).
                if (l > 0 && r != LinearRole::kLmHead) {
                    EXPECT_NE(s.w.w, linear_data(st, p, 0, r).w.w)
                        << "L" << l << " " << kern::role_name(r);
                    EXPECT_NE(s.x, linear_data(st, p, 0, r).x)
                        << "L" << l << " " << kern::role_name(r);
                }
            }
    // Only the selected layers are collected, the same as in the full set.
    const auto one = golden_stage_tensors("tiny", 1, 8, 2, parse_layers("1", tiny(), "layers"));
    EXPECT_EQ(linear_data(one, kern::Phase::kDecode, 1, LinearRole::kQ).x,
              linear_data(st, kern::Phase::kDecode, 1, LinearRole::kQ).x);
    EXPECT_THAT(
        [&] { (void)linear_data(one, kern::Phase::kDecode, 0, LinearRole::kQ); },
        ::testing::ThrowsMessage<Error>(HasSubstr("no decode stimulus for layer 0 linear q")));
    EXPECT_THROW((void)linear_data(one, kern::Phase::kDecode, 0, LinearRole::kLmHead), Error);
}

TEST(Suite, DefaultCoversEveryLayerRolePhaseArchOnce) {
    // Expected from the model config and the registry: every (arch, phase) x (layer x each
    // kernel's per-layer role, and its roles after the last layer once).
    const RegressOptions o = apply_suite(RegressOptions{});
    const golden::ModelConfig m = golden::load_model_config(o.model);
    ASSERT_EQ(o.model, "tiny");
    ASSERT_EQ(o.archs, (std::vector<std::string>{"tiny_a", "tiny_b"}));
    using Key = std::tuple<std::string, kern::Phase, std::string, std::string, int>;
    std::map<Key, int> expected;
    for (const auto& a : o.archs)
        for (auto p : {kern::Phase::kPrefill, kern::Phase::kDecode})
            for (const Kernel* k : kernels())
                for (const Role& r : k->roles())
                    if (r.decode_only && p == kern::Phase::kPrefill)
                        continue;
                    else if (!r.per_layer)
                        expected[{a, p, std::string(k->name()), r.name, -1}] = 0;
                    else
                        for (int l = 0; l < m.layers; ++l)
                            expected[{a, p, std::string(k->name()), r.name, l}] = 0;
    // The composed tops after the kernels: every layer, phase and role of each top.
    for (const auto& a : o.archs)
        for (auto p : {kern::Phase::kPrefill, kern::Phase::kDecode})
            for (int l = 0; l < m.layers; ++l)
                for (const char* kr :
                     {"attn_in/q", "attn_in/k", "attn_in/v", "attn/attn", "ffn_act/ffn"}) {
                    const std::string s = kr;
                    const size_t slash = s.find('/');
                    expected[{a, p, s.substr(0, slash), s.substr(slash + 1), l}] = 0;
                }
    const std::vector<CaseSpec> cases = suite_cases(o);
    EXPECT_EQ(cases.size(), expected.size());
    EXPECT_EQ(static_cast<int>(cases.size()), 2 * cases_per_arch(m));
    std::set<std::string> ids;
    for (const auto& c : cases) {
        const Key k{c.arch, c.phase, c.stage, c.role, c.layer};
        ASSERT_TRUE(expected.count(k)) << "unexpected case " << c.id();
        ++expected[k];
        EXPECT_TRUE(ids.insert(c.id()).second) << "duplicate id " << c.id();
        // The id names the layer, and names it back.
        const CaseSpec back = parse_case_id(c.id());
        EXPECT_EQ(back.id(), c.id());
        EXPECT_EQ(back.layer, c.layer);
        if (c.layer >= 0) {
            EXPECT_THAT(c.id(), HasSubstr(fmt::format("/L{}/", c.layer)));
        }
    }
    for (const auto& [k, n] : expected)
        EXPECT_EQ(n, 1) << std::get<0>(k) << " " << std::get<2>(k) << " role " << std::get<3>(k)
                        << " layer " << std::get<4>(k);
    // The 120 cases of before the registry are all there, in their former relative order.
    const auto former = former_default_ids(m);
    ASSERT_EQ(former.size(), 120u);
    size_t at = 0;
    for (const auto& c : cases)
        if (at < former.size() && c.id() == former[at]) ++at;
    EXPECT_EQ(at, former.size()) << "missing or reordered: " << former[std::min(at, 119ul)];
}

// Greedy decode of the synthetic tiny model repeats one token, so consecutive decode steps would
// carry identical inputs and hide a state leak between transactions: the default suite's golden
// run samples (seeded top-8) and its decode steps consume different tokens.
TEST(Suite, DefaultSuiteDecodeStepsConsumeDifferentTokens) {
    const RegressOptions o = apply_suite(RegressOptions{});
    ASSERT_GT(o.top_k, 1);
    golden::GoldenOptions go;
    go.model = o.model;
    go.weights = fmt::format("synthetic:{}", o.weights_seed);
    go.prompt_len = o.prompt_len;
    go.gen_len = o.decode_tokens + 1;
    go.top_k = o.top_k;
    const golden::GoldenRun run = golden::run_golden(go);
    // decode/N consumes generated token N (the first is the prefill's).
    const std::set<int> consumed(run.gen.tokens.begin(), run.gen.tokens.begin() + o.decode_tokens);
    EXPECT_EQ(consumed.size(), static_cast<size_t>(o.decode_tokens));
}

TEST(Suite, CaseIdsNameTheLayerExceptForTheLmHead) {
    EXPECT_EQ((CaseSpec{"tiny_a", kern::Phase::kPrefill, "linear", "gate", 1}).id(),
              "tiny_a/prefill/L1/linear/gate");
    EXPECT_EQ((CaseSpec{"tiny_b", kern::Phase::kDecode, "quant_token", "lm_head"}).id(),
              "tiny_b/decode/quant_token/lm_head");
    const CaseSpec c = parse_case_id("tiny_b/decode/L12/quant_token/down");
    EXPECT_EQ(c.layer, 12);
    EXPECT_EQ(c.role, "down");
    EXPECT_EQ(c.stage, "quant_token");
    expect_error([&] { parse_case_id("tiny_a/decode/L0/softmax2/q"); }, {"bad stage 'softmax2'"});
    expect_error([&] { parse_case_id("tiny_a/decode/L0/linear/qq"); },
                 {"unknown role 'qq' of stage linear"});
    for (const char* bad : {"tiny_a/decode/L/linear/q", "tiny_a/decode/Lx/linear/q",
                            "tiny_a/decode/L-1/linear/q", "tiny_a/decode/0/linear/q"})
        expect_error([&] { parse_case_id(bad); }, {"bad layer", bad});
    expect_error([&] { parse_case_id("tiny_a/decode/linear/q"); }, {"needs a layer"});
    expect_error([&] { parse_case_id("tiny_a/decode/L0/linear/lm_head"); }, {"not per layer"});
    expect_error([&] { parse_case_id("tiny_a/decode/L0/L0/linear/q"); }, {"bad test id"});
}

TEST(Suite, RejectsOutOfRangeAndMalformedLayers) {
    const golden::ModelConfig& m = tiny();
    const std::string past = std::to_string(m.layers + 5);  // "7" on the 2-layer tiny model
    // The suite key: a one-line Error naming the file and the key.
    const auto path = fs::temp_directory_path() / "flexllm_layers_suite_test.toml";
    std::ofstream(path) << "name = \"x\"\nlayers = \"" << past << "\"\n";
    RegressOptions o;
    o.suite = path.string();
    o.waves = "never";
    expect_error([&] { run_regress(o); }, {path.string(), "layers '" + past + "'",
                                           fmt::format("layer {} is out of range", past),
                                           fmt::format("{} layers", m.layers)});
    std::ofstream(path) << "name = \"x\"\nlayers = 1\n";
    expect_error([&] { run_regress(o); }, {"layers must be a string"});
    // The command-line value, malformed in every way.
    o.suite = "default";
    o.explicit_options = {"layers"};
    for (const std::string& bad :
         {past, std::string("0,,1"), std::string("x"), std::string("-1"), std::string("0,0"),
          std::string(""), std::string("1,"), std::string("lm_head,lm_head"), std::string("all,0"),
          std::string("embed,embed"), std::string("1.5")}) {
        o.layers = bad;
        expect_error([&] { run_regress(o); }, {"--layers '" + bad + "'"});
    }
    // Through the CLI: exit 2, one line.
    expect_bad_input(flexllm("regress --waves never --layers " + past),
                     fmt::format("--layers '{}': layer {} is out of range", past, past));
    expect_bad_input(flexllm("regress --waves never --suite " + path.string()), "layers");
    std::ofstream(path) << "name = \"x\"\nlayers = \"" << past << "\"\n";
    expect_bad_input(flexllm("regress --waves never --suite " + path.string()),
                     fmt::format("layer {} is out of range", past));
    expect_bad_input(flexllm("debug tiny_a/decode/L" + past + "/linear/q"),
                     fmt::format("layer {} is out of range", past));
    expect_bad_input(flexllm("debug tiny_a/decode/linear/q"), "needs a layer");
    fs::remove(path);
}

TEST(Suite, LayersSelectOnlyThoseLayersCases) {
    const golden::ModelConfig& m = tiny();
    ASSERT_GE(m.layers, 2);
    RegressOptions o;
    o.layers = "1";
    o.explicit_options = {"layers"};
    o.waves = "never";
    o.jobs = 2;
    const auto r = run_regress(o);
    EXPECT_EQ(r.exit_code, 0) << r.table;
    EXPECT_EQ(static_cast<int>(r.cases.size()),
              2 * 2 * (per_layer_cases() + top_cases_per_layer()));
    for (const auto& c : r.cases) EXPECT_EQ(c.spec.layer, 1) << c.spec.id();
    EXPECT_THAT(r.table, HasSubstr("layer 1, prompt"));  // the stimulus line names the layer
    // "lm_head" adds the LM head; a suite key selects like the option does.
    const auto path = fs::temp_directory_path() / "flexllm_layers_select_test.toml";
    std::ofstream(path) << "name = \"x\"\narchs = \"tiny_a\"\nlayers = \"lm_head, 0\"\n"
                           "filter = \"*/decode/*\"\nsource = \"random\"\n";
    RegressOptions s;
    s.suite = path.string();
    s.waves = "never";
    std::set<std::string> ids;
    for (const auto& c : run_regress(s).cases) ids.insert(c.spec.id());
    EXPECT_EQ(static_cast<int>(ids.size()),
              per_layer_cases() + roles_of(kernels(), false, kern::Phase::kDecode) - embed_cases());
    EXPECT_TRUE(ids.count("tiny_a/decode/L0/linear/down"));
    EXPECT_TRUE(ids.count("tiny_a/decode/quant_token/lm_head"));
    EXPECT_FALSE(ids.count("tiny_a/decode/embedding/embed"));  // not selected: no "embed"
    for (const auto& id : ids) EXPECT_THAT(id, ::testing::Not(HasSubstr("/L1/")));
    fs::remove(path);
    // The CLI option: the JSON report holds layer-1 cases only.
    const auto json = fs::temp_directory_path() / "flexllm_layers_cli.json";
    const CliResult c =
        flexllm("regress --waves never --stall-prob 0 --layers 1 --json " + json.string());
    ASSERT_EQ(c.code, 0) << c.out;
    nlohmann::json j;
    std::ifstream(json) >> j;
    ASSERT_EQ(static_cast<int>(j["cases"].size()),
              2 * 2 * (per_layer_cases() + top_cases_per_layer()));
    for (const auto& k : j["cases"]) {
        EXPECT_EQ(k["layer"], 1) << k["id"];
        EXPECT_THAT(k["id"].get<std::string>(), HasSubstr("/L1/"));
    }
    fs::remove(json);
    // flexllm debug takes the layer from the id.
    const CliResult d = flexllm("debug tiny_b/prefill/L1/linear/up --waves-dir " +
                                (fs::temp_directory_path() / "flexllm_layers_debug").string());
    EXPECT_EQ(d.code, 0) << d.out;
    EXPECT_THAT(d.out, HasSubstr("test      tiny_b/prefill/L1/linear/up"));
    EXPECT_THAT(d.out, HasSubstr("layer 1, prompt"));
    // ... and the roles before the first layer select the embedding alone.
    const CliResult e = flexllm("debug tiny_a/decode/embedding/embed --waves-dir " +
                                (fs::temp_directory_path() / "flexllm_layers_debug").string());
    EXPECT_EQ(e.code, 0) << e.out;
    EXPECT_THAT(e.out, HasSubstr("embed, prompt"));
}

TEST(Cosim, DefaultSuiteIsBitExactAndWithinTwoPercent) {
    RegressOptions o;  // the default: golden taps of every layer, tiny_a + tiny_b, stall-prob 0.2
    o.waves = "never";
    o.jobs = 2;
    const auto r = run_regress(o);
    std::cout << r.table;  // model vs measured cycles of every case
    EXPECT_EQ(static_cast<int>(r.cases.size()), 2 * cases_per_arch(tiny()));
    EXPECT_EQ(r.exit_code, 0) << r.table;
    std::set<int> layers;
    for (const auto& c : r.cases)
        if (c.spec.layer >= 0) layers.insert(c.spec.layer);
    EXPECT_EQ(static_cast<int>(layers.size()), tiny().layers);
    for (const auto& c : r.cases) {
        EXPECT_TRUE(c.passed) << c.spec.id() << ": " << c.failure;
        EXPECT_TRUE(c.x_safe) << c.spec.id();
        EXPECT_EQ(c.csim, "ok") << c.spec.id();
        ASSERT_TRUE(c.stalled.has_value());
        EXPECT_TRUE(c.stalled->ok) << c.spec.id();
        EXPECT_EQ(c.stall_runs, 3) << c.spec.id();  // three stall seeds, all passing
        EXPECT_GT(c.stalled->measured(), c.rtl.measured()) << c.spec.id();  // stalls were applied
        EXPECT_LE(std::abs(c.perf.residual), 0.02) << c.spec.id();
    }
}

// `--golden FILE.gv` replays a stored golden run: every case of the default suite passes on the
// file's taps, and a tap changed in the file (CRCs valid) fails exactly the case it feeds.
TEST(Cosim, ReplaysAStoredGoldenFile) {
    const std::string dir = flexllm::testing::temp_path("cosim", "gv", "");
    fs::create_directories(dir);
    golden::GoldenOptions go;  // what the default suite computes: prompt 8, 2 decode steps
    go.prompt_len = 8;
    go.gen_len = 3;
    golden::GoldenRun run = golden::run_golden(go);
    golden::write_golden(dir + "/run.gv", run.meta_json(), run.container_tensors());
    RegressOptions o;
    o.golden_file = dir + "/run.gv";
    o.waves = "never";
    o.jobs = 2;
    const auto r = run_regress(o);
    EXPECT_EQ(r.exit_code, 0) << r.table;
    EXPECT_EQ(static_cast<int>(r.cases.size()), 2 * cases_per_arch(tiny()));
    EXPECT_THAT(r.table, HasSubstr("golden file " + o.golden_file));

    auto tap = std::find_if(run.taps.begin(), run.taps.end(),
                            [](const Tensor& t) { return t.name == "prefill/L1/q_proj"; });
    ASSERT_NE(tap, run.taps.end());
    tap->data[4 * 5] ^= 0x01;  // int32 element 5, low bit
    golden::write_golden(dir + "/tampered.gv", run.meta_json(), run.container_tensors());
    o.golden_file = dir + "/tampered.gv";
    o.filter = "tiny_a/prefill/L1/*";
    const auto t = run_regress(o);
    EXPECT_EQ(t.exit_code, 1);
    std::map<std::string, bool> passed;
    for (const auto& c : t.cases) passed[c.spec.id()] = c.passed;
    EXPECT_FALSE(passed.at("tiny_a/prefill/L1/linear/q"));  // its expected output changed
    for (const char* id : {"tiny_a/prefill/L1/rmsnorm/attn", "tiny_a/prefill/L1/linear/k",
                           "tiny_a/prefill/L1/linear/v", "tiny_a/prefill/L1/swiglu/ffn"})
        EXPECT_TRUE(passed.at(id)) << id;  // they read nothing of that tap

    go.gen_len = 1;
    golden::GoldenRun no_decode = golden::run_golden(go);
    golden::write_golden(dir + "/prefill_only.gv", no_decode.meta_json(),
                         no_decode.container_tensors());
    o.golden_file = dir + "/prefill_only.gv";
    expect_error([&] { run_regress(o); }, {"has no decode step (gen_len 1)"});
}

// Golden stimulus of other shapes: prompts of 1, 7, 13 and 16 tokens (token groups that are
// partly padding, more than one group), and a decode step at the last position of the context.
TEST(Cosim, PromptLengthsAndTheLastPosition) {
    const auto path = fs::temp_directory_path() / "flexllm_prompt_lengths_suite.toml";
    auto run = [&](int prompt_len, int decode_tokens, const std::string& filter) {
        std::ofstream(path) << "name = \"lengths\"\nprompt_len = " << prompt_len
                            << "\ndecode_tokens = " << decode_tokens << "\nfilter = \"" << filter
                            << "\"\n";
        RegressOptions o;
        o.suite = path.string();
        o.waves = "never";
        o.jobs = 2;
        return run_regress(o);
    };
    for (int plen : {1, 7, 13, 16}) {
        const auto r = run(plen, 2, "*");
        EXPECT_EQ(r.exit_code, 0) << "prompt " << plen << "\n" << r.table;
        EXPECT_EQ(static_cast<int>(r.cases.size()), 2 * cases_per_arch(tiny()));
        for (const auto& c : r.cases)
            if (c.spec.phase == kern::Phase::kPrefill && c.spec.layer >= 0) {
                EXPECT_EQ(c.tokens, plen) << c.spec.id();
            }
    }
    // One decode step at the last position the golden flow reaches: prompt + generated tokens
    // fit max_positions, so a prefill of max_positions - 2 and a decode at max_positions - 2.
    const auto r = run(tiny().max_positions - 2, 1, "*/decode/*");
    EXPECT_EQ(r.exit_code, 0) << r.table;
    EXPECT_EQ(static_cast<int>(r.cases.size()), 2 * cases_per_phase(tiny(), kern::Phase::kDecode));
    fs::remove(path);
}

TEST(Cosim, RandomStimulusOddSeedsHeavyStalls) {
    for (uint64_t seed : {3u, 17u}) {
        RegressOptions o;
        o.source = "random";
        o.seed = seed;
        o.stall_prob = 0.5;
        o.explicit_options = {"source", "stall-prob"};
        o.waves = "never";
        o.jobs = 2;
        const auto r = run_regress(o);
        EXPECT_EQ(r.exit_code, 0) << r.table;
    }
}

TEST(Cosim, SmokeSuiteFromTomlAndSuiteFile) {
    RegressOptions o;
    o.suite = "smoke";
    o.waves = "never";
    const auto r = run_regress(o);
    EXPECT_EQ(r.exit_code, 0) << r.table;
    // tiny_a, decode, linear: 7 roles of every layer and the LM head
    const Kernel* linear = &find_kernel("linear");
    EXPECT_EQ(static_cast<int>(r.cases.size()),
              tiny().layers * roles_of({linear}, true, kern::Phase::kDecode) +
                  roles_of({linear}, false, kern::Phase::kDecode));
    const auto path = fs::temp_directory_path() / "flexllm_suite_test.toml";
    std::ofstream(path)
        << "name = \"x\"\narchs = \"tiny_b\"\nfilter = \"*/prefill/L1/quant_token/q\"\n"
           "source = \"random\"\n";
    o.suite = path.string();
    const auto r2 = run_regress(o);
    ASSERT_EQ(r2.cases.size(), 1u);
    EXPECT_EQ(r2.cases[0].spec.id(), "tiny_b/prefill/L1/quant_token/q");
    std::ofstream(path) << "name = \"x\"\nbogus = 1\n";
    EXPECT_THAT([&] { run_regress(o); }, ::testing::ThrowsMessage<Error>(HasSubstr("bogus")));
    // 2^32 + 1 must not wrap to 1 on the way into an int.
    std::ofstream(path) << "name = \"x\"\nprompt_len = 4294967297\n";
    EXPECT_THAT([&] { run_regress(o); },
                ::testing::ThrowsMessage<Error>(HasSubstr("prompt_len must be in 1..2^24")));
    o.suite = "no_such_suite";
    EXPECT_THROW(run_regress(o), Error);
    fs::remove(path);
}

TEST(Cosim, ShardsPartitionTheSuite) {
    size_t total = 0;
    for (int i = 0; i < 3; ++i) {
        RegressOptions o;
        o.shard = std::to_string(i) + "/3";
        o.filter = "tiny_b/*";
        o.explicit_options = {"filter"};
        o.waves = "never";
        total += run_regress(o).cases.size();
    }
    EXPECT_EQ(static_cast<int>(total), cases_per_arch(tiny()));
}

// Fault self-test: every mutant must fail the regression, and the report must point at it.
struct FaultCase {
    const char* fault;
    const char* test;
    const char* expect;             // substring of the failure report
    const char* port;               // the stage's output stream, which the waveform must hold
    const char* source = "golden";  // the stimulus that reaches the fault's corner
};

void PrintTo(const FaultCase& f, std::ostream* os) { *os << f.fault << " on " << f.test; }

class FaultInjection : public ::testing::TestWithParam<FaultCase> {};

TEST_P(FaultInjection, RegressionCatchesTheMutant) {
    const FaultCase& f = GetParam();
    const fs::path dir = fs::temp_directory_path() / (std::string("flexllm_fault_") + f.fault);
    fs::remove_all(dir);
    RegressOptions o;
    o.fault = f.fault;
    o.filter = f.test;
    o.source = f.source;
    o.explicit_options = {"filter", "source"};
    o.waves_dir = dir.string();
    const auto r = run_regress(o);
    ASSERT_EQ(r.cases.size(), 1u);
    EXPECT_EQ(r.exit_code, 1);
    const auto& c = r.cases[0];
    EXPECT_FALSE(c.passed);
    EXPECT_EQ(c.csim, "ok");  // the C++ kernel is fine: only the RTL diverged
    EXPECT_THAT(c.failure, HasSubstr(c.spec.stage_name()));
    EXPECT_THAT(c.failure, HasSubstr(f.expect));
    EXPECT_THAT(c.failure, HasSubstr("only the RTL diverged"));
    // The deterministic re-run wrote a waveform and a save file that GTKWave's reader opens.
    ASSERT_FALSE(c.waves.empty());
    EXPECT_TRUE(fs::exists(c.waves));
    const std::string gtkw = c.waves.substr(0, c.waves.size() - 4) + ".gtkw";
    EXPECT_TRUE(fs::exists(gtkw));
    if (std::system("command -v fst2vcd > /dev/null 2>&1") == 0) {
        const std::string cmd = "fst2vcd '" + c.waves + "' 2>&1 | grep -c '" + f.port + "_tvalid'";
        FILE* p = popen(cmd.c_str(), "r");
        char buf[64] = {};
        ASSERT_NE(fgets(buf, sizeof buf, p), nullptr);
        pclose(p);
        EXPECT_GE(std::atoi(buf), 1) << "fst2vcd could not read " << c.waves;
    }
    fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(
    Mutants, FaultInjection,
    ::testing::Values(
        // A flipped accumulator bit in PE (1, 2): the first divergence is token 1, channel 2.
        FaultCase{"acc-bit", "tiny_a/prefill/L0/linear/gate", "token 1 channel 2", "m_axis_y"},
        // A dropped output beat: beat 1 carries beat 2's channels.
        FaultCase{"drop-beat", "tiny_a/decode/L0/linear/q", "m_axis_y (y) beat 1", "m_axis_y"},
        // Weight lanes 0 and 1 swapped: channel 0 (lane 0) is the first wrong output.
        FaultCase{"swap-lanes", "tiny_a/decode/L1/linear/q", "channel 0", "m_axis_y"},
        // s_axis_zr's tready stuck low: the watchdog names it first.
        FaultCase{"stuck-tready", "tiny_a/decode/L1/linear/q",
                  "stuck: s_axis_zr (tvalid=1 tready=0", "m_axis_y"},
        // Bit 12 of token 0's reciprocal root flipped: token 0 diverges, from its first element.
        FaultCase{"rsqrt-bit", "tiny_a/decode/L0/rmsnorm/attn", "beat 0 lane 0: token 0",
                  "m_axis_y"},
        // The output register reloads while stalled: clean without stalls, wrong under them.
        FaultCase{"reload-stalled", "tiny_a/prefill/L1/rmsnorm/ffn", "under stalls", "m_axis_y"},
        // Bit 4 of element 0's sum flipped: token 0, channel 0 (decode: one token per beat).
        FaultCase{"sum-bit", "tiny_a/decode/L1/residual/ffn", "token 0 channel 0", "m_axis_z"},
        // The output register ignores tready: beats are overwritten while stalled.
        FaultCase{"ignore-tready", "tiny_a/prefill/L0/residual/attn", "under stalls", "m_axis_z"},
        // y[j + hd/2] subtracts x[j]*sin: the second half of every head diverges (channel 8).
        FaultCase{"sin-sign", "tiny_a/decode/L0/rope/q", "token 0 channel 8", "m_axis_y"},
        // Buffered second-half outputs overwrite a stalled output register.
        FaultCase{"drain-overrun", "tiny_a/prefill/L1/rope/k", "under stalls", "m_axis_y"},
        // Truncation instead of round half up.
        FaultCase{"no-round", "tiny_a/decode/L1/quant_static/v", "m_axis_q (int8)", "m_axis_q"},
        // x accepted while the output register stalls: the waiting beat is lost.
        FaultCase{"lose-stalled", "tiny_a/prefill/L0/quant_static/q", "under stalls", "m_axis_q"},
        // Bit 12 of element 0's silu flipped: token 0, channel 0.
        FaultCase{"silu-bit", "tiny_a/decode/L0/swiglu/ffn", "token 0 channel 0", "m_axis_h"},
        // The sigmoid ROMs read on while stalled: a stalled beat gets the next beat's table pair.
        FaultCase{"rom-reload", "tiny_a/prefill/L1/swiglu/ffn", "under stalls", "m_axis_h"},
        // Floor instead of round half up in the final shift.
        FaultCase{"round-floor", "tiny_a/decode/L1/fht/ffn", "m_axis_y (y)", "m_axis_y"},
        // The delay lines advance while the output stalls: beats are lost.
        FaultCase{"advance-stalled", "tiny_a/prefill/L0/fht/ffn", "under stalls", "m_axis_y"},
        // A write clobbers the rest of its word: the append zeroes position 0 of the history.
        FaultCase{"clobber-word", "tiny_a/decode/L0/kv_cache/k", "head 0 key 0", "m_axis_kv"},
        // Reads issue while the output stalls: words are lost.
        FaultCase{"drop-stalled", "tiny_a/prefill/L1/kv_cache/v", "under stalls", "m_axis_kv"},
        // The causal mask keeps key p + 1: query 0 of head 0 sees key 1.
        FaultCase{"mask-plus-one", "tiny_a/prefill/L0/attn_scores/attn",
                  "token 0 channel -1 head 0 key 1", "m_axis_s"},
        // The output queue pops while stalled: a score beat is lost.
        FaultCase{"pop-stalled", "tiny_a/decode/L0/attn_scores/attn", "under stalls", "m_axis_s"},
        // p8 truncates instead of rounding half up.
        FaultCase{"p8-floor", "tiny_a/decode/L0/softmax/attn", "m_axis_p (softmax)", "m_axis_p"},
        // The pipeline overwrites a stalled probability beat.
        FaultCase{"overwrite-stalled", "tiny_a/prefill/L1/softmax/attn", "under stalls",
                  "m_axis_p"},
        // The context multiplier truncates instead of rounding half up.
        FaultCase{"ctx-truncate", "tiny_a/prefill/L1/attn_context/attn",
                  "m_axis_ctx (attn_context)", "m_axis_ctx"},
        // The output register reloads while stalled: context beats are lost.
        FaultCase{"ctx-lose-stalled", "tiny_a/decode/L0/attn_context/attn", "under stalls",
                  "m_axis_ctx"},
        // Equal logits resolve toward the higher index: the random corners (every logit equal)
        // pick the last token, not the first.
        FaultCase{"tie-high", "tiny_a/decode/sample/greedy", "token 1 channel -1 GOT=255 EXP=0",
                  "m_axis_token", "random"},
        // Both output beats retire when either is taken: the stalled state beat is lost.
        FaultCase{"sample-lose-stalled", "tiny_a/decode/sample/topk", "m_axis_state",
                  "m_axis_state"},
        // Bit 0 of the id dropped from the row address: the first odd id's request is wrong.
        FaultCase{"id-bit", "tiny_a/prefill/embedding/embed", "m_axis_rd (row_request)",
                  "m_axis_rd"},
        // A row emitted as soon as it is requested: the first beat leaves before its data.
        FaultCase{"emit-early", "tiny_a/decode/embedding/embed",
                  "m_axis_x (embed) beat 0 lane 0: token 0 channel 0", "m_axis_x"}),
    [](const auto& info) {
        std::string n = info.param.fault;
        n.erase(std::remove(n.begin(), n.end(), '-'), n.end());
        return n;
    });

// A mutant inside a composed top: the regression runs the kernel's own case and every top that
// instantiates the variant, and the top's report names the mutated stage first, the downstream
// ones as propagated; without a fault the same tops pass (the default suite test).
TEST(Cosim, AFaultFailsTheComposedTopsThatInstantiateIt) {
    const fs::path dir = fs::temp_directory_path() / "flexllm_composed_fault";
    fs::remove_all(dir);
    RegressOptions o;
    o.fault = "p8-floor";  // softmax_decode
    o.filter = "tiny_b/decode/L1/*";
    o.explicit_options = {"filter"};
    o.waves_dir = dir.string();
    const auto r = run_regress(o);
    EXPECT_EQ(r.exit_code, 1);
    std::map<std::string, const CaseOutcome*> by_id;
    for (const auto& c : r.cases) by_id[c.spec.id()] = &c;
    EXPECT_EQ(by_id.size(), 2u) << r.table;
    ASSERT_TRUE(by_id.count("tiny_b/decode/L1/softmax/attn")) << r.table;
    ASSERT_TRUE(by_id.count("tiny_b/decode/L1/attn/attn")) << r.table;
    const CaseOutcome& top = *by_id.at("tiny_b/decode/L1/attn/attn");
    EXPECT_FALSE(top.passed);
    EXPECT_EQ(top.module, "attn_decode_tiny_b_fault_p8_floor");
    EXPECT_THAT(top.failure, HasSubstr("first divergence in stage softmax (softmax_decode"));
    EXPECT_THAT(top.failure, HasSubstr("stage context"));
    EXPECT_THAT(top.failure, HasSubstr("(propagated)"));
    EXPECT_THAT(top.failure, HasSubstr("[C-sim ok: only the RTL diverged]"));
    // Its waveform is named by the case, beside the kernel case's.
    EXPECT_EQ(fs::path(top.waves).filename(), "tiny_b.decode.L1.attn.attn.fst");
    EXPECT_TRUE(fs::exists(top.waves));
    EXPECT_THAT(r.table, HasSubstr("FAIL tiny_b/decode/L1/attn/attn"));
    fs::remove_all(dir);
}

// The composed tops need chaining golden taps: seeded random stimulus runs the kernels alone,
// and a composed top's id parses back (flexllm debug takes it).
TEST(Suite, ComposedTopsRunOnGoldenTapsOnly) {
    RegressOptions o = apply_suite(RegressOptions{});
    size_t golden_tops = 0;
    for (const auto& c : suite_cases(o)) golden_tops += is_composed_case(c);
    EXPECT_EQ(golden_tops, 2u * 2u * static_cast<size_t>(tiny().layers) * 5u);
    o.source = "random";
    for (const auto& c : suite_cases(o)) EXPECT_FALSE(is_composed_case(c)) << c.id();
    const CaseSpec c = parse_case_id("tiny_a/prefill/L1/attn_in/k");
    EXPECT_TRUE(is_composed_case(c));
    EXPECT_EQ(c.layer, 1);
    EXPECT_EQ(c.id(), "tiny_a/prefill/L1/attn_in/k");
    expect_error([] { parse_case_id("tiny_a/prefill/L1/attn_in/gate"); },
                 {"composed top attn_in serves no role 'gate'"});
    expect_error([] { parse_case_id("tiny_a/prefill/attn/attn"); }, {"needs a layer"});
}

}  // namespace
}  // namespace flexllm::tb
