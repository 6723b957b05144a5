// libFuzzer target: the cycle-record JSON reader (perf::parse_cycle_records: "flexllm-cycles-v1"
// files and `flexllm regress --json` reports) on arbitrary text, then every record's model
// prediction (perf::predict). Bad input must be a flexllm::Error.
#include <cstddef>
#include <cstdint>

#include "golden/error.h"
#include "tb/perf/measured.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace flexllm;
    try {
        for (const perf::CycleRecord& r :
             perf::parse_cycle_records(fuzz::text_of(data, size), "fuzz")) {
            try {
                (void)perf::predict(r);
            } catch (const Error&) {
            }
        }
    } catch (const Error&) {
    }
    return 0;
}
