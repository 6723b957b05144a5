// libFuzzer target: the generated-RTL manifest reader (tb::check_manifest) on arbitrary bytes
// written as <scratch>/rtl/tiny_a/<module>.json. Bad input (and stale RTL) must be a
// flexllm::Error.
#include <cstddef>
#include <cstdint>

#include "golden/error.h"
#include "tb/cases.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace flexllm;
    const std::string module = "linear_decode_tiny_a";
    fuzz::write_scratch("rtl/tiny_a/" + module + ".json", data, size);
    try {
        tb::check_manifest((fuzz::scratch_dir() / "rtl").string(), "tiny_a", module, 64);
    } catch (const Error&) {
    }
    return 0;
}
