// libFuzzer target: the device profile TOML reader (perf::parse_device_profile) on arbitrary text;
// an FPGA profile is also asked for the DSP tiling of the multiplier widths the models use. Bad
// input must be a flexllm::Error.
#include <cstddef>
#include <cstdint>

#include "golden/error.h"
#include "tb/perf/device.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace flexllm;
    try {
        const perf::DeviceProfile p =
            perf::parse_device_profile(fuzz::toml_text_of(data, size), "fuzz");
        if (p.kind == perf::DeviceProfile::Kind::kFpga)
            for (int bits : {4, 8, 16, 32}) (void)p.fpga.dsps_for_mult(bits, 8);
    } catch (const Error&) {
    }
    return 0;
}
