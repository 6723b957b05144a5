// Console, JUnit XML and JSON reports of a regression.
#include "tb/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "golden/error.h"

namespace flexllm::tb {

namespace {
std::string xml_escape(const std::string& s) {
    std::string r;
    for (char c : s) {
        switch (c) {
            case '<':
                r += "&lt;";
                break;
            case '>':
                r += "&gt;";
                break;
            case '&':
                r += "&amp;";
                break;
            case '"':
                r += "&quot;";
                break;
            default:
                r += c;
        }
    }
    return r;
}
}  // namespace

std::string console_table(const std::vector<CaseOutcome>& cases, const RegressMeta& meta) {
    size_t w = 34;  // the id column fits the longest id
    for (const auto& c : cases) w = std::max(w, c.spec.id().size());
    std::string o =
        fmt::format("{:<{}} {:<6} {:<6} {:>8} {:>8} {:>8} {:>9} {:>7}  {}\n", "test", w, "C-sim",
                    "RTL", "cycles", "model", "resid%", "stalled", "stall", "result");
    int pass = 0;
    for (const auto& c : cases) {
        const bool rtl_ok = c.rtl.ok && (!c.stalled || c.stalled->ok);
        // No cycle model (a composed top whose stages have no chain timing): "-", not a residual.
        const bool model = c.perf.available;
        o += fmt::format("{:<{}} {:<6} {:<6} {:>8} {:>8} {:>8} {:>9} {:>7}  {}\n", c.spec.id(), w,
                         c.csim_ok ? (c.csim == "ok" ? "ok" : "n/a") : "FAIL",
                         rtl_ok ? "ok" : "FAIL", c.perf.measured,
                         model ? std::to_string(c.perf.model) : "-",
                         model ? fmt::format("{:+.2f}", 100 * c.perf.residual) : "-",
                         c.stalled ? c.stalled->measured() : 0,
                         c.stalled ? c.stalled->stall_cycles() : 0, c.passed ? "PASS" : "FAIL");
        pass += c.passed;
    }
    o += fmt::format(
        "{} passed, {} failed of {} ({}; seed {}, stall-prob {}, gap-prob {}, {} stall "
        "profiles, {:.1f} s)\n",
        pass, cases.size() - pass, cases.size(), meta.source, meta.seed, meta.stall_prob,
        meta.gap_prob, meta.stall_profiles, meta.wall_seconds);
    for (const auto& c : cases)
        if (!c.passed) {
            o += fmt::format("FAIL {}: {}\n", c.spec.id(), c.failure);
            if (!c.waves.empty())
                o += fmt::format("     waves: {} (gtkwave {})\n", c.waves,
                                 c.waves.substr(0, c.waves.size() - 4) + ".gtkw");
        }
    return o;
}

namespace {
std::ofstream open_output(const std::string& path) {
    const std::filesystem::path parent = std::filesystem::path(path).parent_path();
    std::error_code ec;
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    std::ofstream o(path);
    if (!o) throw Error(fmt::format("cannot write {}", path));
    return o;
}
}  // namespace

void write_junit(const std::string& path, const std::vector<CaseOutcome>& cases,
                 const RegressMeta& meta) {
    std::ofstream o = open_output(path);
    int fails = 0;
    double total = 0;
    for (const auto& c : cases) {
        fails += !c.passed;
        total += c.wall_seconds;
    }
    o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    o << fmt::format(
        "<testsuites name=\"flexllm regress\" tests=\"{}\" failures=\"{}\" time=\"{:.3f}\">\n",
        cases.size(), fails, meta.wall_seconds);
    o << fmt::format("  <testsuite name=\"stages\" tests=\"{}\" failures=\"{}\" time=\"{:.3f}\">\n",
                     cases.size(), fails, total);
    for (const auto& c : cases) {
        o << fmt::format("    <testcase classname=\"{}.{}\" name=\"{}\" time=\"{:.3f}\"",
                         xml_escape(c.spec.arch), xml_escape(c.spec.stage_name()),
                         xml_escape(c.spec.id()), c.wall_seconds);
        if (c.passed) {
            o << ">\n";
        } else {
            o << ">\n      <failure message=\"" << xml_escape(c.failure) << "\">"
              << xml_escape(c.failure) << (c.waves.empty() ? "" : "\nwaves: " + c.waves)
              << "</failure>\n";
        }
        o << fmt::format("      <system-out>module {} cycles {} model {}</system-out>\n",
                         xml_escape(c.module), c.perf.measured,
                         c.perf.available ? fmt::format("{} residual {:+.3f}%", c.perf.model,
                                                        100 * c.perf.residual)
                                          : "-");
        o << "    </testcase>\n";
    }
    o << "  </testsuite>\n</testsuites>\n";
}

void write_json(const std::string& path, const std::vector<CaseOutcome>& cases,
                const RegressMeta& meta) {
    nlohmann::json j;
    j["source"] = meta.source;
    j["seed"] = meta.seed;
    j["stall_prob"] = meta.stall_prob;
    j["gap_prob"] = meta.gap_prob;
    j["stall_profiles"] = meta.stall_profiles;
    j["wall_seconds"] = meta.wall_seconds;
    j["shard"] = meta.shard;
    int fails = 0;
    for (const auto& c : cases) {
        nlohmann::json r;
        r["id"] = c.spec.id();
        r["arch"] = c.spec.arch;
        r["phase"] = std::string(kern::phase_name(c.spec.phase));
        r["stage"] = c.spec.stage_name();
        r["role"] = c.spec.role;
        if (c.spec.layer < 0)
            r["layer"] = nullptr;  // a role after the last layer (the LM head, the final norm)
        else
            r["layer"] = c.spec.layer;
        r["module"] = c.module;
        r["tokens"] = c.tokens;
        r["d_in"] = c.d_in;
        r["d_out"] = c.d_out;
        if (c.d > 0) r["d"] = c.d;  // a vector stage's buffered length
        r["passed"] = c.passed;
        r["x_safe"] = c.x_safe;
        r["csim"] = c.csim;
        r["failure"] = c.failure;
        r["waves"] = c.waves;
        r["cycles"] = {{"measured", c.perf.measured}, {"model", c.perf.model},
                       {"residual", c.perf.residual}, {"simulated", c.rtl.cycles},
                       {"first_in", c.rtl.first_in},  {"last_out", c.rtl.last_out}};
        if (!c.perf.available) {  // no cycle model of the stage (composition): no keys
            r["cycles"].erase("model");
            r["cycles"].erase("residual");
        }
        for (const auto& t : c.rtl.txns)
            r["transactions"].push_back(
                {{"start", t.start}, {"end", t.end}, {"latency", t.latency()}});
        for (size_t i = 1; i < c.rtl.txns.size(); ++i)
            r["ii"].push_back(c.rtl.txns[i].end - c.rtl.txns[i - 1].end);
        for (const auto& p : c.rtl.ports)
            r["ports"].push_back({{"port", p.port},
                                  {"beats", p.beats},
                                  {"expected", p.expected},
                                  {"stall_cycles", p.stall_cycles},
                                  {"starve_cycles", p.starve_cycles}});
        if (c.stalled)
            r["stalled_run"] = {{"ok", c.stalled->ok},
                                {"measured", c.stalled->measured()},
                                {"stall_cycles", c.stalled->stall_cycles()},
                                {"starve_cycles", c.stalled->starve_cycles()}};
        if (c.rtl.first)
            r["first_divergence"] = {
                {"port", c.rtl.first->port},         {"tensor", c.rtl.first->tensor},
                {"beat", c.rtl.first->beat},         {"lane", c.rtl.first->lane},
                {"token", c.rtl.first->coord.token}, {"channel", c.rtl.first->coord.channel},
                {"got", c.rtl.first->got},           {"exp", c.rtl.first->exp},
                {"cycle", c.rtl.first->cycle}};
        if (c.rtl.first && c.rtl.first->coord.head >= 0)
            r["first_divergence"]["head"] = c.rtl.first->coord.head;
        if (c.rtl.first && c.rtl.first->coord.key >= 0)
            r["first_divergence"]["key"] = c.rtl.first->coord.key;
        fails += !c.passed;
        j["cases"].push_back(r);
    }
    j["passed"] = static_cast<int>(cases.size()) - fails;
    j["failed"] = fails;
    std::ofstream o = open_output(path);
    o << j.dump(2) << "\n";
}

}  // namespace flexllm::tb
