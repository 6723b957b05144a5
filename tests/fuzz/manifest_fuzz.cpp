// libFuzzer target: the RTL manifest readers (tb::check_manifest for generated RTL,
// tb::read_rtl_module for the ports and sources) on arbitrary bytes written as
// <scratch>/rtl/tiny_a/<module>.json. Bad input (and stale RTL) must be a flexllm::Error.
#include <cstddef>
#include <cstdint>

#include "golden/error.h"
#include "hls_src/arch_config.h"
#include "tb/cases.h"
#include "tb/model_cache.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace flexllm;
    const std::string module = "linear_decode_tiny_a";
    static const kern::ArchParams arch = kern::load_arch_config("tiny_a");
    fuzz::write_scratch("rtl/tiny_a/" + module + ".json", data, size);
    try {
        tb::check_manifest((fuzz::scratch_dir() / "rtl").string(), arch, module, 64);
    } catch (const Error&) {
    }
    try {
        (void)tb::read_rtl_module((fuzz::scratch_dir() / "rtl" / "tiny_a").string(), module);
    } catch (const Error&) {
    }
    return 0;
}
