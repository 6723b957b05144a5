// The harness hot loop. Per cycle: drivers and tready at clk low, eval, sample handshakes and
// protocol, rising edge, eval. No allocation, formatting or virtual calls per cycle except the
// two eval()s and reporting on the (rare) failure paths.
#include "tb/harness.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "golden/error.h"

namespace flexllm::tb {

void pack_elems(const int64_t* elems, int lanes, int width, uint32_t* words) {
    const int nw = (lanes * width + 31) / 32;
    std::fill(words, words + nw, 0u);
    for (int l = 0; l < lanes; ++l) {
        const uint64_t v = static_cast<uint64_t>(elems[l]);
        for (int b = 0; b < width;) {
            const int bit = l * width + b;
            const int w = bit / 32, off = bit % 32;
            const int take = std::min(32 - off, width - b);
            const uint64_t mask = take == 64 ? ~0ull : ((1ull << take) - 1);
            words[w] |= static_cast<uint32_t>(((v >> b) & mask) << off);
            b += take;
        }
    }
}

int64_t unpack_elem(const uint32_t* words, int lane, int width, bool is_signed) {
    uint64_t v = 0;
    for (int b = 0; b < width;) {
        const int bit = lane * width + b;
        const int w = bit / 32, off = bit % 32;
        const int take = std::min(32 - off, width - b);
        const uint64_t mask = (1ull << take) - 1;
        v |= ((static_cast<uint64_t>(words[w]) >> off) & mask) << b;
        b += take;
    }
    if (is_signed && width < 64 && ((v >> (width - 1)) & 1)) v |= ~0ull << width;
    return static_cast<int64_t>(v);
}

uint64_t RunResult::stall_cycles() const {
    uint64_t s = 0;
    for (const auto& p : ports) s += p.stall_cycles;
    return s;
}
uint64_t RunResult::starve_cycles() const {
    uint64_t s = 0;
    for (const auto& p : ports) s += p.starve_cycles;
    return s;
}

std::string Coord::text() const {
    std::string s = fmt::format("token {} channel {}", token, channel);
    if (head >= 0) s += fmt::format(" head {}", head);
    if (key >= 0) s += fmt::format(" key {}", key);
    return s;
}

void RunResult::note_protocol(uint64_t cycle, std::string what) {
    if (!protocol_cycle) protocol_cycle = cycle;
    if (protocol.size() < 8) protocol.push_back(std::move(what));
}

std::string RunResult::summary() const {
    if (ok) return "ok";
    if (first) {
        const std::string divergence = fmt::format(
            "first divergence on {} ({}) beat {} lane {}: {} GOT={} EXP={}{}{}", first->port,
            first->tensor, first->beat, first->lane, first->coord.text(), first->got, first->exp,
            timed ? fmt::format(" at cycle {}", first->cycle) : "",
            mismatches > 1 ? fmt::format(" ({} later mismatches, propagated)", mismatches - 1)
                           : "");
        if (timed && protocol_cycle && *protocol_cycle <= first->cycle && !protocol.empty())
            return "protocol: " + protocol.front() + ", before the " + divergence;
        return divergence;
    }
    if (!watchdog.empty()) return watchdog;
    if (!protocol.empty()) return "protocol: " + protocol.front();
    if (budget_exceeded) return fmt::format("cycle budget exceeded after {} cycles", cycles);
    if (status_err) return "the DUT flagged an input tlast misplacement (status_err)";
    return "failed";
}

void score_beat(const PortExpectation& e, const std::string& port, size_t idx,
                const uint32_t* words, int lanes, int width, bool is_signed, uint8_t last,
                uint64_t cycle, RunResult& res) {
    const int64_t* exp = &e.elems[idx * lanes];
    for (int l = 0; l < lanes; ++l) {
        const int64_t got = unpack_elem(words, l, width, is_signed);
        if (got != exp[l]) {
            ++res.mismatches;
            const Divergence d{port, e.tensor, idx,  l, e.coords[idx * lanes + l],
                               got,  exp[l],   cycle};
            if (!res.first) res.first = d;
            if (std::none_of(res.port_first.begin(), res.port_first.end(),
                             [&](const Divergence& f) { return f.port == port; }))
                res.port_first.push_back(d);
        }
    }
    if (last != e.last[idx])
        res.note_protocol(
            cycle, fmt::format("{}: tlast={} on beat {} (expected {}){}", port, last, idx,
                               e.last[idx], res.timed ? fmt::format(" at cycle {}", cycle) : ""));
}

namespace {

struct Rng {
    uint64_t s;
    uint64_t next() {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        return s * 0x2545F4914F6CDD1Dull;
    }
};

uint64_t threshold(double p) {
    if (p <= 0) return 0;
    if (p >= 1) return UINT64_MAX;
    return static_cast<uint64_t>(std::ldexp(p, 64));
}

struct InPort {
    const StreamPortRef* ref = nullptr;
    const PortStimulus* stim = nullptr;
    size_t idx = 0;
    bool presenting = false;
    bool txn_open = false;
    std::vector<double>* chans = nullptr;
    int latency = 0;
    PortStats stats;
};

// A read channel's answering side: the accepted requests in order, the beat being presented.
struct ReadPort {
    const MemReadPort* mem = nullptr;
    const StreamPortRef* ref = nullptr;
    struct Request {
        uint64_t addr, count, ready;  // ready: the first cycle its data may be presented
    };
    std::vector<Request> queue;  // accepted, not yet answered (from head on)
    size_t head = 0;
    uint64_t beat = 0;  // of the head request
    bool presenting = false;
    std::vector<double>* chans = nullptr;
    int latency = 0;
    std::vector<uint32_t> zeros;
    PortStats stats;
};

struct OutPort {
    const StreamPortRef* ref = nullptr;
    const PortExpectation* exp = nullptr;
    int wpb = 0;
    size_t idx = 0;
    bool held = false;  // valid && !ready last cycle
    uint8_t held_last = 0;
    std::vector<uint32_t> held_words, buf;
    PortStats stats;
};

}  // namespace

RunResult run_dut(Dut& dut, const Bench& bench, const RunOptions& opt) {
    const auto& [scalars, inputs, outputs, mem, reads, primary] = bench;
    RunResult res;
    // ---- bind ----
    for (const auto& s : scalars) dut.scalar(s.name).data.write_u64(s.value);
    const ScalarRef* status = nullptr;
    for (const auto& s : dut.scalars)
        if (!s.input && s.name == "status_err") status = &s;
    // Memory channels: one credit counter per channel of each group.
    std::vector<std::vector<double>> credit(mem.size());
    std::vector<double> rate(mem.size()), cap(mem.size());
    for (size_t g = 0; g < mem.size(); ++g) {
        credit[g].assign(std::max(1, mem[g].channels), 0.0);
        rate[g] = mem[g].bytes_per_cycle;
        int largest = 0;
        for (const auto& in : inputs)
            if (in.mem_group == static_cast<int>(g)) largest = std::max(largest, in.beat_bytes);
        for (const auto& r : reads)
            if (r.mem_group == static_cast<int>(g)) largest = std::max(largest, r.beat_bytes);
        cap[g] = mem[g].buffer_bytes > 0 ? mem[g].buffer_bytes : 4 * rate[g] + largest;
    }
    std::vector<InPort> ins;
    for (const auto& s : inputs) {
        InPort p;
        p.ref = &dut.stream(s.port);
        p.stim = &s;
        if (!p.ref->input) throw Error(fmt::format("{} is not an input stream", s.port));
        if (static_cast<int>(s.words.size()) != s.words_per_beat * static_cast<int>(s.beats()) ||
            s.words_per_beat != p.ref->data.words())
            throw Error(fmt::format("stimulus of {} does not match the port width", s.port));
        if (opt.use_memory_model && s.mem_group >= 0) {
            if (s.mem_group >= static_cast<int>(mem.size()))
                throw Error(fmt::format("{}: no memory group {}", s.port, s.mem_group));
            p.chans = &credit[s.mem_group];
            p.latency = mem[s.mem_group].latency;
        }
        p.stats.port = s.port;
        p.stats.expected = s.beats();
        ins.push_back(p);
    }
    std::vector<ReadPort> rds;
    for (const auto& m : reads) {
        ReadPort r;
        r.mem = &m;
        r.ref = &dut.stream(m.response);
        if (!r.ref->input) throw Error(fmt::format("{} is not an input stream", m.response));
        if (dut.stream(m.request).input || dut.stream(m.request).data.words() != 2)
            throw Error(fmt::format("{} is not a 64-bit request output", m.request));
        if (m.words_per_beat != r.ref->data.words() ||
            m.image.size() % std::max(1, m.words_per_beat) != 0)
            throw Error(
                fmt::format("the memory image of {} does not match the port width", m.response));
        if (opt.use_memory_model && m.mem_group >= 0) {
            if (m.mem_group >= static_cast<int>(mem.size()))
                throw Error(fmt::format("{}: no memory group {}", m.response, m.mem_group));
            r.chans = &credit[m.mem_group];
            r.latency = mem[m.mem_group].latency;
        }
        r.zeros.assign(m.words_per_beat, 0);
        r.stats.port = m.response;
        rds.push_back(std::move(r));
    }
    std::vector<OutPort> outs;
    size_t primary_idx = 0;
    for (const auto& e : outputs) {
        OutPort o;
        o.ref = &dut.stream(e.port);
        o.exp = &e;
        if (o.ref->input) throw Error(fmt::format("{} is not an output stream", e.port));
        o.wpb = o.ref->data.words();
        o.held_words.assign(o.wpb, 0);
        o.buf.assign(o.wpb, 0);
        o.stats.port = e.port;
        o.stats.expected = e.beats();
        if (e.port == primary) primary_idx = outs.size();
        outs.push_back(std::move(o));
    }
    Rng rng{opt.seed * 0x9E3779B97F4A7C15ull + 0x1234567ull};
    const uint64_t stall_thr = threshold(opt.stall_prob), gap_thr = threshold(opt.gap_prob);
    std::vector<uint64_t> in_starts;
    in_starts.reserve(64);
    bool tracing = false;
    auto dump = [&](uint64_t t) {
        if (tracing) dut.trace_dump(t);
    };

    // ---- reset: 4 cycles, inputs idle, outputs not ready ----
    for (auto& p : ins) *p.ref->valid = 0;
    for (auto& r : rds) *r.ref->valid = 0;
    for (auto& o : outs)
        if (!o.ref->tap) *o.ref->ready = 0;
    *dut.rst = 1;
    for (int i = 0; i < 4; ++i) {
        *dut.clk = 0;
        dut.eval();
        *dut.clk = 1;
        dut.eval();
    }
    *dut.rst = 0;

    // ---- run ----
    uint64_t cycle = 0, last_progress = 0;
    size_t outs_done = 0;
    for (auto& o : outs)
        if (o.exp->beats() == 0) ++outs_done;
    bool any_in = false;
    while (outs_done < outs.size()) {
        if (!opt.wave_path.empty()) {
            if (!tracing && cycle == opt.wave_from) {
                dut.trace_open(opt.wave_path);
                tracing = true;
            }
            if (tracing && cycle > opt.wave_to) {
                dut.trace_close();
                tracing = false;
            }
        }
        // Memory channels deliver bytes_per_cycle each once the request latency has passed.
        for (size_t g = 0; g < credit.size(); ++g)
            if (cycle >= static_cast<uint64_t>(mem[g].latency))
                for (double& c : credit[g]) c = std::min(cap[g], c + rate[g]);
        // Drivers.
        for (auto& p : ins) {
            if (p.presenting) continue;
            bool go = p.idx < p.stim->beats();
            if (go && gap_thr && rng.next() < gap_thr) go = false;
            if (go && p.chans) {
                const size_t ch = p.stim->beat_channel.empty()
                                      ? static_cast<size_t>(p.stim->mem_channel)
                                      : p.stim->beat_channel[p.idx];
                double& c = (*p.chans)[ch % p.chans->size()];
                if (cycle < static_cast<uint64_t>(p.latency) || c < p.stim->beat_bytes)
                    go = false;
                else
                    c -= p.stim->beat_bytes;
            }
            if (go) {
                p.ref->data.write(&p.stim->words[p.idx * p.stim->words_per_beat]);
                *p.ref->last = p.stim->last[p.idx];
                *p.ref->valid = 1;
                p.presenting = true;
            } else {
                *p.ref->valid = 0;
            }
        }
        // Read channels: the head request's next beat, once its latency and its channel allow.
        for (auto& r : rds) {
            if (r.presenting) continue;
            bool go = r.head < r.queue.size() && cycle >= r.queue[r.head].ready;
            const uint64_t a = go ? r.queue[r.head].addr + r.beat : 0;
            if (go && r.chans) {
                double& c = (*r.chans)[a % r.chans->size()];
                if (cycle < static_cast<uint64_t>(r.latency) || c < r.mem->beat_bytes)
                    go = false;
                else
                    c -= r.mem->beat_bytes;
            }
            if (go) {
                const bool inside = a < r.mem->beats();
                if (!inside && r.beat == 0)
                    res.note_protocol(
                        cycle,
                        fmt::format(
                            "{}: request for beats {}..{} outside the memory image of {} beats",
                            r.mem->request, r.queue[r.head].addr,
                            r.queue[r.head].addr + r.queue[r.head].count - 1, r.mem->beats()));
                r.ref->data.write(inside ? &r.mem->image[a * r.mem->words_per_beat]
                                         : r.zeros.data());
                *r.ref->last = r.beat + 1 == r.queue[r.head].count;
                *r.ref->valid = 1;
                r.presenting = true;
            } else {
                *r.ref->valid = 0;
            }
        }
        for (auto& o : outs)
            if (!o.ref->tap) *o.ref->ready = !(stall_thr && rng.next() < stall_thr);
        *dut.clk = 0;
        dut.eval();
        dump(trace_time(cycle));
        // Handshakes on inputs.
        for (auto& p : ins) {
            const bool rdy = *p.ref->ready;
            if (p.presenting) {
                if (rdy) {
                    if (!any_in) {
                        res.first_in = cycle;
                        any_in = true;
                    }
                    if (&p == &ins[0] && !p.txn_open) {
                        in_starts.push_back(cycle);
                        p.txn_open = true;
                    }
                    if (&p == &ins[0] && p.stim->last[p.idx]) p.txn_open = false;
                    ++p.idx;
                    ++p.stats.beats;
                    p.presenting = false;
                    last_progress = cycle;
                } else {
                    ++p.stats.stall_cycles;
                }
            } else if (rdy && p.idx < p.stim->beats()) {
                ++p.stats.starve_cycles;
            }
        }
        for (auto& r : rds) {
            if (!r.presenting) continue;
            if (*r.ref->ready) {
                ++r.stats.beats;
                r.presenting = false;
                last_progress = cycle;
                if (++r.beat == r.queue[r.head].count) {
                    r.beat = 0;
                    ++r.head;
                }
            } else {
                ++r.stats.stall_cycles;
            }
        }
        // Monitors and scoreboard.
        for (size_t oi = 0; oi < outs.size(); ++oi) {
            auto& o = outs[oi];
            const bool v = *o.ref->valid, rdy = o.ref->tap || *o.ref->ready;
            if (o.held) {
                if (!v) {
                    res.note_protocol(
                        cycle, fmt::format("{}: tvalid dropped at cycle {} before the beat was "
                                           "accepted",
                                           o.ref->name, cycle));
                } else {
                    o.ref->data.read(o.buf.data());
                    if (o.buf != o.held_words || *o.ref->last != o.held_last)
                        res.note_protocol(
                            cycle, fmt::format("{}: tdata/tlast changed while stalled at cycle {}",
                                               o.ref->name, cycle));
                }
            }
            if (v && rdy) {
                o.held = false;
                last_progress = cycle;
                if (o.idx >= o.exp->beats()) {
                    res.note_protocol(cycle, fmt::format("{}: unexpected beat {} at cycle {}",
                                                         o.ref->name, o.idx, cycle));
                    continue;
                }
                o.ref->data.read(o.buf.data());
                // Without a tlast port the beat's place closes the transaction (not checked).
                const uint8_t lst = o.ref->has_last ? *o.ref->last : o.exp->last[o.idx];
                score_beat(*o.exp, o.ref->name, o.idx, o.buf.data(), o.ref->lanes,
                           o.ref->elem_width, o.ref->elem_signed, lst, cycle, res);
                for (auto& r : rds)
                    if (r.mem->request == o.ref->name && o.buf[1] > 0)
                        r.queue.push_back({o.buf[0], o.buf[1], cycle + (r.chans ? r.latency : 1)});
                if (lst && oi == primary_idx) {
                    const size_t n = res.txns.size();
                    res.txns.push_back({n < in_starts.size() ? in_starts[n] : res.first_in, cycle});
                }
                ++o.idx;
                ++o.stats.beats;
                res.last_out = cycle;
                if (o.idx == o.exp->beats()) ++outs_done;
            } else if (v) {
                if (!o.held) {
                    o.ref->data.read(o.held_words.data());
                    o.held_last = *o.ref->last;
                }
                o.held = true;
                ++o.stats.stall_cycles;
            } else if (rdy && o.idx < o.exp->beats()) {
                ++o.stats.starve_cycles;
            }
        }
        *dut.clk = 1;
        dut.eval();
        dump(trace_time(cycle) + kTraceTimePerCycle / 2);
        ++cycle;
        if (cycle - last_progress > opt.watchdog_cycles) {
            std::string detail;
            std::vector<std::pair<double, std::string>> cands;
            for (auto& p : ins)
                if (p.presenting)
                    cands.push_back(
                        {static_cast<double>(p.idx) / std::max<size_t>(1, p.stim->beats()),
                         fmt::format("{} (tvalid=1 tready=0, {}/{} beats accepted)", p.ref->name,
                                     p.idx, p.stim->beats())});
            for (auto& r : rds)
                if (r.presenting)
                    cands.push_back(
                        {1.0, fmt::format("{} (tvalid=1 tready=0, beat {} of a {}-beat read)",
                                          r.ref->name, r.beat, r.queue[r.head].count)});
            for (auto& o : outs)
                if (o.idx < o.exp->beats())
                    cands.push_back({2.0 + static_cast<double>(o.idx) / o.exp->beats(),
                                     fmt::format("{} (tvalid=0, {}/{} beats received)", o.ref->name,
                                                 o.idx, o.exp->beats())});
            std::stable_sort(cands.begin(), cands.end(),
                             [](const auto& a, const auto& b) { return a.first < b.first; });
            for (const auto& c : cands) detail += (detail.empty() ? "" : ", ") + c.second;
            res.watchdog =
                fmt::format("watchdog: no handshake for {} cycles at cycle {}; stuck: {}",
                            opt.watchdog_cycles, cycle, detail);
            break;
        }
        if (cycle >= opt.cycle_budget) {
            res.budget_exceeded = true;
            break;
        }
    }
    res.cycles = cycle;
    if (tracing) dut.trace_close();
    if (status) res.status_err = status->data.read_u64() != 0;
    for (auto& p : ins) res.ports.push_back(p.stats);
    for (auto& r : rds) {
        if (r.head < r.queue.size())
            res.note_protocol(cycle, fmt::format("{}: {} requests unanswered at the end",
                                                 r.mem->request, r.queue.size() - r.head));
        res.ports.push_back(r.stats);
    }
    for (auto& o : outs) res.ports.push_back(o.stats);
    res.ok = !res.first && res.protocol.empty() && res.watchdog.empty() && !res.budget_exceeded &&
             !res.status_err && outs_done == outs.size();
    return res;
}

}  // namespace flexllm::tb
