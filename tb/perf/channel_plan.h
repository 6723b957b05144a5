// Which tensors live on which memory channels: the decode weights, LM head and KV cache on the
// decode group, each prefill engine's weights on its own group; capacity and bandwidth per channel.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tb/perf/options.h"

namespace flexllm::perf {

struct TensorPlacement {
    std::string tensor;
    int64_t bytes = 0;  // over the whole group, spread evenly over its channels
};

struct ChannelGroup {
    std::string name;  // "decode", "prefill.kq", "prefill.vo", "prefill.gate", ...
    int first = 0;     // channels [first, first + count)
    int count = 0;
    kern::MemChannelParams effective;  // the arch's group with bytes_per_cycle capped by the device
    std::vector<TensorPlacement> tensors;
    int64_t bytes() const;
};

struct ChannelPlan {
    std::vector<ChannelGroup> groups;
    std::vector<int64_t> bytes_per_channel;
    double capacity_mib = 0;
    // True when prefill groups reuse decode channels (prefill and decode never overlap in time).
    bool prefill_overlays_decode = false;
    const ChannelGroup& group(const std::string& name) const;
};

// The arch's channel group as the device can serve it: bytes_per_cycle limited to the channel's
// peak bandwidth at the design clock (e.g. U280 HBM2: 14.375 GB/s / 300 MHz = 47 B/cycle).
kern::MemChannelParams effective_mem(const kern::MemChannelParams& m, const FpgaDevice& dev,
                                     double clock_mhz);

// Bytes of one linear weight matrix as an engine with `cols` output channels per block streams
// it: d_out padded to cols, int4 weights plus kChannelParamBytes per channel.
int64_t padded_weight_bytes(int64_t d_in, int64_t d_out, int64_t cols);

// Throws flexllm::Error when a group needs more channels than the device has or a channel would
// hold more than its capacity. `kv_tokens`: positions the KV cache must hold.
ChannelPlan plan_channels(const Design& d, int64_t kv_tokens);

}  // namespace flexllm::perf
