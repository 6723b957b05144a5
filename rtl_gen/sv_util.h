// Helpers shared by the SystemVerilog emitters: the file header, the port list, an instance of a
// hand-written core with the top's ports passed through, index widths.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rtl_gen/generator.h"

namespace flexllm::rtlgen {

// Bits of an index into n entries (at least 1).
int index_width(int n);
// The packed range of a `width`-bit declaration: "" for one bit, else "[width-1:0] ".
std::string sv_range(int width);
// Bits of a two's-complement accumulator that holds every sum of `terms` terms in
// [-max_term, max_term]: the least b with 2^(b-1) > max_term * terms (at least 2).
int signed_sum_width(int64_t max_term, int64_t terms);

struct SvParam {
    std::string name, value;
};

class SvWriter {
  public:
    void header(const Module& m);  // "generated" first line and the module's purpose
    void ports(const Module& m);   // module <name> ( ... );
    // `module #(params) inst (...)` connecting clk, rst and every port of `top` by name.
    void instance(const std::string& module, const std::vector<SvParam>& params,
                  const std::string& inst, const Module& top);
    void line(const std::string& s) { out_ += s + "\n"; }
    const std::string& str() const { return out_; }

  private:
    std::string out_;
};

// The phase of a two-variant kernel's module: prefill for <kernel>_prefill, else decode.
kern::Phase variant_phase(const Module& m);
// The ports of a vector stage of shape `s`: cfg_d (then `extra` input scalars) and status_err,
// and per named stream T x L signed int32 lanes, cfg_d / lanes beats per transaction.
void vector_ports(Module& m, const kern::VectorShape& s, const std::vector<std::string>& inputs,
                  const std::vector<std::string>& outputs,
                  const std::vector<ScalarPort>& extra = {});
// The ports every attention engine of shape `s` shares: the `extra` input scalars, status_err and
// the group header s_axis_hdr ({nrows[31:16], qpos0[15:0]}, one beat per group); its shape.
void attn_ports(Module& m, const kern::AttnShape& s, const std::vector<ScalarPort>& extra);
// The module parameters of an attention core: R, K, SETS, TOKEN_ROWS, HD_MAX, P_MAX (those named).
std::vector<SvParam> attn_params(const kern::AttnShape& s, const std::vector<std::string>& names);
// The EXP2 table of golden/NUMERICS.md §3 as the ROM flexllm_exp2_rom (e <= EXP2[k] when en).
Module::Generated exp2_rom();
// A generated top around the hand-written core `core` of rtl_gen/sv/: the header, the ports of
// `m`, one instance of the core with `params` and every port passed through by name.
void wrap_core(Module& m, const std::string& core, const std::vector<SvParam>& params);
// The FAULT parameter value of a hand-written core: 0 for none, else 1 + the index of the fault
// in `kinds` (the core's FAULT encoding, in the order its header lists them).
int fault_code(const std::string& fault, const std::vector<std::string>& kinds);

}  // namespace flexllm::rtlgen
