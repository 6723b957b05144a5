// The netlist builder of composed tops (rtl_gen/netlist.h).
#include "rtl_gen/netlist.h"

#include <fmt/format.h>

#include <algorithm>

#include "golden/error.h"
#include "rtl_gen/sv_util.h"

namespace flexllm::rtlgen {

Netlist::Netlist(std::string kernel, std::string variant, std::string name, std::string purpose)
    : kernel_(std::move(kernel)),
      variant_(std::move(variant)),
      name_(std::move(name)),
      purpose_(std::move(purpose)) {}

void Netlist::instance(const std::string& inst, Module m) {
    if (!is_identifier(inst))
        throw Error(fmt::format("netlist {}: bad instance name '{}'", name_, inst));
    for (const auto& i : insts_)
        if (i.name == inst) throw Error(fmt::format("netlist {}: instance {} twice", name_, inst));
    insts_.push_back({inst, std::move(m)});
}

const Netlist::Inst& Netlist::find(const std::string& inst) const {
    for (const auto& i : insts_)
        if (i.name == inst) return i;
    throw Error(fmt::format("netlist {}: no instance {}", name_, inst));
}

std::pair<const Netlist::Inst*, const StreamPort*> Netlist::endpoint(const std::string& e) const {
    const size_t dot = e.find('.');
    if (dot == std::string::npos)
        throw Error(fmt::format("netlist {}: '{}' is not inst.port", name_, e));
    const Inst& i = find(e.substr(0, dot));
    const std::string port = e.substr(dot + 1);
    for (const auto& s : i.m.streams)
        if (s.name == port) return {&i, &s};
    throw Error(fmt::format("netlist {}: {} ({}) has no stream {}", name_, i.name, i.m.name, port));
}

void Netlist::connect(const std::string& from, const std::string& to) {
    const auto [fi, fs] = endpoint(from);
    const auto [ti, ts] = endpoint(to);
    if (fs->input || !ts->input)
        throw Error(fmt::format("netlist {}: {} -> {} must go from an output to an input", name_,
                                from, to));
    if (fs->lanes != ts->lanes || fs->elem_width != ts->elem_width ||
        fs->elem_signed != ts->elem_signed)
        throw Error(fmt::format("netlist {}: {} ({} x {}{}) does not fit {} ({} x {}{})", name_,
                                from, fs->lanes, fs->elem_signed ? "int" : "uint", fs->elem_width,
                                to, ts->lanes, ts->elem_signed ? "int" : "uint", ts->elem_width));
    for (const auto& l : links_)
        if ((l.from_inst == fi->name && l.from_port == fs->name) ||
            (l.to_inst == ti->name && l.to_port == ts->name))
            throw Error(
                fmt::format("netlist {}: {} -> {}: an end is connected twice", name_, from, to));
    links_.push_back({fi->name, fs->name, ti->name, ts->name});
}

void Netlist::tap(const std::string& from, const std::string& port) {
    const auto [fi, fs] = endpoint(from);
    if (port.rfind("m_axis_", 0) != 0 || !is_identifier(port))
        throw Error(fmt::format("netlist {}: tap port '{}' must be m_axis_<name>", name_, port));
    taps_.push_back({fi->name, fs->name, port});
}

void Netlist::expose(const std::string& endpoint_name, const std::string& port) {
    const auto [i, s] = endpoint(endpoint_name);
    if (!is_identifier(port) || port.rfind(s->input ? "s_axis_" : "m_axis_", 0) != 0)
        throw Error(fmt::format("netlist {}: port '{}' of {} must be {}_<name>", name_, port,
                                endpoint_name, s->input ? "s_axis" : "m_axis"));
    renames_.push_back({i->name, s->name, port});
}

Module Netlist::build() const {
    Module top;
    top.kernel = kernel_;
    top.variant = variant_;
    top.name = name_;
    auto linked = [&](const std::string& inst, const StreamPort& s) -> const Link* {
        for (const auto& l : links_)
            if ((s.input ? l.to_inst : l.from_inst) == inst &&
                (s.input ? l.to_port : l.from_port) == s.name)
                return &l;
        return nullptr;
    };
    auto net = [](const std::string& inst, const std::string& port) { return inst + "_" + port; };
    // Ports: shared input scalars, exposed streams, taps, then the instances' output scalars.
    for (const auto& i : insts_)
        for (const auto& s : i.m.scalars) {
            if (!s.input) continue;
            const auto it = std::find_if(top.scalars.begin(), top.scalars.end(),
                                         [&](const ScalarPort& p) { return p.name == s.name; });
            if (it == top.scalars.end())
                top.scalars.push_back(s);
            else if (it->width != s.width)
                throw Error(
                    fmt::format("netlist {}: scalar {} is {} bits wide in {} but {} elsewhere",
                                name_, s.name, s.width, i.name, it->width));
        }
    std::vector<std::pair<std::string, std::string>> port_of;  // "inst.stream" -> top port
    for (const auto& i : insts_)
        for (const auto& s : i.m.streams) {
            if (linked(i.name, s)) continue;
            std::string port = s.name;
            for (const auto& r : renames_)
                if (r.inst == i.name && r.stream == s.name) port = r.port;
            StreamPort p = s;
            p.name = port;
            top.streams.push_back(p);
            port_of.emplace_back(i.name + "." + s.name, port);
        }
    for (const auto& t : taps_) {
        const auto [fi, fs] = endpoint(t.from_inst + "." + t.from_port);
        if (!linked(fi->name, *fs))
            throw Error(fmt::format("netlist {}: tap {} of {}.{}: not an internal connection",
                                    name_, t.port, t.from_inst, t.from_port));
        StreamPort p = *fs;
        p.name = t.port;
        p.tap = true;
        top.streams.push_back(p);
    }
    bool any_status = false;
    for (const auto& i : insts_)
        for (const auto& s : i.m.scalars)
            if (!s.input) {
                if (s.name == "status_err" && s.width == 1)
                    any_status = true;
                else
                    top.scalars.push_back({net(i.name, s.name), false, s.width});
            }
    if (any_status) top.scalars.push_back({"status_err", false, 1});
    for (size_t a = 0; a < top.streams.size(); ++a)
        for (size_t b = a + 1; b < top.streams.size(); ++b)
            if (top.streams[a].name == top.streams[b].name)
                throw Error(fmt::format("netlist {}: port {} twice (rename one with expose)", name_,
                                        top.streams[a].name));
    for (const auto& r : renames_)
        if (linked(r.inst, *endpoint(r.inst + "." + r.stream).second))
            throw Error(fmt::format("netlist {}: {}.{} is connected inside, not a port", name_,
                                    r.inst, r.stream));

    SvWriter w;
    w.header(top);
    w.line("// " + purpose_);
    w.ports(top);
    for (const auto& l : links_) {
        const StreamPort& s = *endpoint(l.from_inst + "." + l.from_port).second;
        const std::string n = net(l.from_inst, l.from_port);
        w.line(
            fmt::format("    // {}.{} -> {}.{}", l.from_inst, l.from_port, l.to_inst, l.to_port));
        w.line(fmt::format("    logic {0}_tvalid, {0}_tready, {0}_tlast;", n));
        w.line(fmt::format("    logic {}{}_tdata;", sv_range(s.data_width()), n));
    }
    std::vector<std::string> status;
    for (const auto& i : insts_) {
        for (const auto& s : i.m.scalars)
            if (!s.input && s.name == "status_err" && s.width == 1) {
                w.line(fmt::format("    logic {};", net(i.name, "status_err")));
                status.push_back(net(i.name, "status_err"));
            }
        std::vector<std::string> conns = {".clk(clk)", ".rst(rst)"};
        for (const auto& s : i.m.scalars)
            conns.push_back(fmt::format(".{}({})", s.name, s.input ? s.name : net(i.name, s.name)));
        for (const auto& s : i.m.streams) {
            std::string n;
            if (const Link* l = linked(i.name, s)) {
                n = net(l->from_inst, l->from_port);
            } else {
                for (const auto& [e, port] : port_of)
                    if (e == i.name + "." + s.name) n = port;
            }
            for (const char* sig : {"_tvalid", "_tready", "_tdata", "_tlast"})
                conns.push_back(fmt::format(".{}{}({}{})", s.name, sig, n, sig));
        }
        w.line(fmt::format("    {} u_{} (", i.m.name, i.name));
        for (size_t k = 0; k < conns.size(); ++k)
            w.line("        " + conns[k] + (k + 1 < conns.size() ? "," : ""));
        w.line("    );");
    }
    for (const auto& t : taps_) {
        const std::string n = net(t.from_inst, t.from_port);
        w.line(fmt::format("    assign {}_tvalid = {}_tvalid && {}_tready;", t.port, n, n));
        w.line(fmt::format("    assign {}_tdata = {}_tdata;", t.port, n));
        w.line(fmt::format("    assign {}_tlast = {}_tlast;", t.port, n));
    }
    if (any_status) {
        std::string all;
        for (const auto& s : status) all += (all.empty() ? "" : " | ") + s;
        w.line("    assign status_err = " + all + ";");
    }
    w.line("endmodule");
    top.sv = w.str();

    nlohmann::json inst = nlohmann::json::object();
    for (const auto& i : insts_) {
        inst[i.name] = i.m.name;
        auto add_generated = [&](const std::string& n, const std::string& sv) {
            for (const auto& g : top.generated)
                if (g.name == n) return;
            top.generated.push_back({n, sv});
        };
        add_generated(i.m.name, i.m.sv);
        for (const auto& g : i.m.generated) add_generated(g.name, g.sv);
        for (const auto& p : i.m.primitives)
            if (std::find(top.primitives.begin(), top.primitives.end(), p) == top.primitives.end())
                top.primitives.push_back(p);
    }
    nlohmann::json ports = nlohmann::json::object();
    for (const auto& [e, port] : port_of) ports[port] = e;
    for (const auto& t : taps_) ports[t.port] = t.from_inst + "." + t.from_port;
    nlohmann::json links = nlohmann::json::object();
    for (const auto& l : links_)
        links[l.to_inst + "." + l.to_port] = l.from_inst + "." + l.from_port;
    top.shape = {{"instances", inst}, {"ports", ports}, {"links", links}};
    return top;
}

}  // namespace flexllm::rtlgen
