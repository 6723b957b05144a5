// Long-context prefill with the HMT plug-in (Hierarchical Memory Transformer, He et al. 2024)
// against full attention over the whole prompt, on the same accelerator.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tb/perf/device.h"
#include "tb/perf/options.h"

namespace flexllm::perf {

// Per segment n (segment_len tokens): (1) representation extraction, a backbone pass over the
// first extract_len tokens plus two prompt tokens; (2) memory recall (hmt_recall): the summary
// projected and cross-attended over the last `memories` cached memory embeddings; (3) the
// augmented pass over sensory tokens of segment n-1, the memory prompt, the segment and the
// memory prompt again; its last hidden state is cached (key projected) as memory n. Segment 1 has
// no sensory tokens and no recall. After the last segment the LM head samples the first token.
struct HmtConfig {
    int segment_len = 990;  // FlexLLM: 990 + 32 + 2 = 1024 = the accelerator's window
    int sensory = 32;
    int memories = 64;
    int max_segments = 64;
    int extract_len = 0;  // 0 = segment_len / 2 (HMT's half-segment summary)
    int window() const { return sensory + segment_len + 2; }
    int extract() const { return extract_len > 0 ? extract_len : segment_len / 2; }
};

struct HmtRow {
    int segments = 0;
    int64_t tokens = 0;     // segments * segment_len
    double hmt_s = 0;       // HMT prefill, through the first token
    double full_s = 0;      // full-attention prefill of all tokens, through the first token
    double speedup = 0;     // full / hmt
    std::string full_note;  // why full attention is not possible, when it is not
    std::optional<double> gpu_full_s;  // baseline GPU full-attention prefill
};

struct HmtReport {
    HmtConfig cfg;
    std::vector<HmtRow> rows;
    double context_extension = 0;  // max_segments * segment_len / window
};

void validate_hmt(const Design& d, const HmtConfig& c);
// Rows for 1, 2, 4, ... up to max_segments segments (the last row is max_segments).
HmtReport run_hmt(const Design& d, const HmtConfig& c, const GpuDevice* baseline);

}  // namespace flexllm::perf
