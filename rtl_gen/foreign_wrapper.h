// RTL from outside the generator: a wrapper with the ports the harness drives (a variant's port
// specs: clk, rst active high, AXI-Stream <stream>_tvalid/_tready/_tdata/_tlast, scalar ports)
// around a top written to another convention — Vitis HLS (ap_clk, ap_rst_n, AXI-Stream
// <arg>_TDATA/_TVALID/_TREADY[/_TLAST], block protocol ap_ctrl_none/hs/chain, ap_none scalars)
// or TAPA (ap_clk, ap_rst_n, FIFO ports <p>_dout/_empty_n/_read and <p>_din/_full_n/_write,
// optionally with TAPA's end-of-transaction bit above the data).
#pragma once

#include <string>
#include <vector>

#include "rtl_gen/generator.h"

namespace flexllm::rtlgen {

enum class Convention { kVitis, kTapa };
enum class BlockControl { kNone, kHs, kChain };  // ap_ctrl_none, ap_ctrl_hs, ap_ctrl_chain

// One harness stream mapped onto a port of the foreign top, with the packing of its data word.
struct ForeignStream {
    std::string stream;        // the harness's stream (s_axis_x, m_axis_z)
    std::string port;          // the top's port stem (x: x_TDATA ... or x_dout ...)
    int lanes = 0;             // elements per word: the kernel's
    bool elem_signed = false;  // the elements' type: the kernel's
    int data_width = 0;        // the port's data bits (>= lanes x elem_width; the rest is padding)
    int elem_width = 0;        // bits per element (inputs: >= the harness's, extended; outputs: =)
    bool msb_first = false;    // lane 0 in the top bits of the word (else in the bottom bits)
    bool last = false;         // Vitis: the port has <port>_TLAST
    bool eot = false;          // TAPA: the FIFO word carries the end-of-transaction bit on top
};

struct ForeignScalar {
    std::string scalar;  // the harness's scalar (cfg_d, status_err)
    std::string port;    // the top's port
};

struct ForeignTop {
    std::string top;  // the foreign module
    Convention convention = Convention::kVitis;
    BlockControl control = BlockControl::kNone;
    std::string clock = "ap_clk";
    std::string reset = "ap_rst_n";  // active low
    std::vector<ForeignStream> streams;
    std::vector<ForeignScalar> scalars;  // unmapped: inputs unused, outputs read 0
};

// The wrapper `name` with the ports of `spec` around one instance of `top`: the block protocol
// started and kept running (ap_start, ap_continue high), each data word repacked lane by lane,
// TAPA end-of-transaction words dropped from outputs. Streams whose port carries no tlast (TAPA,
// Vitis without TLAST) come back with `last` false: the harness checks their data, not tlast.
// Throws Error on a mapping that cannot hold the spec (lanes or widths, a missing stream).
Module foreign_wrapper(const Module& spec, const ForeignTop& top, const std::string& name);

}  // namespace flexllm::rtlgen
