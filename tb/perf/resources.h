// Resource estimate of a design: DSPs from the MAC arrays (int4/int8 packing), dequantization and
// vector-unit multipliers; BRAM/URAM from the on-chip buffers; checked against the device.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tb/perf/options.h"

namespace flexllm::perf {

struct ResourceLine {
    std::string unit;
    int64_t dsp = 0, bram36 = 0, uram = 0;
};

struct ResourceEstimate {
    std::vector<ResourceLine> lines;
    int64_t dsp = 0, bram36 = 0, uram = 0;
    double dsp_util = 0, bram_util = 0, uram_util = 0;  // of the device (0 when not stated)
    bool fits = true;     // every stated resource within device * max_utilization
    std::string binding;  // the most utilised resource ("dsp", "bram36", "uram")
};

// One buffer of `width_bits` x `depth` words, `copies` instances: UltraRAMs (72 x 4K) when it is
// at least 4K deep or URAM needs no more bits of silicon, else block RAMs in their cheapest aspect
// ratio (BRAM36 as 72x512 / 36x1K / 18x2K / 9x4K).
struct MemBlocks {
    int64_t bram36 = 0, uram = 0;
};
MemBlocks map_buffer(int64_t width_bits, int64_t depth, int copies = 1);

// `max_ctx`: positions the attention score buffers are sized for (prompt + generated).
ResourceEstimate estimate_resources(const Design& d, int max_ctx);

}  // namespace flexllm::perf
