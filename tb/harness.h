// The generic Verilator harness: clock/reset, stream drivers with seeded gaps and memory-channel
// pacing, monitors with protocol checks, a bit-exact scoreboard reporting the first divergence,
// a cycle tracer, a watchdog and a cycle budget, and FST tracing in a cycle window. It knows
// ports only by name, lanes and element widths (from the manifest binding), never kernels.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tb/dut.h"

namespace flexllm::tb {

// Packs `lanes` elements of `width` bits (two's complement, truncated) little-endian into words.
void pack_elems(const int64_t* elems, int lanes, int width, uint32_t* words);
// Element `lane` of a packed beat, sign-extended when `is_signed`.
int64_t unpack_elem(const uint32_t* words, int lane, int width, bool is_signed);

// The beats an input port must send (one transaction or many; tlast flags explicit).
struct PortStimulus {
    std::string port;
    int words_per_beat = 0;
    std::vector<uint32_t> words;        // beats * words_per_beat
    std::vector<uint8_t> last;          // per beat
    int mem_group = -1;                 // >= 0: paced by memory channel group `mem_group`
    int mem_channel = 0;                // channel within the group (lanes map round-robin)
    std::vector<uint8_t> beat_channel;  // optional per-beat channel (overrides mem_channel)
    int beat_bytes = 0;                 // off-chip bytes per beat (for the memory model)
    size_t beats() const { return last.size(); }
};

// Coordinates of an output element in the stage's tensor: token and channel (-1: padding), and
// for the attention stages the head and the key position (-1: not an attention coordinate).
struct Coord {
    int32_t token = -1;
    int32_t channel = -1;
    int32_t head = -1;
    int32_t key = -1;
    std::string text() const;  // "token T channel C", then " head H" and " key J" when set
};

// The beats an output port must produce: expected elements (lanes per beat) and their coordinates.
struct PortExpectation {
    std::string port;
    std::string tensor;          // e.g. "y" or "q"
    std::vector<int64_t> elems;  // beats * lanes
    std::vector<Coord> coords;   // beats * lanes
    std::vector<uint8_t> last;   // per beat
    size_t beats() const { return last.size(); }
};

// A memory channel group (MemChannelParams): `channels` channels of bytes_per_cycle * efficiency,
// first data `latency` cycles after the start, a prefetch buffer of `buffer_bytes` per channel.
struct MemGroup {
    int channels = 1;
    double bytes_per_cycle = 32;
    int latency = 0;
    double buffer_bytes = 0;  // 0: 4 * bytes_per_cycle + the largest beat
};

// An addressed read channel to an off-chip memory image (TAPA's async_mmap, or an AXI4 read
// channel, as two streams). The DUT's output `request` carries {count[63:32], addr[31:0]} (lane
// 0 the address, lane 1 the count, in beats of `response`); the harness answers the accepted
// requests in order, each with `count` beats of `image` from beat `addr` on the DUT's input
// `response`, tlast on a request's last beat. Beat a of the image lives in channel
// a % channels of memory group `mem_group` (address interleaving) and is presented no earlier
// than the group's latency after its request was accepted, when that channel has its bytes.
// The request beats are checked like any output (the bench's expectation of `request`); a
// request outside the image is a protocol finding, answered with zero beats.
struct MemReadPort {
    std::string request, response;
    int words_per_beat = 0;
    std::vector<uint32_t> image;  // the memory's beats * words_per_beat
    int mem_group = -1;           // >= 0: paced by that memory channel group
    int beat_bytes = 0;           // off-chip bytes per beat (for the memory model)
    size_t beats() const { return words_per_beat ? image.size() / words_per_beat : 0; }
};

struct Scalar {
    std::string name;
    uint64_t value = 0;
};

// Everything one run drives and checks: scalar inputs, input stimuli, output expectations, the
// memory channel groups pacing the inputs, the memory read channels, and `primary`, the output
// port whose tlast closes a transaction for the tracer.
struct Bench {
    std::vector<Scalar> scalars;
    std::vector<PortStimulus> inputs;
    std::vector<PortExpectation> outputs;
    std::vector<MemGroup> mem;
    std::vector<MemReadPort> reads;
    std::string primary;
};

struct RunOptions {
    uint64_t seed = 1;
    double stall_prob = 0.0;  // probability the harness holds an output's tready low in a cycle
    double gap_prob = 0.0;    // probability a driver inserts an idle cycle before a beat
    uint64_t cycle_budget = 2'000'000;
    uint64_t watchdog_cycles = 2'000;
    bool use_memory_model = true;
    std::string wave_path;  // empty: no FST
    uint64_t wave_from = 0, wave_to = UINT64_MAX;
};

struct Divergence {
    std::string port, tensor;
    uint64_t beat = 0;
    int lane = 0;
    Coord coord;
    int64_t got = 0, exp = 0;
    uint64_t cycle = 0;
};

struct PortStats {
    std::string port;
    uint64_t beats = 0, expected = 0;
    uint64_t stall_cycles = 0;  // valid && !ready (inputs: the DUT stalls us; outputs: we stall it)
    uint64_t starve_cycles = 0;  // ready && !valid
};

// One transaction closed by tlast on the primary output.
struct TxnTrace {
    uint64_t start = 0;  // first input beat accepted on any port after the previous transaction
    uint64_t end = 0;    // cycle of the tlast beat
    uint64_t latency() const { return end - start + 1; }
};

struct RunResult {
    bool ok = false;
    bool timed = true;    // false for the C-sim engine: no cycles, divergences name no cycle
    uint64_t cycles = 0;  // simulated cycles (after reset)
    uint64_t first_in = 0, last_out = 0;
    uint64_t measured() const { return last_out >= first_in ? last_out - first_in + 1 : 0; }
    std::optional<Divergence> first;         // first scoreboard mismatch
    std::vector<Divergence> port_first;      // each port's first mismatch, in the order they came
    uint64_t mismatches = 0;                 // including the propagated ones after the first
    std::vector<std::string> protocol;       // protocol violations (first few)
    std::optional<uint64_t> protocol_cycle;  // when the first of them happened (RTL runs)
    // Records a protocol violation seen at `cycle` (the first few are kept).
    void note_protocol(uint64_t cycle, std::string what);
    std::string watchdog;  // non-empty: the stuck-port report
    bool budget_exceeded = false;
    bool status_err = false;  // the DUT's own sticky input-protocol flag
    std::vector<PortStats> ports;
    std::vector<TxnTrace> txns;
    uint64_t stall_cycles() const;
    uint64_t starve_cycles() const;
    // One line: why it failed, or "ok". A protocol violation that happened before the first data
    // mismatch is named first (it is the likely cause), the divergence after it.
    std::string summary() const;
};

// The scoreboard's check of output beat `idx` (`words`, tlast `last`, accepted at `cycle`) of
// `port` against its expectation: every lane bit-exact, mismatches counted into `res` with the
// first one recorded; a tlast other than expected is a protocol finding. The RTL monitors and
// the C-sim engine judge through it.
void score_beat(const PortExpectation& e, const std::string& port, size_t idx,
                const uint32_t* words, int lanes, int width, bool is_signed, uint8_t last,
                uint64_t cycle, RunResult& res);

// Runs one test on a fresh model: reset, drive, monitor, compare. Throws Error on ports the DUT
// does not have.
RunResult run_dut(Dut& dut, const Bench& bench, const RunOptions& opt);

}  // namespace flexllm::tb
