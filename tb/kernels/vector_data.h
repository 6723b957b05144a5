// Shared by the vector-stage kernel entries (rmsnorm, residual, ...): their stage data (int32
// rows in and out per token), golden rows from taps, seeded random rows, and the bench layout of
// a vector stage (token groups of S.tokens, d / S.lanes beats of S.tokens x S.lanes elements).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tb/kernel_registry.h"

namespace flexllm::tb {

using Rows = std::vector<std::vector<int32_t>>;  // [token][element]

struct VectorData : StageData {
    std::vector<Rows> in;  // per input port, in the order the kernel's bench names them
    Rows out;
    int64_t eps_q32 = 0;         // rmsnorm's epsilon (cfg_eps)
    std::vector<int> positions;  // per token (rope)
    int layer = -1;              // the layer whose parameters the stage uses
};

// Tap `name` of layer `layer` (-1: the step's own taps) over the phase's steps, as rows of d
// elements; `last_only` keeps each step's last token (the stages after the last layer). With
// `positions`, each row's token position is appended to it.
Rows tap_rows(const GoldenTaps& g, kern::Phase p, int layer, const std::string& name, int d,
              bool last_only = false, std::vector<int>* positions = nullptr);
// The input of decoder layer `layer`'s first stage: the embedding for layer 0, else the
// previous layer's ffn_residual.
Rows layer_input_rows(const GoldenTaps& g, kern::Phase p, int layer, int d);

// Seeded random rows for a case: prefill prompt_len tokens (1 for the stages after the last
// layer), decode decode_tokens; activation-like values with outliers, an all-equal token and, when
// `extremes`, values near +-2^31.
Rows random_rows(const CaseSpec& c, const RandomSpec& r, int d, uint64_t stream, bool extremes);

// An input port fed once per token group before its rows (per-head multipliers, the group's
// cos/sin): beats(group) gives the group's beats of the port's lanes; tlast on the last.
struct GroupPort {
    std::string port;
    std::function<std::vector<std::vector<int64_t>>(int group)> beats;
};

// The bench of a vector stage: `inputs` (one port per d.in) and `output` with the kernel's shape,
// cfg_d = d, the `per_group` ports; the model cycles are filled by the caller. The padding slots
// of a partial token group repeat real tokens (source_token) and are checked like them, as the
// linear engines' are, so that a stage's padded output is the next stage's padded input.
CaseBench vector_bench(const CaseContext& x, const VectorData& d,
                       const std::vector<std::string>& inputs, const std::string& output,
                       const std::string& tensor, const std::vector<GroupPort>& per_group = {});

// The cycles of a streamed vector stage of shape `s` from its formula `cycles(tokens)`: the model
// cycles of the bench's tokens, and the per-group timing of the chain model (a group is the
// shape's tokens per beat, d / lanes beats, the next group taken right after this one's input).
void set_streamed_cycles(CaseBench& b, const kern::VectorShape& s,
                         const std::function<int64_t(int tokens)>& cycles);

}  // namespace flexllm::tb
