// libFuzzer target: the regression suite TOML reader (tb::apply_suite, which reads the suite file
// and checks its layers against its model) on arbitrary text written to a suite file, then the
// suite's cases enumerated (tb::suite_cases). Bad input must be a flexllm::Error.
#include <cstddef>
#include <cstdint>

#include "golden/error.h"
#include "tb/regress.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace flexllm;
    tb::RegressOptions o;
    const std::string text = fuzz::toml_text_of(data, size);
    o.suite = fuzz::write_scratch("suite.toml", text.data(), text.size());
    try {
        const tb::RegressOptions r = tb::apply_suite(o);
        (void)tb::suite_cases(r);
    } catch (const Error&) {
    }
    return 0;
}
