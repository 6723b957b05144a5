// The C-sim engine: a case's input beats (the same PortStimulus words the RTL gets) enter the
// C++ kernel through hls::streams, its output beats are judged by the harness's scoreboard
// (score_beat) against the same expectations. A kernel that breaks its stream contract -- reads
// an empty stream, leaves input beats unread, writes too many or too few beats -- fails the case
// with that finding; it never escapes as an exception.
#pragma once

#include <ap_int.h>
#include <fmt/format.h>
#include <hls_stream.h>
#include <hls_vector.h>

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hls_src/kernels/beats.h"
#include "rtl_gen/generator.h"
#include "tb/harness.h"
#include "tb/kernel_registry.h"

namespace flexllm::tb {

// One beat element as the word bits its port carries (the packed layouts of the manifest).
template <class E>
struct ElemBits;
template <int W>
struct ElemBits<ap_int<W>> {
    static constexpr int kWidth = W;
    static int64_t get(const ap_int<W>& v) { return v.to_int64(); }
    static void set(ap_int<W>& v, int64_t x) { v = ap_int<W>(x); }
};
template <int W>
struct ElemBits<ap_uint<W>> {
    static constexpr int kWidth = W;
    static int64_t get(const ap_uint<W>& v) { return static_cast<int64_t>(v.to_uint64()); }
    static void set(ap_uint<W>& v, int64_t x) { v = ap_uint<W>(static_cast<uint64_t>(x)); }
};
template <>
struct ElemBits<kern::ZeroRange> {  // {range[63:32], zero[31:0]}
    static constexpr int kWidth = 64;
    static int64_t get(const kern::ZeroRange& z) {
        return static_cast<int64_t>(static_cast<uint64_t>(z.range.to_uint()) << 32 |
                                    static_cast<uint32_t>(z.zero.to_int()));
    }
    static void set(kern::ZeroRange& z, int64_t x) {
        z.zero = static_cast<int32_t>(static_cast<uint32_t>(x));
        z.range = static_cast<uint32_t>(static_cast<uint64_t>(x) >> 32);
    }
};
template <>
struct ElemBits<kern::ChanParam> {  // {shift[53:48], m[47:32], rowsum[31:0]}
    static constexpr int kWidth = 54;
    static int64_t get(const kern::ChanParam& c) {
        return static_cast<int64_t>(static_cast<uint32_t>(c.rowsum.to_int())) |
               static_cast<int64_t>(c.m.to_uint()) << 32 |
               static_cast<int64_t>(c.shift.to_uint()) << 48;
    }
    static void set(kern::ChanParam& c, int64_t x) {
        const auto u = static_cast<uint64_t>(x);
        c.rowsum = static_cast<int32_t>(static_cast<uint32_t>(u));
        c.m = static_cast<uint32_t>((u >> 32) & 0xffff);
        c.shift = static_cast<uint32_t>((u >> 48) & 0x3f);
    }
};

template <class Beat>
struct BeatShape;
template <class E, size_t N>
struct BeatShape<hls::vector<E, N>> {
    using Elem = E;
    static constexpr int kLanes = static_cast<int>(N);
};

// The C-sim side of one case: input beats from the bench, output beats collected per port (one
// transaction per kernel call), judged at the end.
class CsimPorts {
  public:
    CsimPorts(const rtlgen::Module& module, const CaseBench& bench);

    uint64_t scalar(const std::string& name) const;  // the bench's cfg_* value; throws Error
    // Transactions (tlast-closed beat groups) of an input port's stimulus.
    int transactions(const std::string& port) const;

    // Every beat of input `port` into `s`.
    template <class Beat>
    void fill(const std::string& port, hls::stream<Beat>& s) const {
        const PortStimulus& st = input(port);
        const rtlgen::StreamPort& spec = checked_spec<Beat>(port);
        for (size_t b = 0; b < st.beats(); ++b) {
            Beat beat;
            for (int l = 0; l < spec.lanes; ++l)
                ElemBits<typename BeatShape<Beat>::Elem>::set(
                    beat[l], unpack_elem(&st.words[b * st.words_per_beat], l, spec.elem_width,
                                         spec.elem_signed));
            s.write(beat);
        }
    }
    // The beats the kernel wrote to output `port` in one call: one transaction (tlast on the
    // last of them).
    template <class Beat>
    void drain(const std::string& port, hls::stream<Beat>& s) {
        const rtlgen::StreamPort& spec = checked_spec<Beat>(port);
        Out& o = output(port);
        std::vector<int64_t> elems(spec.lanes);
        std::vector<uint32_t> words((spec.data_width() + 31) / 32);
        while (!s.empty()) {
            const Beat beat = s.read();
            for (int l = 0; l < spec.lanes; ++l)
                elems[l] = ElemBits<typename BeatShape<Beat>::Elem>::get(beat[l]);
            pack_elems(elems.data(), spec.lanes, spec.elem_width, words.data());
            o.words.insert(o.words.end(), words.begin(), words.end());
            o.last.push_back(0);
        }
        if (!o.last.empty()) o.last.back() = 1;
    }
    // The memory image answering read channel `response` (a MemReadPort), as beats of that
    // port: what the C++ kernel reads through a pointer (an m_axi port in Vitis HLS terms; its
    // requests are RTL-only, so the request port's expectation is not judged in C-sim).
    template <class Beat>
    std::vector<Beat> memory(const std::string& response) const {
        const MemReadPort& m = read_port(response);
        const rtlgen::StreamPort& spec = checked_spec<Beat>(response);
        std::vector<Beat> beats(m.beats());
        for (size_t b = 0; b < beats.size(); ++b)
            for (int l = 0; l < spec.lanes; ++l)
                ElemBits<typename BeatShape<Beat>::Elem>::set(
                    beats[b][l], unpack_elem(&m.image[b * m.words_per_beat], l, spec.elem_width,
                                             spec.elem_signed));
        return beats;
    }
    // After the last call: input beats the kernel left unread break its stream contract.
    template <class Beat>
    void consumed(const std::string& port, const hls::stream<Beat>& s) {
        if (!s.empty()) contract(fmt::format("{} beats left unread on {}", s.size(), port));
    }
    void contract(const std::string& what);  // records a stream-contract violation

    // The scoreboard's verdict on every output port (untimed: cycle 0).
    RunResult result() const;

  private:
    struct Out {
        const rtlgen::StreamPort* spec;
        const PortExpectation* exp;
        std::vector<uint32_t> words;
        std::vector<uint8_t> last;
    };
    const PortStimulus& input(const std::string& port) const;
    const MemReadPort& read_port(const std::string& response) const;
    Out& output(const std::string& port);
    const rtlgen::StreamPort& spec(const std::string& port) const;
    template <class Beat>
    const rtlgen::StreamPort& checked_spec(const std::string& port) const {
        const rtlgen::StreamPort& s = spec(port);
        check_layout(s, BeatShape<Beat>::kLanes, ElemBits<typename BeatShape<Beat>::Elem>::kWidth);
        return s;
    }
    // The C-sim beat type must have the port spec's lanes and element width (throws Error).
    void check_layout(const rtlgen::StreamPort& s, int lanes, int width) const;

    const rtlgen::Module& module_;
    const CaseBench& bench_;
    std::vector<Out> outs_;
    std::vector<std::string> contract_;
};

// Calls f.template operator()<Shapes[i]>() for the entry of `Shapes` equal to `s` (the generated
// tb/csim_shapes.h lists); false when none is.
template <const auto& Shapes, class S, class F>
bool dispatch_shape(const S& s, F&& f) {
    return [&]<size_t... I>(std::index_sequence<I...>) {
        return ((s == Shapes[I] ? (f.template operator()<Shapes[I]>(), true) : false) || ...);
    }
    (std::make_index_sequence<std::size(Shapes)>{});
}

// Runs kernel k's C-sim on the case's bench; nullopt when this binary has no instantiation of
// its shape. Stream-contract violations (including exceptions the kernel's streams throw) are
// protocol findings of the result.
std::optional<RunResult> run_csim(const Kernel& k, const CaseContext& x, const CaseBench& b);

}  // namespace flexllm::tb
