// libFuzzer target: the safetensors reader on arbitrary bytes: golden::SafetensorsFile (every
// tensor read as float with its own shape) and golden::load_safetensors for a micro Llama config
// (tests/fuzz/micro_model.h, the config the seed corpus was written for).
#include <cstddef>
#include <cstdint>

#include "golden/error.h"
#include "golden/safetensors.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/fuzz/micro_model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace flexllm;
    const std::string path = fuzz::write_scratch("model.safetensors", data, size);
    try {
        const golden::SafetensorsFile f(path);
        (void)f.metadata();
        for (const std::string& name : f.names()) {
            try {
                (void)f.read_f32(name, f.info(name).shape);
            } catch (const Error&) {
            }
        }
    } catch (const Error&) {
    }
    try {
        (void)golden::load_safetensors(fuzz::micro_config(), path);
    } catch (const Error&) {
    }
    return 0;
}
