// Port lookup of the Dut interface.
#include "tb/dut.h"

#include <fmt/format.h>

#include "golden/error.h"

namespace flexllm::tb {

const StreamPortRef& Dut::stream(const std::string& name) const {
    for (const auto& s : streams)
        if (s.name == name) return s;
    throw Error(fmt::format("module {} has no stream port {}", module, name));
}

const ScalarRef& Dut::scalar(const std::string& name) const {
    for (const auto& s : scalars)
        if (s.name == name) return s;
    throw Error(fmt::format("module {} has no scalar port {}", module, name));
}

}  // namespace flexllm::tb
