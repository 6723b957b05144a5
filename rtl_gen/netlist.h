// The netlist builder of composed tops: instances of generated modules (rtl_gen's Modules), their
// streams connected point to point, every other stream of an instance a port of the top, internal
// streams observed by tap ports, input scalars shared by name, status_err the OR of the
// instances'. build() returns the top as a Module, so that its manifest, harness binding and
// on-demand model come from the same code as every kernel's; the instances' SV travels in its
// `generated` list and their primitives in its `primitives`.
#pragma once

#include <string>
#include <vector>

#include "rtl_gen/generator.h"

namespace flexllm::rtlgen {

class Netlist {
  public:
    // The top's kernel, variant and SystemVerilog module name, and its purpose (the header line).
    Netlist(std::string kernel, std::string variant, std::string name, std::string purpose);

    // An instance named `inst` (an identifier, unique) of the generated module `m`.
    void instance(const std::string& inst, Module m);
    // Connects output stream `from` ("inst.m_axis_x") to input stream `to` ("inst.s_axis_y"):
    // the same lanes, element width and signedness, or an Error naming both ends.
    void connect(const std::string& from, const std::string& to);
    // An observe-only output port `port` (m_axis_*) of the connection leaving `from`, in its
    // layout (StreamPort::tap); taps are listed in the order they are added.
    void tap(const std::string& from, const std::string& port);
    // The top port of an unconnected instance stream is the stream's own name unless renamed here.
    void expose(const std::string& endpoint, const std::string& port);

    // The top: every instance stream connected exactly once or exposed, no port named twice, an
    // input scalar of one name the same width everywhere; throws Error otherwise.
    Module build() const;

  private:
    struct Inst {
        std::string name;
        Module m;
    };
    struct Link {
        std::string from_inst, from_port, to_inst, to_port;
    };
    struct Tap {
        std::string from_inst, from_port, port;
    };
    struct Rename {
        std::string inst, stream, port;
    };
    const Inst& find(const std::string& inst) const;
    // "inst.port" split and checked: the instance exists and has that stream.
    std::pair<const Inst*, const StreamPort*> endpoint(const std::string& e) const;

    std::string kernel_, variant_, name_, purpose_;
    std::vector<Inst> insts_;
    std::vector<Link> links_;
    std::vector<Tap> taps_;
    std::vector<Rename> renames_;
};

}  // namespace flexllm::rtlgen
