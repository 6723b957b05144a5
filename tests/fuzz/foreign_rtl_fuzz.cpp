// libFuzzer target: the bring-your-own-RTL manifest reader (tb::read_foreign_rtl) on arbitrary
// bytes written as <scratch>/own/rtl.json beside a source file residual.v, then the wrapper the
// harness would Verilate (tb::foreign_rtl_module for residual_decode at tiny_a). Bad input must
// be a flexllm::Error.
#include <cstddef>
#include <cstdint>

#include "golden/error.h"
#include "golden/model_config.h"
#include "hls_src/arch_config.h"
#include "tb/cases.h"
#include "tb/foreign_rtl.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace flexllm;
    static const std::string source = [] {
        const std::string v = "module residual_vitis; endmodule\n";
        return fuzz::write_scratch("own/residual.v", v.data(), v.size());
    }();
    static const kern::ModelBounds bounds = kern::model_bounds(golden::load_model_config("tiny"));
    const std::string path = fuzz::write_scratch("own/rtl.json", data, size);
    try {
        const tb::ForeignRtl f = tb::read_foreign_rtl(path);
        (void)tb::foreign_rtl_module(f, kern::load_arch_config(f.arch), bounds);
    } catch (const Error&) {
    }
    return 0;
}
