// Per-stage cycle formulas (documented in stage_model.h).
#include "tb/perf/stage_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <vector>

#include "golden/error.h"

namespace flexllm::perf {

namespace {

int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

void require_positive(const char* stage, const char* what, int64_t v) {
    if (v <= 0) throw Error(fmt::format("perf {}: {} must be positive (got {})", stage, what, v));
}

void require_mem(const char* stage, const MemChannelParams& m) {
    require_positive(stage, "memory channels", m.channels);
    require_positive(stage, "memory bytes_per_cycle", m.bytes_per_cycle);
    if (!(m.efficiency > 0 && m.efficiency <= 1))
        throw Error(fmt::format("perf {}: memory efficiency must be in (0, 1] (got {})", stage,
                                m.efficiency));
    if (m.latency_cycles < 0)
        throw Error(fmt::format("perf {}: memory latency must be >= 0", stage));
}

// Scales a compute-side time by the memory stretch factor (a memory-bound stage consumes its
// inputs and emits its outputs more slowly).
int64_t stretched(int64_t cycles, const StageCycles& c) {
    if (c.compute <= 0 || c.memory <= c.compute) return cycles;
    return static_cast<int64_t>(
        std::ceil(static_cast<double>(cycles) * c.memory / static_cast<double>(c.compute)));
}

void finish(StageCycles& c) { c.total = c.busy() + c.fill; }

// Shared by quant_token and the row-reduction vector stages.
StageCycles row_stage(const char* stage, int tokens, int d, int lanes, int tokens_per_beat,
                      const StageFill& f, int64_t extra_per_block) {
    require_positive(stage, "tokens", tokens);
    require_positive(stage, "d", d);
    require_positive(stage, "lanes", lanes);
    require_positive(stage, "tokens per beat", tokens_per_beat);
    const int64_t groups = cdiv(tokens, tokens_per_beat);
    const int64_t beats = cdiv(d, lanes);
    const int64_t pb = f.per_block + extra_per_block;
    StageCycles c;
    if (f.serial_blocks) {
        c.compute = groups * (2 * beats + pb);
        c.in_span = (groups - 1) * (2 * beats + pb) + beats;
    } else {
        c.compute = groups * (beats + pb) + beats;
        c.in_span = groups * beats;
    }
    c.compute = std::max<int64_t>(c.compute, 1);
    c.fill = f.fixed;
    c.first_out = beats + pb + f.fixed;
    finish(c);
    return c;
}

}  // namespace

double sustained_bytes_per_cycle(const MemChannelParams& m) {
    return static_cast<double>(m.channels) * m.bytes_per_cycle * m.efficiency;
}

int64_t transfer_cycles(double bytes, double bytes_per_cycle) {
    if (bytes <= 0) return 0;
    if (!(bytes_per_cycle > 0)) throw Error("perf: memory bandwidth must be positive");
    // The epsilon keeps exact multiples (e.g. 640 B at 4 B/cycle) from rounding up.
    return static_cast<int64_t>(std::ceil(bytes / bytes_per_cycle - 1e-9));
}

StageCycles linear_engine_cycles(int tokens, int d_in, int d_out, const EngineShape& s,
                                 const MemChannelParams& mem, const StageFill& f) {
    const char* stage = "linear";
    require_positive(stage, "tokens", tokens);
    require_positive(stage, "d_in", d_in);
    require_positive(stage, "d_out", d_out);
    require_positive(stage, "rows", s.rows);
    require_positive(stage, "lanes", s.lanes);
    require_positive(stage, "wp", s.wp);
    require_mem(stage, mem);
    const int64_t cols = int64_t{s.lanes} * s.wp;
    const int64_t n_cb = cdiv(d_out, cols);
    const int64_t calls = cdiv(tokens, s.rows);
    const int64_t chan_beats = s.lanes;
    const int64_t drain_beats = int64_t{s.rows} * s.lanes;
    const int64_t skew = s.skew();
    const int64_t per_block = chan_beats + d_in + skew + drain_beats + f.per_block;
    const int64_t step = std::max<int64_t>(d_in + f.per_block, skew + drain_beats + 1);
    // Overlapped: the next token block streams in while the last one drains, so the tail
    // (channel parameters of the first block, the wavefront's skew, the last drain) is paid once.
    const int64_t per_call = f.serial_blocks ? n_cb * per_block : n_cb * step;
    const int64_t tail = f.serial_blocks ? 0 : chan_beats + skew + drain_beats;
    StageCycles c;
    c.compute = calls * per_call + tail;
    const double lane_bytes =
        static_cast<double>(n_cb) * (static_cast<double>(d_in) * s.wp * kWeightBits / 8.0 +
                                     static_cast<double>(s.wp) * kChannelParamBytes);
    const double lane_bw = sustained_bytes_per_cycle(mem) / s.lanes;
    c.memory = calls * transfer_cycles(lane_bytes, lane_bw);
    c.fill = f.fixed + mem.latency_cycles;
    // total = busy + fill, except that a memory-bound engine still needs the skew after its last
    // weight beat (the wavefront crosses the array). The last drain is left out: it overlaps the
    // channel-parameter bytes the memory time counts on the weight channels (within 2% of the RTL
    // either way; see tb/perf/README.md).
    c.total = std::max(c.compute, c.memory + skew) + c.fill;
    const int64_t call_busy = std::max(per_call, transfer_cycles(lane_bytes, lane_bw));
    c.first_out = stretched(chan_beats + d_in + skew + 1, c) + c.fill;
    c.in_span = (calls - 1) * call_busy + stretched(d_in, c);
    c.bytes = static_cast<int64_t>(std::llround(lane_bytes * s.lanes)) * calls;
    c.macs4 = calls * s.rows * n_cb * cols * d_in;
    c.vec_ops = calls * s.rows * n_cb * cols;  // dequantization of each output
    return c;
}

StageCycles linear_decode_cycles(int d_in, int d_out, const DecodeParams& p, const StageFill& f) {
    return linear_engine_cycles(1, d_in, d_out, EngineShape{1, p.bp, p.wp}, p.weight_mem, f);
}

StageCycles linear_prefill_cycles(int tokens, int d_in, int d_out, int tp, int wp,
                                  const MemChannelParams& mem, const StageFill& f, int streams) {
    require_positive("linear_prefill", "streams", streams);
    require_positive("linear_prefill", "wp", wp);
    if (wp % streams != 0)
        throw Error(
            fmt::format("perf linear_prefill: {} weight streams do not divide WP {}", streams, wp));
    return linear_engine_cycles(tokens, d_in, d_out, EngineShape{tp, streams, wp / streams, true},
                                mem, f);
}

StageCycles quant_token_cycles(int tokens, int d, int lanes, const StageFill& f) {
    StageCycles c = row_stage("quant_token", tokens, d, lanes, 1, f, 0);
    c.vec_ops = int64_t{tokens} * d * 3;  // min/max, subtract-multiply, round
    return c;
}

StageCycles quant_token_prefill_cycles(int tokens, int d, int tp, const StageFill& f) {
    StageCycles c = row_stage("quant_token", tokens, d, 1, tp, f, 0);
    c.vec_ops = int64_t{tokens} * d * 3;
    return c;
}

StageCycles vector_cycles(int tokens, int d, int lanes, int tokens_per_beat, VectorKind kind,
                          const StageFill& f) {
    if (kind == VectorKind::kRowReduce) {
        StageCycles c = row_stage("vector", tokens, d, lanes, tokens_per_beat, f, 0);
        c.vec_ops = int64_t{tokens} * d * 2;
        return c;
    }
    require_positive("vector", "tokens", tokens);
    require_positive("vector", "d", d);
    require_positive("vector", "lanes", lanes);
    require_positive("vector", "tokens per beat", tokens_per_beat);
    const int64_t groups = cdiv(tokens, tokens_per_beat);
    const int64_t beats = cdiv(d, lanes);
    StageCycles c;
    c.compute = std::max<int64_t>(groups * (beats + f.per_block), 1);
    c.fill = f.fixed;
    c.first_out = f.fixed + 1;
    c.in_span = c.compute;
    c.vec_ops = int64_t{tokens} * d;
    finish(c);
    return c;
}

StageCycles quant_static_cycles(int tokens, int d, int heads, int lanes, int tokens_per_beat,
                                const StageFill& f) {
    require_positive("quant_static", "heads", heads);
    StageFill with_heads = f;
    with_heads.per_block += heads;
    return vector_cycles(tokens, d, lanes, tokens_per_beat, VectorKind::kStream, with_heads);
}

StageCycles rope_cycles(int tokens, int d, int head_dim, int lanes, int tokens_per_beat,
                        const StageFill& f) {
    require_positive("rope", "head_dim", head_dim);
    StageFill with_tables = f;
    with_tables.fixed += head_dim / lanes;
    return vector_cycles(tokens, d, lanes, tokens_per_beat, VectorKind::kStream, with_tables);
}

StageCycles fht_cycles(int tokens, int n, int lanes, int tokens_per_beat, const StageFill& f) {
    require_positive("fht", "n", n);
    if (!std::has_single_bit(static_cast<unsigned>(n)))
        throw Error(fmt::format("perf fht: size {} is not a power of two", n));
    const int log2n = std::countr_zero(static_cast<unsigned>(n));
    const int64_t beats = cdiv(n, lanes);
    StageFill pipeline = f;  // the delay lines: a row's beats plus one register per stage
    pipeline.fixed += beats + std::bit_width(static_cast<uint64_t>(beats)) - 1;
    StageCycles c = vector_cycles(tokens, n, lanes, tokens_per_beat, VectorKind::kStream, pipeline);
    c.vec_ops = int64_t{tokens} * n * log2n;
    return c;
}

namespace {

StageCycles attention_pipeline(int64_t passes, int64_t s, int64_t m, int64_t ctxc,
                               bool shared_array, double kv_bytes, const MemChannelParams& kv_mem,
                               const StageFill& f) {
    const int64_t mx = shared_array ? std::max(s + ctxc, m) : std::max({s, m, ctxc});
    StageCycles c;
    c.compute = passes * (mx + f.per_block) + (s + m + ctxc - mx);
    c.memory = transfer_cycles(kv_bytes, sustained_bytes_per_cycle(kv_mem));
    c.fill = f.fixed + kv_mem.latency_cycles;
    finish(c);
    c.first_out = stretched(s + m + 1, c) + c.fill;
    c.in_span = c.busy();
    c.bytes = static_cast<int64_t>(std::llround(kv_bytes));
    return c;
}

}  // namespace

StageCycles attention_decode_cycles(int ctx, const AttnShape& a, int heads_parallel,
                                    int kv_parallel, int lanes, const MemChannelParams& kv_mem,
                                    const StageFill& f) {
    const char* stage = "attention_decode";
    require_positive(stage, "ctx", ctx);
    require_positive(stage, "heads", a.heads);
    require_positive(stage, "kv_heads", a.kv_heads);
    require_positive(stage, "head_dim", a.head_dim);
    require_positive(stage, "heads_parallel", heads_parallel);
    require_positive(stage, "kv_parallel", kv_parallel);
    require_positive(stage, "lanes", lanes);
    require_mem(stage, kv_mem);
    const int64_t passes = cdiv(a.heads, heads_parallel);
    const int64_t s = cdiv(int64_t{ctx} * a.head_dim, kv_parallel);
    const int64_t m = 2 * cdiv(ctx, lanes);
    const int group = std::max(1, a.heads / a.kv_heads);
    const int64_t reread = heads_parallel >= group ? 1 : cdiv(group, heads_parallel);
    const double kv_bytes =
        2.0 * ctx * static_cast<double>(a.kv_heads) * a.head_dim * kKvBytes * reread;
    StageCycles c = attention_pipeline(passes, s, m, s, a.shared_array, kv_bytes, kv_mem, f);
    c.macs8 = 2 * int64_t{a.heads} * ctx * a.head_dim;
    c.vec_ops = 3 * int64_t{a.heads} * ctx;
    return c;
}

StageCycles attention_prefill_cycles(int queries, int keys, const AttnShape& a, int attn_tp,
                                     int attn_kv, int lanes, const MemChannelParams& kv_mem,
                                     const StageFill& f) {
    const char* stage = "attention_prefill";
    require_positive(stage, "queries", queries);
    require_positive(stage, "keys", keys);
    require_positive(stage, "heads", a.heads);
    require_positive(stage, "head_dim", a.head_dim);
    require_positive(stage, "attn_tp", attn_tp);
    require_positive(stage, "attn_kv", attn_kv);
    require_positive(stage, "lanes", lanes);
    require_mem(stage, kv_mem);
    const int64_t rows = cdiv(queries, attn_tp);
    const int64_t q_rows = std::min(queries, attn_tp);
    const int64_t s = rows * cdiv(keys, attn_kv) * a.head_dim;
    const int64_t ctxc = rows * cdiv(a.head_dim, attn_kv) * keys;
    const int64_t m = rows * 2 * cdiv(q_rows * keys, lanes);
    const double kv_bytes =
        static_cast<double>(a.heads) * rows * 2.0 * keys * a.head_dim * kKvBytes;
    StageCycles c = attention_pipeline(a.heads, s, m, ctxc, a.shared_array, kv_bytes, kv_mem, f);
    c.macs8 = 2 * int64_t{a.heads} * queries * keys * a.head_dim;
    c.vec_ops = 3 * int64_t{a.heads} * queries * keys;
    return c;
}

StageCycles kv_write_cycles(int tokens, int kv_dim, const MemChannelParams& mem,
                            const StageFill& f) {
    require_positive("kv_write", "tokens", tokens);
    require_positive("kv_write", "kv_dim", kv_dim);
    require_mem("kv_write", mem);
    StageCycles c;
    const double bytes = 2.0 * tokens * kv_dim * kKvBytes;
    c.memory = transfer_cycles(bytes, sustained_bytes_per_cycle(mem));
    c.fill = f.fixed + mem.latency_cycles;
    finish(c);
    c.first_out = c.total;
    c.in_span = c.memory;
    c.bytes = static_cast<int64_t>(bytes);
    return c;
}

StageCycles embed_cycles(int tokens, int hidden, int tokens_per_beat, int lanes,
                         const MemChannelParams& mem, const StageFill& f) {
    require_positive("embed", "tokens", tokens);
    require_positive("embed", "hidden", hidden);
    require_positive("embed", "tokens per beat", tokens_per_beat);
    require_positive("embed", "lanes", lanes);
    require_mem("embed", mem);
    const int T = tokens_per_beat;
    if (hidden % (T * lanes) != 0)
        throw Error(fmt::format("embed: {} x {} lanes do not divide hidden {}", T, lanes, hidden));
    const double beat_bytes = 4.0 * T * lanes;
    const double per_beat = std::max(1.0, beat_bytes / sustained_bytes_per_cycle(mem));
    const int64_t rb = hidden / (T * lanes), emit = hidden / lanes;
    const int64_t row = static_cast<int64_t>(std::ceil(rb * per_beat));
    const int64_t last_word = static_cast<int64_t>(std::ceil((rb - 1) * per_beat));
    const int64_t lat = mem.latency_cycles;
    const double channel_bytes = mem.bytes_per_cycle * mem.efficiency;
    const int64_t warm = lat - 1 + static_cast<int64_t>(std::ceil(beat_bytes / channel_bytes));
    const int64_t groups = cdiv(tokens, T);
    int64_t resp_next = 0, first_out = 0, prev_accept = 0, prev_n = 0;
    std::vector<int64_t> last_issue;
    for (int64_t g = 0; g < groups; ++g) {
        const int64_t n = std::min<int64_t>(T, tokens - g * T);
        int64_t accept = 0;
        if (g > 0) accept = prev_accept + prev_n + 1;
        if (g > 1) accept = std::max(accept, last_issue[g - 2] + 1);
        int64_t s_last = 0;
        for (int64_t t = 0; t < n; ++t) {
            const int64_t start = std::max({resp_next, accept + 1 + t + lat, warm});
            resp_next = start + row;
            s_last = start;
        }
        const int64_t first = std::max(s_last + 1, g > 0 ? last_issue[g - 1] + 1 : 0);
        last_issue.push_back(std::max(first + emit - 1, s_last + last_word + 1));
        if (g == 0) first_out = first + 2;
        prev_accept = accept;
        prev_n = n;
    }
    StageCycles c;
    const double bytes = 4.0 * tokens * hidden;
    c.compute = groups * emit;
    c.memory = transfer_cycles(bytes, sustained_bytes_per_cycle(mem));
    c.fill = last_issue.back() + 3 + f.fixed - c.busy();
    finish(c);
    c.first_out = first_out + f.fixed;
    c.in_span = resp_next;
    c.bytes = static_cast<int64_t>(bytes);
    c.vec_ops = int64_t{tokens} * hidden;
    return c;
}

StageCycles attn_scores_cycles(int groups, int64_t blocks, int head_dim, const StageFill& f) {
    require_positive("attn_scores", "groups", groups);
    require_positive("attn_scores", "head_dim", head_dim);
    StageCycles c;
    c.compute = blocks * head_dim + int64_t{groups} * f.per_block;
    c.fill = f.fixed;
    finish(c);
    c.first_out = head_dim + f.fixed;
    c.in_span = c.compute;
    return c;
}

StageCycles softmax_cycles(int groups, int64_t blocks, int64_t max_blocks, const StageFill& f) {
    require_positive("softmax", "groups", groups);
    if (max_blocks < 1 || max_blocks > blocks)
        throw Error(fmt::format("softmax: the largest group's {} blocks are not within 1..{}",
                                max_blocks, blocks));
    StageCycles c;
    c.compute = blocks + 2 * max_blocks + int64_t{groups} * f.per_block;
    c.fill = f.fixed;
    finish(c);
    c.first_out = c.total - blocks;
    c.in_span = blocks + 1;
    return c;
}

StageCycles attn_context_cycles(int groups, int64_t blocks, int head_dim, const StageFill& f) {
    require_positive("attn_context", "groups", groups);
    require_positive("attn_context", "head_dim", head_dim);
    StageCycles c;
    c.compute = blocks * head_dim + int64_t{groups} * f.per_block;
    c.fill = f.fixed;
    finish(c);
    c.first_out = c.total;
    c.in_span = c.compute;
    return c;
}

StageCycles kv_cache_cycles(int commands, int64_t write_beats, int lanes, int64_t words,
                            const StageFill& f) {
    require_positive("kv_cache", "commands", commands);
    require_positive("kv_cache", "lanes", lanes);
    StageCycles c;
    c.compute = commands + write_beats * lanes + words;
    c.fill = f.fixed;
    finish(c);
    c.first_out = c.total;
    c.in_span = c.compute;
    return c;
}

StageCycles sample_cycles(int vocab, int lanes, int top_k, const StageFill& f) {
    require_positive("sample", "vocab", vocab);
    require_positive("sample", "lanes", lanes);
    if (top_k < 0) throw Error("perf sample: top_k must be >= 0");
    StageCycles c;
    c.in_span = cdiv(vocab, lanes);
    c.compute = c.in_span + (top_k > 1 ? top_k + kSampleDraw : 0);
    c.fill = f.fixed;
    finish(c);
    c.first_out = c.total;
    c.vec_ops = vocab;
    return c;
}

}  // namespace flexllm::perf
