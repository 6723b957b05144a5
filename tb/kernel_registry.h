// The kernel registry (DESIGN.md §7a): every kernel of rtl_gen/kernels.txt described once -- its
// roles in a decoder layer and after the last one, the golden taps that feed and check it (and
// its seeded-random stimulus), the RTL variant a case runs on, its port layouts (stimuli and
// expectations packed with the variant's port specs), its C-sim engine and its cycle formula.
// One entry per kernel in tb/kernels/<kernel>.cpp; the table is generated from the kernel list.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "golden/golden_run.h"
#include "golden/model_config.h"
#include "hls_src/kernel_params.h"
#include "hls_src/params.h"
#include "rtl_gen/generator.h"
#include "tb/harness.h"
#include "tb/perf/chain_model.h"

namespace flexllm::tb {

// Where a role sits in the dataflow of a decoder layer (and after the last one), DESIGN.md §4; a
// layer's cases run in this order (ties: the kernel list's order), so a report reads causally.
enum class Slot {
    kEmbed,  // before the first decoder layer
    kAttnNorm,
    kQ,
    kK,
    kV,
    kRope,
    kQuantStatic,
    kKvCache,
    kAttnScores,
    kSoftmax,
    kAttnContext,
    kO,
    kAttnResidual,
    kFfnNorm,
    kGate,
    kUp,
    kSwiglu,
    kFht,
    kDown,
    kFfnResidual,
    kFinalNorm,
    kLmHead,
    kSample,
};

struct Role {
    std::string name;  // the ROLE of case ids: q, gate, attn, lm_head, final, ...
    Slot slot;
    bool per_layer = true;     // false: once per step, before the first layer (Slot::kEmbed)
                               // or after the last one
    bool decode_only = false;  // true: no prefill case (sampling runs on the decode accelerator)
};

// One regression case: (config, phase, layer, stage, role).
struct CaseSpec {
    std::string arch;
    kern::Phase phase = kern::Phase::kDecode;
    std::string stage;  // a registry kernel
    std::string role;
    int layer = -1;  // decoder layer; -1 for the roles after the last layer
    // "<arch>/<phase>/L<layer>/<stage>/<role>", e.g. tiny_a/prefill/L1/linear/q, and for the
    // roles after the last layer "<arch>/<phase>/<stage>/<role>" (tiny_a/decode/linear/lm_head),
    // like the golden taps "<step>/L<layer>/<stage>" and "<step>/<stage>". The --filter subject.
    std::string id() const;
    std::string stage_name() const;  // <stage>_<phase>: quant_token_prefill, linear_decode, ...
    // The id without the config: the key of the (config-independent) stage data.
    std::string data_key() const;
};
CaseSpec parse_case_id(const std::string& id);  // throws Error

// A case's stage tensors (inputs, parameters, expected outputs), independent of the config: a
// kernel's own subclass.
struct StageData {
    virtual ~StageData() = default;
};

// One golden run's taps, by name, and its prepared model.
class GoldenTaps {
  public:
    GoldenTaps(const golden::GoldenRun& run, int decode_tokens);
    // The tap as int64 elements; throws Error when the run has no such tap or it is not integer.
    std::vector<int64_t> ints(const std::string& name) const;
    const Tensor& tap(const std::string& name) const;
    // The steps of a phase, in order: {"prefill"} or the first decode_tokens decode steps.
    const std::vector<std::string>& steps(kern::Phase p) const;
    // "<step>/L<layer>/" or, for layer -1, "<step>/": the prefix of a case's taps.
    static std::string prefix(const std::string& step, int layer);
    // The position of a step's first token: 0 for prefill, N for decode/N.
    static int first_position(const std::string& step);
    // The token ids a step feeds the model: the prompt, or decode/N's one (generated at N - 1).
    std::vector<int> step_tokens(const std::string& step) const;
    const golden::QuantModel& qm() const { return run_.prep.qm; }
    const golden::GoldenOptions& options() const { return run_.opt; }

  private:
    const golden::GoldenRun& run_;
    std::vector<std::pair<std::string, const Tensor*>> taps_;  // sorted by name
    std::vector<std::string> prefill_, decode_;
};

// The seeded-random stimulus of a suite (--source random).
struct RandomSpec {
    uint64_t seed = 1;
    int prompt_len = 8;
    int decode_tokens = 2;
};

// Everything the harness needs for one case (its Bench), the problem size and the perf model's
// cycles.
struct CaseBench : Bench {
    int64_t model_cycles = 0;
    int tokens = 0, d_in = 0, d_out = 0;
    int d = 0;  // the buffered vector length (cfg_d) of a vector stage, 0 otherwise
    // The stage's timing per token group, for the cycle model of the composed tops it is part of
    // (tb/perf/chain_model.h); unset: no chain model for this stage yet.
    std::optional<perf::ChainStage> chain;
};

// What a kernel's bench and C-sim get about a case.
struct CaseContext {
    const CaseSpec& spec;
    const kern::ArchParams& arch;
    const golden::ModelConfig& model;
    kern::ModelBounds bounds;      // the generated buffers' bounds (the model's largest d_in, ...)
    const rtlgen::Module& module;  // the variant's ports (port specs), shape and C-sim shape
};

class CsimPorts;

class Kernel {
  public:
    virtual ~Kernel() = default;
    virtual std::string_view name() const = 0;
    virtual const std::vector<Role>& roles() const = 0;
    // The RTL variant (rtl_gen/kernels.txt) a case runs on, e.g. linear_prefill_kq; by default
    // <stage>_<phase> (rmsnorm_decode).
    virtual std::string variant(const CaseSpec& c) const { return c.stage_name(); }
    virtual std::shared_ptr<const StageData> golden_data(const CaseSpec& c,
                                                         const GoldenTaps& g) const = 0;
    virtual std::shared_ptr<const StageData> random_data(const CaseSpec& c,
                                                         const golden::ModelConfig& m,
                                                         const RandomSpec& r) const = 0;
    // The ports' beats, packed with the variant's port specs (x.module), and the model cycles.
    virtual CaseBench bench(const CaseContext& x, const StageData& d) const = 0;
    // Runs the C++ kernel on the bench's input beats (CsimPorts); false when this binary has no
    // C-sim instantiation of the variant's shape.
    virtual bool csim(const CaseContext& x, CsimPorts& p) const = 0;
};

// The registry, in the kernel list's order; throws Error naming the kernels when unknown.
const std::vector<const Kernel*>& kernels();
const Kernel& find_kernel(const std::string& stage);
const Role& find_role(const Kernel& k, const std::string& role);  // throws Error

// Every case for the archs and layers: per arch and phase, the roles before the first layer (when
// `embed`), each selected layer's roles of every kernel in slot order, then the roles after the
// last layer (when `head`).
std::vector<CaseSpec> enumerate_cases(const std::vector<std::string>& archs,
                                      const std::vector<int>& layers, bool embed, bool head);

}  // namespace flexllm::tb
