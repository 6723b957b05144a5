// The cycle model of a chain of stages connected stream to stream (a composed top,
// rtl_gen/composed.h), at token-group granularity, from each stage's own formula for one group.
#pragma once

#include <cstdint>
#include <vector>

namespace flexllm::perf {

// One stage of a chain: per token group it takes `beats` input beats, one per cycle, and emits as
// many output beats, one per cycle, the first `one_group - beats` cycles after its first input
// (`one_group`: its stage_model formula for one group alone, first input to last output). A
// `serial` stage (load, compute, emit: quant_token, the row reductions) takes the next group only
// after its last output beat of this one left; the others (streamed vector stages) take it right
// after this group's last input beat.
struct ChainStage {
    int groups = 0;
    int64_t beats = 0;
    int64_t one_group = 0;
    bool serial = false;
};

// First input of the first stage to the last output of the last one, inclusive, when the chain's
// inputs are always available and its outputs never stalled. A stage's group starts when its
// upstream's first output of the group arrives and the stage can take it; the upstream's emit
// waits for it (a stage holds a group while its downstream is busy). Every stage must have the
// same groups and beats; throws std::invalid_argument otherwise.
int64_t chain_cycles(const std::vector<ChainStage>& stages);

}  // namespace flexllm::perf
