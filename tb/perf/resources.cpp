// Resource estimate: engines, attention, vector units and their buffers.
#include "tb/perf/resources.h"

#include <fmt/format.h>

#include <algorithm>

namespace flexllm::perf {

namespace {

int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Weight-stream FIFO depth per lane: covers the HBM request latency with bursts in flight.
constexpr int64_t kWeightFifoDepth = 512;
// Prefill residual skip FIFOs hold this many token tiles (V|O runs one tile ahead of O).
constexpr int64_t kResidualTiles = 4;
// Widths of the fixed-point operands (golden/NUMERICS.md, hls_src/kernels/*.h).
constexpr int kAct = 32;       // activations
constexpr int kCoef = 17;      // 16-bit coefficients (gamma, cos/sin, scales) as signed
constexpr int kQuantInv = 50;  // quant_token: (x - zero) * floor(2^48 / range), 33 x 50 signed
constexpr int kDequantT = 72;  // linear dequant: t (72-bit) * m (uint16)

struct Builder {
    const FpgaDevice& dev;
    ResourceEstimate est;

    ResourceLine& line(const std::string& name) {
        est.lines.push_back(ResourceLine{name});
        return est.lines.back();
    }
    void buffer(ResourceLine& l, int64_t width_bits, int64_t depth, int copies = 1) {
        const MemBlocks b = map_buffer(width_bits, depth, copies);
        l.bram36 += b.bram36;
        l.uram += b.uram;
    }
    // cos/sin (int16 pair) of every position and frequency, read for e/2 pairs per beat.
    void rope_table(ResourceLine& l, int64_t e, int64_t head_dim, int64_t positions) {
        const int64_t pairs = std::max<int64_t>(1, std::min(e, head_dim) / 2);
        buffer(l, pairs * 32, cdiv(positions * head_dim / 2, pairs));
    }
    int64_t mult(int a, int b) const { return dev.dsps_for_mult(a, b); }
    int64_t dequant_dsps(int64_t channels_per_beat) const {
        return channels_per_beat * (mult(kAct, kAct) + mult(kDequantT, kCoef));
    }
    void engine(const std::string& name, int64_t rows, int64_t streams, int64_t wp_per_stream,
                int64_t d_max, int64_t act_lanes) {
        ResourceLine& l = line(name);
        const int64_t macs = rows * streams * wp_per_stream;
        l.dsp = cdiv(macs, dev.int4_macs_per_dsp) + dequant_dsps(wp_per_stream);
        buffer(l, rows * act_lanes * 4, cdiv(d_max, act_lanes));  // activation codes
        buffer(l, wp_per_stream * 4, kWeightFifoDepth, static_cast<int>(streams));  // weights
    }
};

}  // namespace

MemBlocks map_buffer(int64_t width_bits, int64_t depth, int copies) {
    if (width_bits <= 0 || depth <= 0 || copies <= 0) return {};
    // Block RAM: the cheapest aspect ratio of a 36 Kb block.
    static constexpr std::pair<int64_t, int64_t> kBram[] = {
        {72, 512}, {36, 1024}, {18, 2048}, {9, 4096}};
    int64_t bram = INT64_MAX;
    for (auto [w, d] : kBram) bram = std::min(bram, cdiv(width_bits, w) * cdiv(depth, d));
    const int64_t uram = cdiv(width_bits, 72) * cdiv(depth, 4096);
    // A URAM holds 8x the bits of a BRAM36. Deep buffers (a URAM's 4K words or more) go to URAM,
    // as HLS designs bind them; shallower ones only when URAM needs no more silicon.
    if (depth >= 4096 || uram * 8 <= bram) return {0, uram * copies};
    return {bram * copies, 0};
}

ResourceEstimate estimate_resources(const Design& d, int max_ctx) {
    const auto& m = d.model;
    const auto& pf = d.arch.prefill;
    const auto& dc = d.arch.decode;
    const int64_t H = m.hidden, Q = m.q_dim(), F = m.intermediate, hd = m.head_dim;
    Builder b{d.device, {}};

    // ---- prefill engines (TP tokens per beat, one reduction index per cycle) ----
    b.engine("prefill K|Q engine", pf.tp, 1, pf.kq_wp, H, 1);
    b.engine("prefill V|O engine", pf.tp, 1, pf.vo_wp, std::max(H, Q), 1);
    const int64_t fstream = pf.ffn_wp / pf.ffn_blocks;
    if (d.options.ffn_engines == 3) {
        b.engine("prefill gate engine", pf.tp, pf.ffn_blocks, fstream, H, 1);
        b.engine("prefill up engine", pf.tp, pf.ffn_blocks, fstream, H, 1);
        b.engine("prefill down engine", pf.tp, pf.ffn_blocks, fstream, F, 1);
    } else {
        b.engine("prefill FFN engine", pf.tp, pf.ffn_blocks, fstream, F, 1);
    }
    {
        ResourceLine& l = b.line("prefill attention");
        l.dsp = cdiv(2 * int64_t{pf.attn_tp} * pf.attn_kv, d.device.int8_macs_per_dsp) +
                int64_t{pf.lanes} * b.mult(kCoef, kCoef);  // softmax normalisation
        b.buffer(l, int64_t{pf.attn_tp} * 8, hd);          // Q tile
        b.buffer(l, int64_t{pf.attn_kv} * 8, 2 * hd, 2);   // K and V blocks, 2 deep
        b.buffer(l, int64_t{pf.attn_tp} * kAct, max_ctx);  // scores of a row
        b.buffer(l, int64_t{pf.attn_tp} * 8, max_ctx);     // uint8 probabilities
    }
    {
        // Vector units: a beat holds TP tokens x max(1, lanes / TP) elements.
        const int64_t vl = std::max(1, pf.lanes / pf.tp);
        const int64_t e = int64_t{pf.tp} * vl;
        ResourceLine& l = b.line("prefill vector units");
        l.dsp = e * (2 * 2 * b.mult(kAct, kCoef)                 // 2 RMSNorms: rsqrt, gamma
                     + 2 * b.mult(kAct, kCoef)                   // RoPE
                     + b.mult(kAct, kCoef)                       // quant_static
                     + b.mult(kAct, kAct) + b.mult(kAct, kCoef)  // SwiGLU
                     + b.mult(kAct, kCoef)) +                    // embedding dequant
                4 * int64_t{pf.tp} * b.mult(33, kQuantInv);      // 4 quant_token units
        for (int64_t din : {H, H}) b.buffer(l, e * kAct, cdiv(din, vl));           // RMSNorm rows
        for (int64_t din : {H, Q, H, F}) b.buffer(l, int64_t{pf.tp} * kAct, din);  // quant rows
        b.buffer(l, e * kAct, kResidualTiles * cdiv(H, vl), 2);  // residual skip FIFOs
        b.buffer(l, e * kAct, 2 * cdiv(F, vl));                  // FHT ping-pong
        b.rope_table(l, e, hd, max_ctx);                         // RoPE cos/sin
    }

    // ---- decode ----
    b.engine("decode GEMV engine", 1, dc.bp, dc.wp, std::max({H, Q, F}), dc.lanes);
    {
        ResourceLine& l = b.line("decode attention");
        l.dsp = cdiv(2 * int64_t{dc.heads_parallel} * dc.kv_parallel, d.device.int8_macs_per_dsp) +
                int64_t{dc.lanes} * b.mult(kCoef, kCoef);
        b.buffer(l, hd * 8, m.heads);  // Q (int8)
        b.buffer(l, int64_t{dc.kv_parallel} * 8, kWeightFifoDepth, 2 * dc.heads_parallel);
        b.buffer(l, int64_t{dc.heads_parallel} * kAct, max_ctx);  // scores
        b.buffer(l, int64_t{dc.heads_parallel} * 8, max_ctx);     // probabilities
    }
    {
        const int64_t e = dc.lanes;
        ResourceLine& l = b.line("decode vector units");
        l.dsp = e * (2 * b.mult(kAct, kCoef) + 2 * b.mult(kAct, kCoef) + b.mult(kAct, kCoef) +
                     b.mult(kAct, kAct) + b.mult(kAct, kCoef) + b.mult(kAct, kCoef) +
                     b.mult(33, kQuantInv));
        b.buffer(l, e * kAct, cdiv(H, e));      // RMSNorm row
        b.buffer(l, e * kAct, cdiv(F, e));      // quant_token row
        b.buffer(l, e * kAct, cdiv(H, e));      // residual
        b.buffer(l, e * kAct, 2 * cdiv(F, e));  // FHT ping-pong
        b.rope_table(l, e, hd, max_ctx);
    }

    ResourceEstimate& est = b.est;
    for (const auto& l : est.lines) {
        est.dsp += l.dsp;
        est.bram36 += l.bram36;
        est.uram += l.uram;
    }
    const FpgaDevice& dev = d.device;
    est.dsp_util = static_cast<double>(est.dsp) / dev.dsp;
    est.bram_util = dev.bram36 > 0 ? static_cast<double>(est.bram36) / dev.bram36 : 0;
    est.uram_util = dev.uram > 0 ? static_cast<double>(est.uram) / dev.uram : 0;
    est.binding = "dsp";
    double worst = est.dsp_util;
    if (est.bram_util > worst) worst = est.bram_util, est.binding = "bram36";
    if (est.uram_util > worst) worst = est.uram_util, est.binding = "uram";
    est.fits = worst <= dev.max_utilization;
    return est;
}

}  // namespace flexllm::perf
