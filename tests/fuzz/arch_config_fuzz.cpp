// libFuzzer target: the architecture config TOML reader (kern::parse_arch_config) on arbitrary
// text, then the parsed params written back (to_toml) and hashed. Bad input must be a
// flexllm::Error.
#include <cstddef>
#include <cstdint>

#include "golden/error.h"
#include "hls_src/arch_config.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace flexllm;
    try {
        const kern::ArchParams p = kern::parse_arch_config(fuzz::toml_text_of(data, size), "fuzz");
        (void)kern::to_toml(p);
        (void)kern::params_hash(p);
    } catch (const Error&) {
    }
    return 0;
}
