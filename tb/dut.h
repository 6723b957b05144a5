// The harness's view of one Verilated module: raw pointers to its clock, reset, stream and scalar
// ports (bound by the generated <module>_bind.cpp from the manifest), eval and FST tracing.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace flexllm::tb {

// A port's storage in the Verilated model: 8/16/32/64-bit integers or VlWide word arrays.
// Values are exchanged as little-endian arrays of 32-bit words (packing happens here only).
struct DataRef {
    enum Kind : uint8_t { kU8, kU16, kU32, kU64, kWide };
    Kind kind = kU8;
    void* p = nullptr;
    int width = 0;
    int words() const { return (width + 31) / 32; }
    void write(const uint32_t* w) const {
        switch (kind) {
            case kU8:
                *static_cast<uint8_t*>(p) = static_cast<uint8_t>(w[0]);
                break;
            case kU16:
                *static_cast<uint16_t*>(p) = static_cast<uint16_t>(w[0]);
                break;
            case kU32:
                *static_cast<uint32_t*>(p) = w[0];
                break;
            case kU64:
                *static_cast<uint64_t*>(p) =
                    w[0] | (width > 32 ? static_cast<uint64_t>(w[1]) << 32 : 0);
                break;
            case kWide:
                std::memcpy(p, w, words() * 4);
                break;
        }
    }
    void read(uint32_t* w) const {
        switch (kind) {
            case kU8:
                w[0] = *static_cast<const uint8_t*>(p);
                break;
            case kU16:
                w[0] = *static_cast<const uint16_t*>(p);
                break;
            case kU32:
                w[0] = *static_cast<const uint32_t*>(p);
                break;
            case kU64: {
                const uint64_t v = *static_cast<const uint64_t*>(p);
                w[0] = static_cast<uint32_t>(v);
                if (width > 32) w[1] = static_cast<uint32_t>(v >> 32);
                break;
            }
            case kWide:
                std::memcpy(w, p, words() * 4);
                break;
        }
    }
    uint64_t read_u64() const {
        uint32_t w[2] = {0, 0};
        if (kind == kWide) return *static_cast<const uint32_t*>(p);
        read(w);
        return w[0] | static_cast<uint64_t>(w[1]) << 32;
    }
    void write_u64(uint64_t v) const {
        const uint32_t w[2] = {static_cast<uint32_t>(v), static_cast<uint32_t>(v >> 32)};
        write(w);
    }
};

struct StreamPortRef {
    std::string name;
    bool input = true;  // s_axis_* (harness drives valid/data/last)
    uint8_t* valid = nullptr;
    uint8_t* ready = nullptr;
    DataRef data;
    uint8_t* last = nullptr;
    int lanes = 1;
    int elem_width = 1;
    bool elem_signed = false;
    bool has_last = true;  // false: the RTL has no tlast (foreign RTL); only the data is checked
    bool tap = false;  // observe-only output (no tready, ready == nullptr): every valid is a beat
};

struct ScalarRef {
    std::string name;
    bool input = true;
    DataRef data;
};

class Dut {
  public:
    virtual ~Dut() = default;
    virtual void eval() = 0;
    virtual void trace_open(const std::string& path) = 0;
    virtual void trace_dump(uint64_t time) = 0;
    virtual void trace_close() = 0;

    std::string module;
    uint8_t* clk = nullptr;
    uint8_t* rst = nullptr;
    std::vector<StreamPortRef> streams;
    std::vector<ScalarRef> scalars;

    const StreamPortRef& stream(const std::string& name) const;
    const ScalarRef& scalar(const std::string& name) const;
};

using DutFactory = std::unique_ptr<Dut> (*)(uint64_t seed);

// The time axis of the FST the harness writes (trace_dump's times, in the dump's 1 ps resolution):
// harness cycle c at c ns, so that GTKWave's time readout is the cycle number. The values of cycle
// c (what its handshakes see) from c ns, its rising clock edge at c.5 ns; the reset is not traced.
inline constexpr uint64_t kTraceTimePerCycle = 1000;
inline constexpr uint64_t trace_time(uint64_t cycle) { return kTraceTimePerCycle * cycle; }

// The Verilated models linked into this binary (tb/models: one per generated module).
// Returns nullptr when the module is not built in.
DutFactory find_dut(const std::string& module);
std::vector<std::string> dut_names();

}  // namespace flexllm::tb
