// Port-binding helpers for the generated <module>_bind.cpp files: DataRef from Verilated port
// types.
#pragma once

#include "tb/dut.h"
#include "verilated.h"

namespace flexllm::tb {

inline DataRef data_ref(CData& v, int w) { return {DataRef::kU8, &v, w}; }
inline DataRef data_ref(SData& v, int w) { return {DataRef::kU16, &v, w}; }
inline DataRef data_ref(IData& v, int w) { return {DataRef::kU32, &v, w}; }
inline DataRef data_ref(QData& v, int w) { return {DataRef::kU64, &v, w}; }
template <std::size_t N>
DataRef data_ref(VlWide<N>& v, int w) {
    return {DataRef::kWide, v.data(), w};
}

}  // namespace flexllm::tb
