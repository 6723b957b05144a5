// Direct C-sim drivers of the C-sim unit tests: pack golden tensors into kernel beats, run a
// kernel (or a quant_token -> linear dataflow chain) on any shape and d_in and unpack the
// outputs. (`flexllm regress` drives the kernels through the registry's C-sim engine instead.)
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "golden/ops_ref.h"
#include "hls_src/kernels/linear_decode.h"
#include "hls_src/kernels/linear_prefill.h"
#include "hls_src/kernels/quant_token.h"
#include "tb/csim_shapes.h"
#include "tb/stimulus.h"

namespace flexllm::csim {

using kern::LinearShape;
using kern::VectorShape;

// The configs' shapes as compile-time values: names for the generated tb/csim_shapes.h
// constants (rtl_gen derives them from the arch configs; the tests check them against the
// derivation in hls_src/kernel_params.h).
namespace tiny_a {
namespace g = shapes::tiny_a;
inline constexpr VectorShape kQuantPrefill = g::quant_token_prefill;
inline constexpr VectorShape kQuantDecode = g::quant_token_decode;
inline constexpr LinearShape kKq = g::linear_prefill_kq;
inline constexpr LinearShape kVo = g::linear_prefill_vo;
inline constexpr LinearShape kFfn = g::linear_prefill_ffn;
inline constexpr LinearShape kDecode = g::linear_decode;
}  // namespace tiny_a
inline constexpr int kDMax = tiny_a::kDecode.d_max;
namespace tiny_b {
namespace g = shapes::tiny_b;
inline constexpr VectorShape kQuantPrefill = g::quant_token_prefill;
inline constexpr VectorShape kQuantDecode = g::quant_token_decode;
inline constexpr LinearShape kKq = g::linear_prefill_kq;
inline constexpr LinearShape kVo = g::linear_prefill_vo;
inline constexpr LinearShape kFfn = g::linear_prefill_ffn;
inline constexpr LinearShape kDecode = g::linear_decode;
}  // namespace tiny_b
// The production design: arch u280_mem_opt with the llama-3.2-1b dims (d_max = the largest d_in,
// down_proj's intermediate 8192).
namespace u280_mem_opt {
namespace g = shapes::u280_mem_opt;
inline constexpr int kDMax = g::linear_decode.d_max;
inline constexpr VectorShape kQuantPrefill = g::quant_token_prefill;
inline constexpr VectorShape kQuantDecode = g::quant_token_decode;
inline constexpr LinearShape kKq = g::linear_prefill_kq;
inline constexpr LinearShape kVo = g::linear_prefill_vo;
inline constexpr LinearShape kFfn = g::linear_prefill_ffn;
inline constexpr LinearShape kDecode = g::linear_decode;
}  // namespace u280_mem_opt

struct QuantResult {
    std::vector<std::vector<uint8_t>> q;  // [token][d]
    std::vector<int32_t> zero;
    std::vector<uint32_t> range;
};

// One token group (tokens t0 .. t0 + S.tokens - 1, missing tokens padded with zeros) through
// quant_token. Checks the stream contract of quant_token.h -- d / lanes beats in, every one
// consumed, one zero/range beat and d / lanes code beats out -- and throws std::runtime_error
// naming the stream otherwise. Appends the group's real tokens to r.
template <VectorShape S>
void run_quant_group(const std::vector<std::vector<int32_t>>& x, int t0, QuantResult& r) {
    const int d = static_cast<int>(x[0].size()), n = static_cast<int>(x.size());
    const int beats = d / S.lanes;
    auto check = [](bool ok, const std::string& what) {
        if (!ok) throw std::runtime_error("quant_token stream contract: " + what);
    };
    hls::stream<kern::QuantInBeat<S>> in("x");
    hls::stream<kern::QuantCodeBeat<S>> codes("q");
    hls::stream<kern::ZeroRangeBeat<S.tokens>> zr("zr");
    for (int b = 0; b < beats; ++b) {
        kern::QuantInBeat<S> beat;
        for (int t = 0; t < S.tokens; ++t)
            for (int l = 0; l < S.lanes; ++l)
                beat[t * S.lanes + l] = t0 + t < n ? x[t0 + t][b * S.lanes + l] : 0;
        in.write(beat);
    }
    kern::quant_token<S>(in, codes, zr, d);
    check(in.empty(), std::to_string(in.size()) + " input beats not consumed");
    check(zr.size() == 1u, std::to_string(zr.size()) + " zero/range beats instead of 1");
    check(codes.size() == static_cast<size_t>(beats),
          std::to_string(codes.size()) + " code beats instead of " + std::to_string(beats));
    const auto z = zr.read();
    std::vector<std::vector<uint8_t>> q(S.tokens, std::vector<uint8_t>(d));
    for (int b = 0; b < beats; ++b) {
        const auto beat = codes.read();
        for (int t = 0; t < S.tokens; ++t)
            for (int l = 0; l < S.lanes; ++l)
                q[t][b * S.lanes + l] = static_cast<uint8_t>(beat[t * S.lanes + l].to_uint());
    }
    for (int t = 0; t < S.tokens && t0 + t < n; ++t) {
        r.q.push_back(q[t]);
        r.zero.push_back(z[t].zero.to_int());
        r.range.push_back(z[t].range.to_uint());
    }
}

// Runs quant_token over every token (groups of S.tokens) through run_quant_group.
template <VectorShape S>
QuantResult run_quant(const std::vector<std::vector<int32_t>>& x) {
    QuantResult r;
    for (int t0 = 0; t0 < static_cast<int>(x.size()); t0 += S.tokens) run_quant_group<S>(x, t0, r);
    return r;
}

template <LinearShape S>
void push_weights(const golden::LinearParamsRef& w, int n_cb,
                  hls::stream<kern::WeightBeat<S>> (&ws)[S.lanes],
                  hls::stream<kern::ChanBeat<S>>& chan) {
    for (int cb = 0; cb < n_cb; ++cb) {
        for (int l = 0; l < S.lanes; ++l) {
            kern::ChanBeat<S> c;
            for (int i = 0; i < S.wp; ++i) {
                const int j = cb * S.cols() + l * S.wp + i;
                if (j < w.d_out) {
                    c[i].rowsum = w.rowsum[j];
                    c[i].m = w.mult[j].m;
                    c[i].shift = w.mult[j].shift;
                }
            }
            chan.write(c);
        }
        for (int k = 0; k < w.d_in; ++k)
            for (int l = 0; l < S.lanes; ++l) {
                kern::WeightBeat<S> b;
                for (int i = 0; i < S.wp; ++i) {
                    const int j = cb * S.cols() + l * S.wp + i;
                    b[i] = j < w.d_out ? w.w[static_cast<size_t>(j) * w.d_in + k] : 0;
                }
                ws[l].write(b);
            }
    }
}

// One token block (tokens t0 .. t0 + S.rows - 1) through the linear kernel: linear_decode for
// S.rows == 1, linear_prefill's systolic array otherwise. With `chain`, the int32 tokens s.x go
// through the quant_token kernel first (dataflow quant_token -> linear); otherwise the codes `xq`
// are fed. Checks the stream contract of linear_engine.h -- act d_in / act_lanes beats, zr 1
// beat, w[l] n_cb * d_in beats each, chan n_cb * lanes beats in, every input consumed, exactly
// n_cb * rows * lanes output beats -- and throws std::runtime_error naming the stream otherwise.
// Appends y[token][n_cb * cols] for the block's real tokens.
template <LinearShape S>
void run_linear_block(const tb::LinearStimulus& s, const std::vector<golden::TokenQuant>& xq,
                      int t0, int n_cb, bool chain, std::vector<std::vector<int32_t>>& y) {
    const int d_in = s.w.d_in, cols = S.cols();
    const int n = static_cast<int>(chain ? s.x.size() : xq.size());
    auto check = [](bool ok, const std::string& what) {
        if (!ok) throw std::runtime_error("linear stream contract: " + what);
    };
    hls::stream<kern::ActBeat<S>> act("act");
    hls::stream<kern::ZeroRangeBeat<S.rows>> zr("zr");
    hls::stream<kern::WeightBeat<S>> ws[S.lanes];
    hls::stream<kern::ChanBeat<S>> chan("chan");
    hls::stream<kern::OutBeat<S>> out("y");
    if (chain) {
        constexpr VectorShape kQ{S.rows, S.act_lanes, S.d_max};
        hls::stream<kern::QuantInBeat<kQ>> in("x");
        for (int b = 0; b < d_in / S.act_lanes; ++b) {
            kern::QuantInBeat<kQ> beat;
            for (int r = 0; r < S.rows; ++r)
                for (int e = 0; e < S.act_lanes; ++e)
                    beat[r * S.act_lanes + e] = t0 + r < n ? s.x[t0 + r][b * S.act_lanes + e] : 0;
            in.write(beat);
        }
        kern::quant_token<kQ>(in, act, zr, d_in);
        check(in.empty(), "quant_token left input beats");
    } else {
        kern::ZeroRangeBeat<S.rows> z;
        for (int r = 0; r < S.rows && t0 + r < n; ++r) {
            z[r].zero = xq[t0 + r].zero;
            z[r].range = xq[t0 + r].range;
        }
        zr.write(z);
        for (int b = 0; b < d_in / S.act_lanes; ++b) {
            kern::ActBeat<S> beat;
            for (int r = 0; r < S.rows; ++r)
                for (int e = 0; e < S.act_lanes; ++e)
                    beat[r * S.act_lanes + e] = t0 + r < n ? xq[t0 + r].q[b * S.act_lanes + e] : 0;
            act.write(beat);
        }
    }
    push_weights<S>(s.w, n_cb, ws, chan);
    check(act.size() == static_cast<size_t>(d_in / S.act_lanes), "activation beats in");
    check(zr.size() == 1u, "zero/range beats in");
    check(chan.size() == static_cast<size_t>(n_cb * S.lanes), "channel-parameter beats in");
    for (int l = 0; l < S.lanes; ++l)
        check(ws[l].size() == static_cast<size_t>(n_cb) * d_in, "weight beats in");
    if constexpr (S.rows == 1)  // one token in flight: the decode GEMV
        kern::linear_decode<S>(act, zr, ws, chan, out, d_in, n_cb);
    else  // a token block: the prefill systolic array
        kern::linear_prefill<S>(act, zr, ws, chan, out, d_in, n_cb);
    check(act.empty(), std::to_string(act.size()) + " activation beats left");
    check(zr.empty(), std::to_string(zr.size()) + " zero/range beats left");
    check(chan.empty(), std::to_string(chan.size()) + " channel-parameter beats left");
    for (int l = 0; l < S.lanes; ++l)
        check(ws[l].empty(),
              std::to_string(ws[l].size()) + " weight beats left on lane " + std::to_string(l));
    check(out.size() == static_cast<size_t>(n_cb) * S.rows * S.lanes,
          std::to_string(out.size()) + " output beats instead of " +
              std::to_string(n_cb * S.rows * S.lanes));
    std::vector<std::vector<int32_t>> blk(S.rows, std::vector<int32_t>(n_cb * cols));
    for (int cb = 0; cb < n_cb; ++cb)
        for (int r = 0; r < S.rows; ++r)
            for (int l = 0; l < S.lanes; ++l) {
                const auto b = out.read();
                for (int i = 0; i < S.wp; ++i) blk[r][cb * cols + l * S.wp + i] = b[i].to_int();
            }
    for (int r = 0; r < S.rows && t0 + r < n; ++r) y.push_back(blk[r]);
}

// Every token of `s` (token blocks of S.rows) through run_linear_block. Returns
// y[token][d_out_pad].
template <LinearShape S>
std::vector<std::vector<int32_t>> run_linear(const tb::LinearStimulus& s, bool chain) {
    const int n_cb = (s.w.d_out + S.cols() - 1) / S.cols();
    std::vector<std::vector<int32_t>> y;
    for (int t0 = 0; t0 < static_cast<int>(s.x.size()); t0 += S.rows)
        run_linear_block<S>(s, s.xq, t0, n_cb, chain, y);
    return y;
}

}  // namespace flexllm::csim
