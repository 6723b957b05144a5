// Weight source dispatch: "synthetic:SEED" or a safetensors checkpoint.
#include <fmt/format.h>

#include <charconv>

#include "golden/error.h"
#include "golden/safetensors.h"
#include "golden/weights.h"

namespace flexllm::golden {

ModelWeightsF load_weights(const ModelConfig& cfg, const std::string& spec) {
    const std::string prefix = "synthetic:";
    if (spec.rfind(prefix, 0) == 0) {
        const std::string s = spec.substr(prefix.size());
        uint64_t seed = 0;
        auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), seed);
        if (s.empty() || ec != std::errc() || ptr != s.data() + s.size())
            throw Error(
                fmt::format("--weights '{}': the seed must be a non-negative integer", spec),
                "use synthetic:SEED or a .safetensors file");
        return synthetic_weights(cfg, seed);
    }
    return load_safetensors(cfg, spec);
}

}  // namespace flexllm::golden
