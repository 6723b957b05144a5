// The kernel list (rtl_gen/kernels.txt, embedded in the binary): every RTL variant, the kernel it
// belongs to and the fault kinds its emitter can inject. The same file drives CMake's model list.
#pragma once

#include <string>
#include <vector>

namespace flexllm::rtlgen {

struct VariantInfo {
    std::string kernel;               // registry kernel: the STAGE of case ids (e.g. linear)
    std::string variant;              // RTL variant: module <variant>_<arch> (e.g. linear_decode)
    std::vector<std::string> faults;  // fault kinds (mutants <variant>_<arch>_fault_<kind>)
};

// Every variant, in the file's order.
const std::vector<VariantInfo>& variants();
// The distinct kernels, in the file's order.
std::vector<std::string> kernel_names();
// Throws Error naming the variants when `variant` is not one.
const VariantInfo& find_variant(const std::string& variant);
// The variant a fault kind mutates; throws Error listing the kinds when `fault` is none of them.
const VariantInfo& fault_variant(const std::string& fault);
std::vector<std::string> fault_kinds();
// "a, b, c": names for error hints.
std::string join(const std::vector<std::string>& names);
// Parses the list's text (exposed for tests); throws Error naming the bad line.
std::vector<VariantInfo> parse_kernel_list(const std::string& text, const std::string& origin);

}  // namespace flexllm::rtlgen
