// A named, typed, shaped tensor: the unit of golden taps and of the golden-vector container.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "golden/error.h"

namespace flexllm {

enum class DType : uint8_t { kI8 = 0, kU8, kI16, kU16, kI32, kU32, kI64, kF32, kF64 };

constexpr size_t dtype_size(DType t) {
    switch (t) {
        case DType::kI8:
        case DType::kU8:
            return 1;
        case DType::kI16:
        case DType::kU16:
            return 2;
        case DType::kI32:
        case DType::kU32:
        case DType::kF32:
            return 4;
        case DType::kI64:
        case DType::kF64:
            return 8;
    }
    return 0;
}

std::string_view dtype_name(DType t);
// Parses a dtype name ("i8", "u8", ..., "f64"); throws Error on an unknown name.
DType dtype_from_name(std::string_view name);

template <class T>
constexpr DType dtype_of();
template <>
constexpr DType dtype_of<int8_t>() {
    return DType::kI8;
}
template <>
constexpr DType dtype_of<uint8_t>() {
    return DType::kU8;
}
template <>
constexpr DType dtype_of<int16_t>() {
    return DType::kI16;
}
template <>
constexpr DType dtype_of<uint16_t>() {
    return DType::kU16;
}
template <>
constexpr DType dtype_of<int32_t>() {
    return DType::kI32;
}
template <>
constexpr DType dtype_of<uint32_t>() {
    return DType::kU32;
}
template <>
constexpr DType dtype_of<int64_t>() {
    return DType::kI64;
}
template <>
constexpr DType dtype_of<float>() {
    return DType::kF32;
}
template <>
constexpr DType dtype_of<double>() {
    return DType::kF64;
}

struct Tensor {
    std::string name;
    DType dtype = DType::kI32;
    std::vector<int64_t> shape;
    std::vector<uint8_t> data;  // little-endian, row-major

    int64_t numel() const {
        int64_t n = 1;
        for (int64_t d : shape) n *= d;
        return n;
    }

    template <class T>
    static Tensor from(std::string name, std::vector<int64_t> shape, std::span<const T> values) {
        Tensor t{std::move(name), dtype_of<T>(), std::move(shape), {}};
        if (t.numel() != static_cast<int64_t>(values.size()))
            throw Error("tensor '" + t.name + "': shape does not match element count");
        t.data.resize(values.size() * sizeof(T));
        if (!values.empty()) std::memcpy(t.data.data(), values.data(), t.data.size());
        return t;
    }
    template <class T>
    static Tensor from(std::string name, std::vector<int64_t> shape, const std::vector<T>& v) {
        return from<T>(std::move(name), std::move(shape), std::span<const T>(v));
    }

    // Copies the elements out as T; throws Error if the dtype is not T.
    template <class T>
    std::vector<T> to_vector() const {
        if (dtype != dtype_of<T>())
            throw Error("tensor '" + name + "' has dtype " + std::string(dtype_name(dtype)) +
                        ", expected " + std::string(dtype_name(dtype_of<T>())));
        std::vector<T> out(data.size() / sizeof(T));
        if (!out.empty()) std::memcpy(out.data(), data.data(), out.size() * sizeof(T));
        return out;
    }
};

std::string shape_str(const std::vector<int64_t>& shape);

}  // namespace flexllm
