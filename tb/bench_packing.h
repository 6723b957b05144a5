// Beat builders of the kernels' benches: a port's stimulus or expectation built beat by beat with
// the lanes and element width of the variant's port spec (rtl_gen's StreamPort), so the layout a
// kernel entry writes is the one the SV, the manifest and the C-sim engine use.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <vector>

#include "golden/error.h"
#include "golden/ops_ref.h"
#include "rtl_gen/generator.h"
#include "tb/harness.h"

namespace flexllm::tb {

// The token that slot `slot` of a token group carries when the stage has n tokens: itself, or for
// a padding slot past the last token a real token repeated (slot mod n), so that padding rows are
// computed and checked like real ones (a zero row would give 0 whatever the datapath holds).
inline int source_token(int slot, int n) { return slot < n ? slot : slot % n; }

// An input port's beats: fill `tmp` (lanes elements, zeroed after every beat), then beat().
struct Packer {
    PortStimulus s;
    int lanes, width;
    std::vector<int64_t> tmp;
    Packer(const rtlgen::Module& m, const std::string& port)
        : lanes(m.stream(port).lanes), width(m.stream(port).elem_width) {
        s.port = port;
        s.words_per_beat = (lanes * width + 31) / 32;
        tmp.assign(lanes, 0);
    }
    void beat(bool last) {
        const size_t o = s.words.size();
        s.words.resize(o + s.words_per_beat);
        pack_elems(tmp.data(), lanes, width, &s.words[o]);
        s.last.push_back(last);
        std::fill(tmp.begin(), tmp.end(), 0);
    }
};

// An output port's expected beats: `lanes` elem() calls (value and coordinates), then beat().
struct Expect {
    PortExpectation e;
    int lanes;
    Expect(const rtlgen::Module& m, const std::string& port, std::string tensor)
        : lanes(m.stream(port).lanes) {
        e.port = port;
        e.tensor = std::move(tensor);
    }
    void elem(int64_t v, int token, int channel, int head = -1, int key = -1) {
        e.elems.push_back(v);
        e.coords.push_back({token, channel, head, key});
    }
    void beat(bool last) {
        e.last.push_back(last);
        if (e.elems.size() != e.last.size() * static_cast<size_t>(lanes))
            throw Error(fmt::format("expectation of {}: beat {} has {} elements, the port {}",
                                    e.port, e.last.size() - 1,
                                    e.elems.size() - (e.last.size() - 1) * lanes, lanes));
    }
};

// A Multiplier as a {shift[21:16], m[15:0]} port lane (NUMERICS.md §1: m < 2^16, shift 0..62);
// throws Error naming `who` (the case) when it does not fit.
inline int64_t multiplier_lane(const std::string& who, const golden::Multiplier& m) {
    if (m.m >= (1u << 16) || m.shift < 0 || m.shift > 62)
        throw Error(
            fmt::format("{}: multiplier {}*2^-{} does not fit the 16-bit mantissa / "
                        "6-bit shift port",
                        who, m.m, m.shift));
    return static_cast<int64_t>(m.shift) << 16 | m.m;
}

// The zero/range word of a quantized token: {range[63:32], zero[31:0]}.
inline int64_t zero_range_word(const golden::TokenQuant& q) {
    return static_cast<int64_t>((static_cast<uint64_t>(q.range) << 32) |
                                static_cast<uint32_t>(q.zero));
}

}  // namespace flexllm::tb
