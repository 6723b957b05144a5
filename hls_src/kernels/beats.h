// Beat types of the vector-stage and linear kernel streams (one hls::vector per beat), matching
// the RTL stream layouts listed in each generated manifest (rtl_gen/README.md).
#pragma once

#include <ap_int.h>
#include <hls_vector.h>

#include "hls_src/kernel_params.h"

namespace flexllm::kern {

// Per-token quantization parameters: the token minimum (zero point) and max - min.
struct ZeroRange {
    ap_int<32> zero;
    ap_uint<32> range;
};

// Per-output-channel dequantization parameters: sum of the int4 weights of the row, and the
// scale as a 16-bit mantissa m and right shift (value m * 2^-shift).
struct ChanParam {
    ap_int<32> rowsum;
    ap_uint<16> m;
    ap_uint<6> shift;
};

// A vector stage's beat of int32 activations: [token][lane].
template <VectorShape S>
using ActVecBeat = hls::vector<ap_int<32>, S.tokens * S.lanes>;
template <VectorShape S>
using QuantInBeat = ActVecBeat<S>;
template <VectorShape S>
using QuantCodeBeat = hls::vector<ap_uint<4>, S.tokens * S.lanes>;
template <int Tokens>
using ZeroRangeBeat = hls::vector<ZeroRange, Tokens>;

template <LinearShape S>
using ActBeat = hls::vector<ap_uint<4>, S.rows * S.act_lanes>;  // [row][lane]
template <LinearShape S>
using WeightBeat = hls::vector<ap_int<4>, S.wp>;
template <LinearShape S>
using ChanBeat = hls::vector<ChanParam, S.wp>;
template <LinearShape S>
using OutBeat = hls::vector<ap_int<32>, S.wp>;

}  // namespace flexllm::kern
