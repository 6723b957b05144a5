// libFuzzer target: the golden-vector container reader (golden::GoldenReader) on arbitrary bytes:
// open, every entry by name, verify_all(). Bad input must be a flexllm::Error.
#include <cstddef>
#include <cstdint>

#include "golden/container.h"
#include "golden/error.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace flexllm;
    const std::string path = fuzz::write_scratch("input.gv", data, size);
    try {
        const golden::GoldenReader r(path);
        (void)r.meta_json();
        for (const std::string& name : r.names()) {
            (void)r.has(name);
            try {
                const Tensor t = r.read(name);
                (void)t;
            } catch (const Error&) {
            }
        }
        (void)r.verify_all();
        (void)r.read("no such tensor");
    } catch (const Error&) {
    }
    return 0;
}
