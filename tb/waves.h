// GTKWave save files: one group per stream port of the module (tvalid, tready, tlast, tdata and
// tdata split into its lanes, in decimal), then the clock/reset and the scalar ports, for the FST
// the harness writes on failure (time axis: tb/dut.h, trace_time). And a check that the GTKWave
// application itself opens such a pair, headless.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rtl_gen/lint.h"
#include "tb/dut.h"

namespace flexllm::tb {

// Where a save file puts the primary marker (the first divergence) and the end of the traced
// window the view is zoomed to, in simulation time (trace_time), and the diverging port and lane,
// whose lane trace is highlighted.
struct GtkwMarker {
    int64_t time = 0;
    int64_t view_end = 0;
    std::string port;
    int lane = 0;
};
// A stream's lanes are listed as traces "<port>_lane<i>" when it has at most this many.
inline constexpr int kGtkwMaxLaneTraces = 64;
// Writes `gtkw_path` referring to `fst_path`, starting the view at simulation time `time_start`,
// with `marker` set and the view zoomed to [time_start, marker->view_end].
void write_gtkw(const std::string& gtkw_path, const std::string& fst_path, const Dut& dut,
                uint64_t time_start, std::optional<GtkwMarker> marker = std::nullopt);

// One row of GTKWave's signal pane, as GTKWave reports it.
struct GtkwaveTrace {
    std::string name;    // as displayed, e.g. "m_axis_y_tdata[255:0]" or a group name
    uint32_t flags = 0;  // GTKWave's TR_* flags (TR_BLANK: a comment or group begin/end row)
    std::string value;   // the value at the marker ("" without a marker or for blank rows)
    bool is_signal() const { return (flags & kBlank) == 0; }
    static constexpr uint32_t kBlank = 1u << 9;  // TR_BLANK
};

// What GTKWave loaded and displays after opening a dump file with a save file.
struct GtkwaveCheck {
    rtlgen::ToolResult run;  // the command line, GTKWave's exit code and its console output
    bool timed_out = false;
    bool reported = false;               // the Tcl script ran to the end and wrote its report
    std::string error;                   // a Tcl error of the script or an unreadable report line
    int64_t facilities = 0;              // gtkwave::getNumFacs: signals in the dump
    int64_t min_time = 0, max_time = 0;  // the dump's time range
    int64_t window_start = 0, window_end = 0;  // the displayed time window
    std::optional<int64_t> marker;             // where the primary marker was put
    std::vector<GtkwaveTrace> traces;          // the signal pane, top to bottom
    bool ok() const { return run.ok && !timed_out && reported && error.empty(); }
    size_t signal_count() const;
    const GtkwaveTrace* find(const std::string& name) const;  // a signal row by displayed name
};

// Runs `timeout T xvfb-run -a gtkwave --rcfile=/dev/null --script=CHECK.tcl FST GTKW` (no display
// needed, the user's .gtkwaverc ignored): the script reports the facilities, the displayed traces,
// the dump's time range and the displayed window, and at the marker (`marker`, else the save
// file's) each trace's value,
// then quits. A missing input file, or a missing gtkwave / xvfb-run / xauth (with an install
// hint), throws Error; a GTKWave failure or timeout is reported in the result.
GtkwaveCheck gtkwave_open(const std::string& fst_path, const std::string& gtkw_path,
                          std::optional<int64_t> marker = std::nullopt, int timeout_seconds = 60);

}  // namespace flexllm::tb
