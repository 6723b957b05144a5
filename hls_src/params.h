// Architecture parameters (DESIGN.md §5): the one *Params source that kernels, rtl_gen, the perf
// model and the harness all read. Plain structs (no host dependencies) so kernels can include it.
#pragma once

#include <cstdint>
#include <string>

namespace flexllm::kern {

// One group of memory channels feeding an engine (HBM pseudo-channels on the U280).
struct MemChannelParams {
    int channels = 1;          // channels serving this engine's weight stream
    int bytes_per_cycle = 32;  // per channel, at the kernel clock (AXI data width / 8)
    int latency_cycles = 64;   // request-to-first-data latency
    double efficiency = 1.0;   // sustained fraction of bytes_per_cycle (refresh, page misses)
};

// Prefill: token-parallel, dedicated engines with time-shared roles (K|Q, V|O).
struct PrefillParams {
    int tp = 8;          // token parallelism: tokens per beat / systolic rows
    int kq_wp = 24;      // weight parallelism of the K|Q engine (output channels per cycle)
    int vo_wp = 24;      // weight parallelism of the V|O engine
    int ffn_wp = 96;     // weight parallelism of each gate/up/down engine
    int ffn_blocks = 3;  // the FFN engines' WP is split into blocks, one channel group each
    int attn_tp = 8;     // attention: query tokens in parallel
    int attn_kv = 16;    // attention: keys/values in parallel
    int lanes = 8;       // vector-stage lanes (rmsnorm, rope, residual, quant_token)
    MemChannelParams kq_mem, vo_mem, ffn_mem;
};

// Decode: one shared GEMV engine, block-parallel.
struct DecodeParams {
    int bp = 16;                  // block parallelism: GEMV lanes, each with its own weight stream
    int wp = 64;                  // weight parallelism per lane (int4 MACs per lane per cycle)
    int heads_parallel = 8;       // attention heads processed in parallel
    int kv_parallel = 32;         // keys/values per cycle per head
    int lanes = 8;                // vector-stage lanes
    MemChannelParams weight_mem;  // weights (shared with the KV cache)
};

struct ArchParams {
    std::string name;
    std::string device = "u280";  // device profile name (u280, v80, ...)
    double clock_mhz = 300.0;
    PrefillParams prefill;
    DecodeParams decode;
};

}  // namespace flexllm::kern
