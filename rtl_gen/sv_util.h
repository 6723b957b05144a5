// Helpers shared by the SystemVerilog emitters: the file header, the port list, index widths.
#pragma once

#include <string>

#include "rtl_gen/generator.h"

namespace flexllm::rtlgen {

// Bits of an index into n entries (at least 1).
int index_width(int n);

class SvWriter {
  public:
    void header(const Module& m);  // "generated" first line and the module's purpose
    // The same first line for a submodule of `top`, then `purpose` as a comment.
    void sub_header(const Module& top, const std::string& sub, const std::string& purpose);
    void ports(const Module& m);  // module <name> ( ... );
    void line(const std::string& s) { out_ += s + "\n"; }
    const std::string& str() const { return out_; }

  private:
    std::string out_;
};

// systolic: the prefill array (codes and weights skewed through registers, one PE hop per cycle);
// otherwise the decode GEMV (codes broadcast to every PE in the same cycle).
void build_linear(Module& m, const kern::LinearShape& s, bool systolic, Fault fault);
void build_quant(Module& m, const kern::QuantShape& s);

}  // namespace flexllm::rtlgen
