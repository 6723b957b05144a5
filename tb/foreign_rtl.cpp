// The bring-your-own-RTL manifest (tb/foreign_rtl.h).
#include "tb/foreign_rtl.h"

#include <fmt/format.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "golden/config_io.h"
#include "golden/error.h"
#include "hls_src/arch_config.h"
#include "rtl_gen/kernel_list.h"
#include "tb/cases.h"
#include "tb/json_fields.h"

namespace flexllm::tb {

namespace fs = std::filesystem;

namespace {

rtlgen::ForeignStream read_stream(const JsonFields& f, const nlohmann::json& s,
                                  const std::string& name, rtlgen::Convention conv) {
    const std::string at = "streams." + name;
    if (!s.is_object()) f.fail(at, "must be an object");
    f.only(s, {"port", "lanes", "elem_width", "signed", "order", "data_width", "tlast", "eot"}, at);
    rtlgen::ForeignStream r;
    r.stream = name;
    r.port = f.identifier(s, "port", at + ".port");
    r.elem_width = f.integer(s, "elem_width", 1, 64, at + ".elem_width");
    r.lanes = f.integer(s, "lanes", 1, 4096, at + ".lanes");
    r.elem_signed = f.boolean(s, "signed", at + ".signed");
    r.data_width = s.contains("data_width")
                       ? f.integer(s, "data_width", 1, 1 << 20, at + ".data_width")
                       : r.lanes * r.elem_width;
    if (s.contains("order")) {
        const std::string o = f.str(s, "order", at + ".order");
        if (o != "lsb_first" && o != "msb_first")
            f.fail(at + ".order",
                   "must be \"lsb_first\" (lane 0 in the low bits) or \"msb_first\"");
        r.msb_first = o == "msb_first";
    }
    if (s.contains("tlast")) {
        if (conv != rtlgen::Convention::kVitis)
            f.fail(at + ".tlast",
                   "is a Vitis AXI-Stream port (<port>_TLAST); TAPA FIFOs have none");
        r.last = f.boolean(s, "tlast", at + ".tlast");
    }
    if (s.contains("eot")) {
        if (conv != rtlgen::Convention::kTapa)
            f.fail(at + ".eot", "is TAPA's end-of-transaction bit; Vitis streams have TLAST");
        r.eot = f.boolean(s, "eot", at + ".eot");
    }
    return r;
}

}  // namespace

ForeignRtl read_foreign_rtl(const std::string& manifest_path) {
    const JsonFields f("RTL manifest " + manifest_path);
    const nlohmann::json j = f.parse(read_text_file(manifest_path));
    f.only(j,
           {"flexllm_rtl", "top", "sources", "variant", "arch", "convention", "control", "clock",
            "reset_n", "streams", "scalars"},
           "");
    if (f.integer(j, "flexllm_rtl", 0, 1 << 20, "flexllm_rtl") != 1)
        f.fail("flexllm_rtl", "must be 1 (the schema version this flexllm reads)");
    const fs::path dir = fs::path(manifest_path).parent_path();
    ForeignRtl r;
    r.path = manifest_path;
    r.top.top = f.identifier(j, "top", "top");

    r.variant = f.str(j, "variant", "variant");
    std::string names;
    bool known = false;
    for (const auto& v : rtlgen::variants()) {
        known = known || v.variant == r.variant;
        names += (names.empty() ? "" : ", ") + v.variant;
    }
    if (!known)
        f.fail("variant", fmt::format("'{}' is not a kernel variant ({})", r.variant, names));

    const std::string arch = f.str(j, "arch", "arch");
    const auto builtins = kern::builtin_arch_names();
    if (std::find(builtins.begin(), builtins.end(), arch) != builtins.end()) {
        r.arch = arch;
    } else {
        if (!plain_file_name(arch))
            f.fail("arch", fmt::format("'{}' must be a built-in config or a TOML file in the "
                                       "manifest's folder",
                                       arch));
        r.arch = kern::register_arch_config((dir / arch).string());
    }

    const std::string conv = f.str(j, "convention", "convention");
    if (conv != "vitis" && conv != "tapa")
        f.fail("convention", fmt::format("'{}' must be \"vitis\" or \"tapa\"", conv));
    r.top.convention = conv == "vitis" ? rtlgen::Convention::kVitis : rtlgen::Convention::kTapa;
    if (j.contains("control")) {
        const std::string c = f.str(j, "control", "control");
        if (c == "ap_ctrl_none")
            r.top.control = rtlgen::BlockControl::kNone;
        else if (c == "ap_ctrl_hs")
            r.top.control = rtlgen::BlockControl::kHs;
        else if (c == "ap_ctrl_chain")
            r.top.control = rtlgen::BlockControl::kChain;
        else
            f.fail("control",
                   fmt::format("'{}' must be ap_ctrl_none, ap_ctrl_hs or ap_ctrl_chain", c));
    }
    if (j.contains("clock")) r.top.clock = f.identifier(j, "clock", "clock");
    if (j.contains("reset_n")) r.top.reset = f.identifier(j, "reset_n", "reset_n");

    const auto& streams = f.object(j, "streams", "streams");
    for (auto it = streams.begin(); it != streams.end(); ++it)
        r.top.streams.push_back(read_stream(f, it.value(), it.key(), r.top.convention));
    if (j.contains("scalars")) {
        const auto& scalars = f.object(j, "scalars", "scalars");
        for (auto it = scalars.begin(); it != scalars.end(); ++it)
            r.top.scalars.push_back(
                {it.key(), f.identifier(scalars, it.key(), "scalars." + it.key())});
    }

    const auto& sources = f.array(j, "sources", "sources");
    if (sources.empty()) f.fail("sources", "must list the top's files");
    for (const auto& s : sources) {
        const std::string name = s.is_string() ? s.get<std::string>() : "";
        if (!plain_file_name(name))
            f.fail("sources",
                   fmt::format("{} must be a file name in the manifest's folder", s.dump()));
        r.sources.emplace_back(name, read_text_file((dir / name).string()));
    }
    return r;
}

std::string foreign_module_name(const ForeignRtl& f) { return "flexllm_wrap_" + f.top.top; }

RtlModule foreign_rtl_module(const ForeignRtl& f, const kern::ArchParams& arch,
                             const kern::ModelBounds& bounds) {
    rtlgen::Module w;
    try {
        w = rtlgen::foreign_wrapper(variant_module(arch, f.variant, bounds), f.top,
                                    foreign_module_name(f));
    } catch (const Error& e) {
        throw Error(fmt::format("RTL manifest {}: {}", f.path, e.what()), e.hint());
    }
    RtlModule r;
    r.module = w.name;
    r.origin = fs::path(f.path).parent_path().string();
    r.sources.emplace_back(w.name + ".sv", w.sv);
    r.sources.insert(r.sources.end(), f.sources.begin(), f.sources.end());
    nlohmann::ordered_json man = rtlgen::manifest(w, arch, bounds);
    man["sources"] = nlohmann::json::array();
    for (const auto& [name, text] : r.sources) man["sources"].push_back(name);
    r.manifest = man.dump(2);
    return r;
}

}  // namespace flexllm::tb
