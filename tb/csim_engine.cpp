// The C-sim engine's port bookkeeping and verdict.
#include "tb/csim_engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <exception>

#include "golden/error.h"

namespace flexllm::tb {

CsimPorts::CsimPorts(const rtlgen::Module& module, const CaseBench& bench)
    : module_(module), bench_(bench) {
    for (const auto& e : bench.outputs) {
        const bool request = std::any_of(bench.reads.begin(), bench.reads.end(),
                                         [&](const MemReadPort& m) { return m.request == e.port; });
        if (!request) outs_.push_back({&spec(e.port), &e, {}, {}});
    }
}

uint64_t CsimPorts::scalar(const std::string& name) const {
    for (const auto& s : bench_.scalars)
        if (s.name == name) return s.value;
    throw Error(fmt::format("{}: the bench sets no scalar {}", module_.name, name));
}

int CsimPorts::transactions(const std::string& port) const {
    int n = 0;
    for (uint8_t l : input(port).last) n += l;
    return n;
}

void CsimPorts::contract(const std::string& what) {
    if (contract_.size() < 8) contract_.push_back("C-sim stream contract: " + what);
}

const PortStimulus& CsimPorts::input(const std::string& port) const {
    for (const auto& s : bench_.inputs)
        if (s.port == port) return s;
    throw Error(fmt::format("{}: the bench drives no input {}", module_.name, port));
}

const MemReadPort& CsimPorts::read_port(const std::string& response) const {
    for (const auto& m : bench_.reads)
        if (m.response == response) return m;
    throw Error(fmt::format("{}: the bench has no memory answering {}", module_.name, response));
}

CsimPorts::Out& CsimPorts::output(const std::string& port) {
    for (auto& o : outs_)
        if (o.spec->name == port) return o;
    throw Error(fmt::format("{}: the bench expects nothing on {}", module_.name, port));
}

const rtlgen::StreamPort& CsimPorts::spec(const std::string& port) const {
    return module_.stream(port);
}

void CsimPorts::check_layout(const rtlgen::StreamPort& s, int lanes, int width) const {
    if (s.lanes != lanes || s.elem_width != width)
        throw Error(
            fmt::format("{}: the C-sim beat of {} has {} lanes of {} bits but the port "
                        "spec says {} lanes of {} bits",
                        module_.name, s.name, lanes, width, s.lanes, s.elem_width));
}

RunResult CsimPorts::result() const {
    RunResult r;
    r.timed = false;
    for (const auto& o : outs_) {
        const int wpb = (o.spec->data_width() + 31) / 32;
        const size_t got = o.last.size(), want = o.exp->beats();
        for (size_t b = 0; b < std::min(got, want); ++b)
            score_beat(*o.exp, o.spec->name, b, &o.words[b * wpb], o.spec->lanes,
                       o.spec->elem_width, o.spec->elem_signed, o.last[b], 0, r);
        if (got != want)
            r.note_protocol(0, fmt::format("C-sim stream contract: {} wrote {} beats, {} expected",
                                           o.spec->name, got, want));
    }
    r.protocol.insert(r.protocol.begin(), contract_.begin(), contract_.end());
    r.ok = !r.first && r.protocol.empty();
    return r;
}

std::optional<RunResult> run_csim(const Kernel& k, const CaseContext& x, const CaseBench& b) {
    CsimPorts p(x.module, b);
    try {
        if (!k.csim(x, p)) return std::nullopt;
    } catch (const Error&) {
        throw;  // a harness bug (port layout, missing scalar), not a kernel's
    } catch (const std::exception& e) {
        p.contract(e.what());
    }
    return p.result();
}

}  // namespace flexllm::tb
