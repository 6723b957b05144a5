// libFuzzer target: the sharded-checkpoint index (model.safetensors.index.json) of
// golden::load_safetensors on arbitrary bytes, next to two fixed shards of the micro Llama model
// (tests/fuzz/micro_model.h) written once at start-up: model-00001-of-00002.safetensors (the
// embedding and layer 0's attention) and model-00002-of-00002.safetensors (the rest).
#include <cstddef>
#include <cstdint>

#include "golden/error.h"
#include "golden/safetensors.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/fuzz/micro_model.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    flexllm::fuzz::write_micro_shards(flexllm::fuzz::scratch_dir().string());
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace flexllm;
    const std::string path = fuzz::write_scratch("model.safetensors.index.json", data, size);
    try {
        (void)golden::load_safetensors(fuzz::micro_config(), path);
    } catch (const Error&) {
    }
    return 0;
}
