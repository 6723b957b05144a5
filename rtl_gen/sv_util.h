// Helpers shared by the SystemVerilog emitters: the file header, the port list, an instance of a
// hand-written core with the top's ports passed through, index widths.
#pragma once

#include <string>
#include <vector>

#include "rtl_gen/generator.h"

namespace flexllm::rtlgen {

// Bits of an index into n entries (at least 1).
int index_width(int n);

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

}  // namespace flexllm::rtlgen
