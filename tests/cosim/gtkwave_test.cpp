// The waveform of a failing case opens in GTKWave itself: a deliberately broken RTL (the acc-bit
// mutant) fails, the harness writes its FST + .gtkw, and GTKWave (headless, under xvfb-run) loads
// both, shows every signal the save file lists, a window inside the traced mismatch window, and
// the wrong value at the reported cycle.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "golden/error.h"
#include "tb/dut.h"
#include "tb/regress.h"
#include "tb/waves.h"

namespace flexllm::tb {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

// The rows a .gtkw file puts in GTKWave's signal pane, read independently of write_gtkw: signal
// names without their scope ("TOP.<module>."), group names ("-name" lines) as "-name".
struct SaveFile {
    std::vector<std::string> rows;
    std::vector<std::string> signals;
    int64_t timestart = -1;
    int64_t marker = -1;  // the "*<zoom> <marker> ..." line's primary marker
};

SaveFile read_save_file(const std::string& path) {
    SaveFile s;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line[0] == '*') {
            std::istringstream f(line.substr(1));
            double zoom = 0;
            f >> zoom >> s.marker;
            continue;
        }
        if (line.empty() || line[0] == '@') continue;
        if (line.rfind("#{", 0) == 0) {  // an alias of bits: "#{name} (k)vector ..."
            const std::string name = line.substr(2, line.find('}') - 2);
            s.rows.push_back(name);
            s.signals.push_back(name);
            continue;
        }
        if (line.rfind("[timestart] ", 0) == 0) s.timestart = std::stoll(line.substr(12));
        if (line[0] == '[') continue;
        if (line[0] == '-') {
            s.rows.push_back(line);
            continue;
        }
        const size_t dot = line.rfind('.', line.find('['));
        const std::string name = dot == std::string::npos ? line : line.substr(dot + 1);
        s.rows.push_back(name);
        s.signals.push_back(name);
    }
    return s;
}

// Lane `lane` (elements of `width` bits) of a vector GTKWave displays in hex, e.g. "FFFFF3DE0..".
int64_t hex_lane(const std::string& hex, int lane, int width, bool is_signed) {
    uint64_t v = 0;
    for (int b = 0; b < width; ++b) {
        const int bit = lane * width + b;
        if (bit / 4 >= static_cast<int>(hex.size())) break;
        const int nib = std::stoi(std::string(1, hex[hex.size() - 1 - bit / 4]), nullptr, 16);
        v |= static_cast<uint64_t>((nib >> (bit % 4)) & 1) << b;
    }
    if (is_signed && width < 64 && ((v >> (width - 1)) & 1)) v |= ~0ull << width;
    return static_cast<int64_t>(v);
}

TEST(Gtkwave, OpensTheFailureWaveformWithItsSaveFile) {
    const fs::path dir = fs::temp_directory_path() / "flexllm_gtkwave_test";
    fs::remove_all(dir);
    RegressOptions o;
    o.fault = "acc-bit";  // a flipped accumulator bit in PE (1, 2)
    o.filter = "tiny_a/prefill/*linear/gate";
    o.stall_prob = 0;  // only the clean run: its first divergence is the one traced
    o.explicit_options = {"filter", "stall-prob"};
    o.waves_dir = dir.string();
    o.wave_window = 40;
    const auto r = run_regress(o);
    ASSERT_GE(r.cases.size(), 1u);
    const CaseOutcome& c = r.cases[0];
    ASSERT_FALSE(c.passed);
    ASSERT_TRUE(c.rtl.first.has_value()) << c.failure;
    ASSERT_FALSE(c.waves.empty()) << "no waveform written for " << c.spec.id();
    const std::string gtkw = c.waves.substr(0, c.waves.size() - 4) + ".gtkw";
    ASSERT_TRUE(fs::exists(gtkw));

    // The window the harness traces around the first divergence at cycle C (tb/README.md): cycles
    // [C - window, C + window/4 + 8], harness cycle c at c ns = 1000 c ps, its clock edge at c.5
    // ns.
    const Divergence& d = *c.rtl.first;
    ASSERT_GT(d.cycle, o.wave_window) << "the test wants a window that does not start at reset";
    const uint64_t from = d.cycle - o.wave_window, to = d.cycle + o.wave_window / 4 + 8;
    const int64_t begin = 1000 * static_cast<int64_t>(from);
    const int64_t end = 1000 * static_cast<int64_t>(to + 1);
    const int64_t t_mismatch = 1000 * static_cast<int64_t>(d.cycle);

    GtkwaveCheck g;
    try {
        g = gtkwave_open(c.waves, gtkw, std::nullopt, 60);  // the save file's marker
    } catch (const Error& e) {
        FAIL() << e.what() << " -- " << e.hint();
    }
    const std::string ctx = g.run.command + "\n" + g.run.output;
    std::cout << g.run.command << "\n  exit " << g.run.exit_code << ", " << g.facilities
              << " facilities, " << g.signal_count() << " signals in " << g.traces.size()
              << " rows, dump [" << g.min_time << ", " << g.max_time << "], window ["
              << g.window_start << ", " << g.window_end << "], mismatch at " << t_mismatch << "\n";
    // GTKWave loaded both files, ran the script and exited 0 by itself, within the timeout.
    ASSERT_FALSE(g.timed_out) << ctx;
    ASSERT_EQ(g.run.exit_code, 0) << ctx;
    ASSERT_TRUE(g.reported) << ctx;
    EXPECT_EQ(g.error, "") << ctx;
    EXPECT_GT(g.facilities, 0) << ctx;

    // The signal pane is the save file's: every signal it lists, in its groups and order.
    const SaveFile sf = read_save_file(gtkw);
    ASSERT_GT(sf.signals.size(), 0u);
    EXPECT_EQ(g.signal_count(), sf.signals.size()) << ctx;
    std::vector<std::string> shown;
    for (const auto& t : g.traces) shown.push_back(t.is_signal() ? t.name : "-" + t.name);
    EXPECT_EQ(shown, sf.rows);
    EXPECT_EQ(sf.timestart, begin);

    // The dump and the displayed window lie inside the traced mismatch window, and the view
    // shows the mismatch.
    EXPECT_GE(g.min_time, begin);
    EXPECT_LE(g.max_time, end);
    EXPECT_GE(g.window_start, begin);
    EXPECT_LE(g.window_end, end);
    EXPECT_LT(g.window_start, g.window_end);
    EXPECT_LE(g.window_start, t_mismatch);
    EXPECT_GE(g.window_end, t_mismatch);

    // The save file puts the marker at the reported cycle, where GTKWave shows the handshake of
    // the diverging beat and GOT in its lane.
    ASSERT_EQ(g.marker, t_mismatch);
    EXPECT_EQ(sf.marker, t_mismatch);
    const DutFactory make = find_dut(c.module);
    ASSERT_NE(make, nullptr) << c.module;
    const auto dut = make(1);
    const StreamPortRef& port = dut->stream(d.port);
    const GtkwaveTrace* valid = g.find(d.port + "_tvalid");
    const GtkwaveTrace* ready = g.find(d.port + "_tready");
    const GtkwaveTrace* data =
        g.find(d.port + "_tdata[" + std::to_string(port.data.width - 1) + ":0]");
    ASSERT_TRUE(valid && ready && data) << ctx;
    EXPECT_EQ(valid->value, "1");
    EXPECT_EQ(ready->value, "1");
    EXPECT_EQ(hex_lane(data->value, d.lane, port.elem_width, port.elem_signed), d.got)
        << d.port << " = " << data->value << ", lane " << d.lane;
    EXPECT_NE(d.got, d.exp);
    // tdata split into its lanes, each in decimal: the diverging lane shows GOT, highlighted, and
    // every other lane the value of its bits of tdata.
    ASSERT_GT(port.lanes, 1);
    for (int i = 0; i < port.lanes; ++i) {
        const std::string name = d.port + "_lane" + std::to_string(i);
        const GtkwaveTrace* lane = g.find(name);
        ASSERT_TRUE(lane) << name << " not shown\n" << ctx;
        EXPECT_EQ(lane->value,
                  std::to_string(hex_lane(data->value, i, port.elem_width, port.elem_signed)))
            << name;
        EXPECT_EQ((lane->flags & 1u) != 0, i == d.lane) << name << " highlighted";
    }
    EXPECT_EQ(g.find(d.port + "_lane" + std::to_string(d.lane))->value, std::to_string(d.got));
    fs::remove_all(dir);
}

TEST(Gtkwave, MissingFileOrToolIsAnErrorWithAHint) {
    EXPECT_THAT([] { gtkwave_open("/nonexistent/x.fst", "/nonexistent/x.gtkw"); },
                ::testing::ThrowsMessage<Error>(HasSubstr("no such file")));
    const fs::path dir = fs::temp_directory_path() / "flexllm_gtkwave_nopath";
    fs::create_directories(dir);
    std::ofstream(dir / "x.fst") << "x";
    std::ofstream(dir / "x.gtkw") << "x";
    const std::string path = std::getenv("PATH") ? std::getenv("PATH") : "";
    setenv("PATH", dir.string().c_str(), 1);  // no gtkwave, no xvfb-run
    try {
        gtkwave_open((dir / "x.fst").string(), (dir / "x.gtkw").string());
        ADD_FAILURE() << "no Error without gtkwave on PATH";
    } catch (const Error& e) {
        EXPECT_THAT(e.what(), HasSubstr("gtkwave not found on PATH"));
        EXPECT_THAT(e.hint(), HasSubstr("apt-get install gtkwave"));
    }
    setenv("PATH", path.c_str(), 1);
    fs::remove_all(dir);
}

TEST(Gtkwave, AViewerThatHangsIsStoppedByTheTimeout) {
    // A stand-in `gtkwave` that never quits (as GTKWave would on a modal dialog) ahead on PATH.
    const fs::path dir = fs::temp_directory_path() / "flexllm_gtkwave_hang";
    fs::remove_all(dir);
    fs::create_directories(dir);
    std::ofstream(dir / "gtkwave") << "#!/bin/sh\nexec sleep 30\n";
    fs::permissions(dir / "gtkwave", fs::perms::owner_all);
    std::ofstream(dir / "x.fst") << "x";
    std::ofstream(dir / "x.gtkw") << "x";
    const std::string path = std::getenv("PATH") ? std::getenv("PATH") : "";
    setenv("PATH", (dir.string() + ":" + path).c_str(), 1);
    const auto t0 = std::chrono::steady_clock::now();
    GtkwaveCheck g;
    try {
        g = gtkwave_open((dir / "x.fst").string(), (dir / "x.gtkw").string(), std::nullopt, 2);
    } catch (const Error& e) {
        ADD_FAILURE() << e.what() << " -- " << e.hint();
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    setenv("PATH", path.c_str(), 1);
    EXPECT_TRUE(g.timed_out) << g.run.command << "\n" << g.run.output;
    EXPECT_FALSE(g.ok());
    EXPECT_FALSE(g.reported);
    EXPECT_LT(s, 10.0);
    fs::remove_all(dir);
}

}  // namespace
}  // namespace flexllm::tb
