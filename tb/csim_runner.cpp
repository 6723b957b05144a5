// Runtime-shape dispatch to the compiled C-sim kernel instantiations.
#include "tb/csim_runner.h"

namespace flexllm::csim {

namespace {
template <QuantShape... S>
std::optional<QuantResult> quant_dispatch(const QuantShape& s,
                                          const std::vector<std::vector<int32_t>>& x) {
    std::optional<QuantResult> r;
    ((s == S ? (void)(r = run_quant<S>(x)) : (void)0), ...);
    return r;
}
template <LinearShape... S>
std::optional<std::vector<std::vector<int32_t>>> linear_dispatch(const LinearShape& s,
                                                                 const tb::LinearStimulus& st,
                                                                 bool chain) {
    std::optional<std::vector<std::vector<int32_t>>> r;
    bool done = false;
    ((!done && s == S ? (void)(r = run_linear<S>(st, chain), done = true) : (void)0), ...);
    return r;
}
}  // namespace

std::optional<QuantResult> csim_quant(const QuantShape& s,
                                      const std::vector<std::vector<int32_t>>& x) {
    return quant_dispatch<tiny_a::kQuantPrefill, tiny_a::kQuantDecode, tiny_b::kQuantPrefill,
                          tiny_b::kQuantDecode>(s, x);
}

std::optional<std::vector<std::vector<int32_t>>> csim_linear(const LinearShape& s,
                                                             const tb::LinearStimulus& st,
                                                             bool chain) {
    // tiny_a's K|Q and V|O engines have the same shape: one instantiation serves both.
    return linear_dispatch<tiny_a::kKq, tiny_a::kFfn, tiny_a::kDecode, tiny_b::kKq, tiny_b::kVo,
                           tiny_b::kFfn, tiny_b::kDecode>(s, st, chain);
}

}  // namespace flexllm::csim
