// Tensor dtype names and shape formatting.
#include "golden/tensor.h"

#include <array>

namespace flexllm {

namespace {
constexpr std::array<std::string_view, 9> kNames = {"i8",  "u8",  "i16", "u16", "i32",
                                                    "u32", "i64", "f32", "f64"};
}

std::string_view dtype_name(DType t) { return kNames.at(static_cast<size_t>(t)); }

DType dtype_from_name(std::string_view name) {
    for (size_t i = 0; i < kNames.size(); ++i)
        if (kNames[i] == name) return static_cast<DType>(i);
    throw Error("unknown dtype '" + std::string(name) + "'");
}

std::string shape_str(const std::vector<int64_t>& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) {
        if (i) s += ",";
        s += std::to_string(shape[i]);
    }
    return s + "]";
}

}  // namespace flexllm
