// Bring your own RTL: a manifest (JSON; the schema is in the README, "Run your own RTL") names a
// top written outside the generator (Vitis HLS export, TAPA, hand-written), its sources, the
// kernel variant and arch config it implements and how its ports map onto the harness's streams
// and scalars. The harness drives it through a generated wrapper (rtl_gen/foreign_wrapper.h) on a
// model built on demand (tb/model_cache.h), case by case against golden.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "rtl_gen/foreign_wrapper.h"
#include "rtl_gen/generator.h"
#include "tb/model_cache.h"

namespace flexllm::tb {

struct ForeignRtl {
    std::string path;     // the manifest
    std::string variant;  // the kernel variant it implements (rtl_gen/kernels.txt)
    std::string arch;     // its config, registered by name (kern::register_arch_config)
    rtlgen::ForeignTop top;
    std::vector<std::pair<std::string, std::string>> sources;  // file name, text
};

// Reads and checks the manifest and reads its sources (plain file names in its folder); the arch
// is a built-in name or a TOML file in the same folder. Throws Error naming the key.
ForeignRtl read_foreign_rtl(const std::string& manifest_path);

// The wrapper around the foreign top with the ports of its variant's generated module for `arch`
// and `bounds` (the harness's view of the case), with the foreign sources, as the model build
// takes it.
RtlModule foreign_rtl_module(const ForeignRtl& f, const kern::ArchParams& arch,
                             const kern::ModelBounds& bounds);
// The wrapper's module name: flexllm_wrap_<top>.
std::string foreign_module_name(const ForeignRtl& f);

}  // namespace flexllm::tb
