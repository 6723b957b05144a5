// GTKWave save files: one group per stream port of the module (tvalid, tready, tlast, tdata),
// then the clock/reset and the scalar ports, for the FST the harness writes on failure.
#pragma once

#include <string>

#include "tb/dut.h"

namespace flexllm::tb {

// Writes `gtkw_path` referring to `fst_path`, starting the view at simulation time `time_start`.
void write_gtkw(const std::string& gtkw_path, const std::string& fst_path, const Dut& dut,
                uint64_t time_start);

}  // namespace flexllm::tb
