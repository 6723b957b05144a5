// libFuzzer target: the model config TOML reader (golden::parse_model_config) on arbitrary text,
// then the parsed config written back (to_toml). Bad input must be a flexllm::Error.
#include <cstddef>
#include <cstdint>

#include "golden/error.h"
#include "golden/model_config.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace flexllm;
    try {
        const golden::ModelConfig c =
            golden::parse_model_config(fuzz::toml_text_of(data, size), "fuzz");
        (void)c.to_toml();
        (void)c.group();
    } catch (const Error&) {
    }
    return 0;
}
