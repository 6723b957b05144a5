// Text tables and JSON of the projections.
#include "tb/perf/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace flexllm::perf {

namespace {

constexpr double kMiB = 1024.0 * 1024.0;

std::string ratio_str(double r) {
    if (!std::isfinite(r) || r <= 0) return "-";
    return r >= 0.1 ? fmt::format("{:.2f}x", r) : fmt::format("{:.3f}x", r);
}

std::string channels_str(int first, int count) {
    return count == 1 ? fmt::format("ch {}", first)
                      : fmt::format("ch {}-{}", first, first + count - 1);
}

std::string pct(double v) { return fmt::format("{:.0f}%", v * 100); }

std::string busiest(const std::vector<UnitStats>& units, int64_t cycles, int n) {
    std::vector<const UnitStats*> u;
    for (const auto& s : units) u.push_back(&s);
    std::sort(u.begin(), u.end(), [](auto* a, auto* b) { return a->busy > b->busy; });
    std::string out;
    for (int i = 0; i < n && i < static_cast<int>(u.size()); ++i) {
        const double busy = cycles > 0 ? static_cast<double>(u[i]->busy) / cycles : 0;
        const double mem =
            u[i]->calls > 0 ? static_cast<double>(u[i]->memory_bound_calls) / u[i]->calls : 0;
        out += fmt::format("    {:<18} {:>5.1f}% busy, {:>8} calls, {:>3.0f}% memory-bound\n",
                           u[i]->name, busy * 100, u[i]->calls, mem * 100);
    }
    return out;
}

}  // namespace

Ratios ratios(const FpgaRun& f, const GpuRun& g) {
    Ratios r;
    r.prefill = g.ttft_s / f.ttft_s;
    r.decode = g.decode_tokens_per_s > 0 ? f.decode_tokens_per_s / g.decode_tokens_per_s : 0;
    r.end_to_end = g.e2e_s / f.e2e_s;
    r.energy_efficiency = g.energy_per_token_j / f.energy_per_token_j;
    return r;
}

std::string format_seconds(double s) {
    if (s >= 1) return fmt::format("{:.3f} s", s);
    if (s >= 1e-3) return fmt::format("{:.2f} ms", s * 1e3);
    return fmt::format("{:.1f} us", s * 1e6);
}

std::string projection_table(const golden::ModelConfig& m, const Workload& w,
                             const std::vector<DesignResult>& designs,
                             const std::optional<Baseline>& baseline) {
    constexpr int kLabel = 28, kCol = 20;
    std::string out = fmt::format("Projection: {}, prompt {} + generated {} tokens, batch 1\n\n",
                                  m.name, w.prompt_len, w.gen_len);
    auto row = [&](const std::string& label, const std::vector<std::string>& cells) {
        std::string r = fmt::format("{:<{}}", label, kLabel);
        for (const auto& c : cells) r += fmt::format("{:<{}}", c, kCol);
        while (!r.empty() && r.back() == ' ') r.pop_back();
        out += r + "\n";
    };
    std::vector<std::string> names, sub, ttft, dec, e2e, ept, pwr;
    for (const auto& d : designs) {
        names.push_back(d.design.arch.name);
        sub.push_back(fmt::format("{} @{:g} MHz", d.design.device.name, d.run.clock_mhz));
        ttft.push_back(format_seconds(d.run.ttft_s));
        dec.push_back(w.gen_len > 1 ? fmt::format("{:.1f} tok/s", d.run.decode_tokens_per_s) : "-");
        e2e.push_back(format_seconds(d.run.e2e_s));
        ept.push_back(fmt::format("{:.3f} J", d.run.energy_per_token_j));
        pwr.push_back(fmt::format("{:.1f} W", d.run.avg_power_w));
    }
    if (baseline) {
        const auto& g = baseline->run;
        names.push_back(baseline->gpu.name);
        sub.push_back("GPU BF16");
        ttft.push_back(format_seconds(g.ttft_s));
        dec.push_back(w.gen_len > 1 ? fmt::format("{:.1f} tok/s", g.decode_tokens_per_s) : "-");
        e2e.push_back(format_seconds(g.e2e_s));
        ept.push_back(fmt::format("{:.3f} J", g.energy_per_token_j));
        pwr.push_back(fmt::format("{:.1f} W", g.avg_power_w));
    }
    row("", names);
    row("", sub);
    row("prefill latency (TTFT)", ttft);
    row("decode throughput", dec);
    row("end-to-end latency", e2e);
    row("energy per token", ept);
    row("average board power", pwr);
    if (!baseline) return out;

    out += fmt::format("\nRatios vs {} (> 1: FPGA better)\n", baseline->gpu.name);
    std::vector<std::string> head, r_pre, r_dec, r_e2e, r_en;
    for (const auto& d : designs) {
        const Ratios r = ratios(d.run, baseline->run);
        const auto& pub = d.design.device.published_vs_a100;
        const bool show_pub = pub && baseline->gpu.name.rfind("a100", 0) == 0 &&
                              d.design.model.name == "llama-3.2-1b";
        head.push_back(d.design.arch.name);
        head.push_back(fmt::format("published {}", d.design.device.name));
        r_pre.push_back(ratio_str(r.prefill));
        r_pre.push_back("-");
        r_dec.push_back(ratio_str(r.decode));
        r_dec.push_back(show_pub ? ratio_str(pub->decode) : "-");
        r_e2e.push_back(ratio_str(r.end_to_end));
        r_e2e.push_back(show_pub ? ratio_str(pub->end_to_end) : "-");
        r_en.push_back(ratio_str(r.energy_efficiency));
        r_en.push_back(show_pub ? ratio_str(pub->energy_efficiency) : "-");
    }
    row("", head);
    row("prefill speedup", r_pre);
    row("decode throughput", r_dec);
    row("end-to-end speedup", r_e2e);
    row("energy efficiency", r_en);
    out += "(published: FlexLLM, arXiv:2601.15710, against an A100 running BF16)\n";
    return out;
}

std::string design_details(const DesignResult& dr, const Workload& w) {
    const Design& d = dr.design;
    const FpgaRun& r = dr.run;
    const FpgaDevice& dev = d.device;
    std::string out = fmt::format("Design {} on {} ({}), {:g} MHz\n", d.arch.name, dev.name,
                                  dev.description, d.arch.clock_mhz);
    out += fmt::format("  memory: {} x {} channels of {:g} GB/s, {:g} MiB each{}\n",
                       dev.memory_type, dev.channels, dev.channel_gbps, dev.channel_capacity_mib,
                       r.plan.prefill_overlays_decode
                           ? "; prefill weights share the decode channels (phases never overlap)"
                           : "");
    for (const auto& g : r.plan.groups) {
        std::string tensors;
        for (const auto& t : g.tensors)
            tensors += fmt::format("{}{} {:.1f} MiB", tensors.empty() ? "" : ", ", t.tensor,
                                   t.bytes / kMiB);
        out += fmt::format("    {:<13} {:<9} {:>3} B/cycle x {:.2f} = {:>6.1f} B/cycle: {}\n",
                           g.name, channels_str(g.first, g.count), g.effective.bytes_per_cycle,
                           g.effective.efficiency, sustained_bytes_per_cycle(g.effective), tensors);
    }
    const auto& rs = r.resources;
    out += fmt::format("  resources (estimate; usable {:.0f}% of the device):\n",
                       dev.max_utilization * 100);
    out += fmt::format("    {:<24} {:>7} {:>7} {:>6}\n", "unit", "DSP", "BRAM36", "URAM");
    for (const auto& l : rs.lines)
        out += fmt::format("    {:<24} {:>7} {:>7} {:>6}\n", l.unit, l.dsp, l.bram36, l.uram);
    auto of = [](int64_t used, int64_t cap) {
        return cap > 0
                   ? fmt::format("{} / {} ({})", used, cap, pct(static_cast<double>(used) / cap))
                   : fmt::format("{} / not stated", used);
    };
    out += fmt::format("    total: DSP {}, BRAM36 {}, URAM {} -> {}\n", of(rs.dsp, dev.dsp),
                       of(rs.bram36, dev.bram36), of(rs.uram, dev.uram),
                       rs.fits ? "fits" : "EXCEEDS the usable share (" + rs.binding + ")");
    if (d.arch.clock_mhz > dev.target_clock_mhz)
        out += fmt::format("  note: clock {:g} MHz is above the device profile's {:g} MHz target\n",
                           d.arch.clock_mhz, dev.target_clock_mhz);
    out += fmt::format("  prefill {} tokens: {} cycles ({}), busiest units:\n", w.prompt_len,
                       r.prefill.cycles, format_seconds(r.prefill.cycles / (r.clock_mhz * 1e6)));
    out += busiest(r.prefill.units, r.prefill.cycles, 5);
    if (w.gen_len > 1) {
        out += fmt::format(
            "  decode {} steps: {} cycles; step {} cycles at {} keys, {} cycles at {} keys; "
            "busiest units:\n",
            w.gen_len - 1, r.decode.cycles, r.decode.first_step_cycles, w.prompt_len + 1,
            r.decode.last_step_cycles, w.prompt_len + w.gen_len - 1);
        out += busiest(r.decode.units, r.decode.cycles, 5);
    }
    out += fmt::format("  energy: prefill {:.2f} J, decode {:.2f} J ({:.1f} W average)\n",
                       r.prefill_energy_j, r.decode_energy_j, r.avg_power_w);
    return out;
}

std::string hmt_table(const DesignResult& dr, const HmtReport& h,
                      const std::optional<Baseline>& b) {
    const HmtConfig& c = h.cfg;
    std::string out = fmt::format(
        "HMT long-context prefill on {}: segments of {} tokens, {} sensory tokens, {} cached "
        "memories, {}-token window per pass\n\n",
        dr.design.arch.name, c.segment_len, c.sensory, c.memories, c.window());
    std::string head =
        fmt::format("{:<10}{:<10}{:<18}{:<14}{:<10}{}", "segments", "tokens", "full attention",
                    "HMT", "speedup", b ? b->gpu.name + " full attention" : "");
    while (!head.empty() && head.back() == ' ') head.pop_back();
    out += head + "\n";
    for (const auto& r : h.rows) {
        std::string line =
            fmt::format("{:<10}{:<10}{:<18}{:<14}{:<10}{}", r.segments, r.tokens,
                        r.full_note.empty() ? format_seconds(r.full_s) : "n/a",
                        format_seconds(r.hmt_s), r.full_note.empty() ? ratio_str(r.speedup) : "-",
                        r.gpu_full_s ? format_seconds(*r.gpu_full_s) : "");
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line + "\n";
        if (!r.full_note.empty()) out += "          full attention: " + r.full_note + "\n";
    }
    const HmtRow& last = h.rows.back();
    out += fmt::format(
        "\nmodel: {} lower prefill latency at {} segments; context {} x {} = {} tokens = {:.1f}x "
        "the {}-token window ({}x in segments)\n",
        last.full_note.empty() ? ratio_str(last.speedup) : "n/a", last.segments, last.segments,
        c.segment_len, last.tokens, h.context_extension, c.window(), last.segments);
    if (const auto& p = dr.design.device.published_hmt)
        out += fmt::format(
            "published (FlexLLM): {:.2f}x lower prefill latency, {:g}x longer context\n",
            p->prefill_speedup, p->context_extension);
    return out;
}

nlohmann::json to_json(const golden::ModelConfig& m, const Workload& w,
                       const std::vector<DesignResult>& designs,
                       const std::optional<Baseline>& baseline,
                       const std::vector<std::pair<std::string, HmtReport>>& hmt) {
    using nlohmann::json;
    json j;
    j["format"] = "flexllm-perf-v1";
    j["generated_by"] = "flexllm perf";
    j["model"] = m.name;
    j["prompt_len"] = w.prompt_len;
    j["gen_len"] = w.gen_len;
    j["batch"] = 1;
    j["designs"] = json::array();
    for (const auto& d : designs) {
        const FpgaRun& r = d.run;
        json e;
        e["arch"] = d.design.arch.name;
        e["device"] = d.design.device.name;
        e["clock_mhz"] = r.clock_mhz;
        e["prefill_s"] = r.ttft_s;
        e["prefill_cycles"] = r.prefill.cycles;
        e["decode_s"] = r.decode_s;
        e["decode_cycles"] = r.decode.cycles;
        e["decode_tokens_per_s"] = r.decode_tokens_per_s;
        e["end_to_end_s"] = r.e2e_s;
        e["energy_j_per_token"] = r.energy_per_token_j;
        e["avg_power_w"] = r.avg_power_w;
        e["resources"] = {{"dsp", r.resources.dsp},
                          {"bram36", r.resources.bram36},
                          {"uram", r.resources.uram},
                          {"dsp_util", r.resources.dsp_util},
                          {"bram_util", r.resources.bram_util},
                          {"uram_util", r.resources.uram_util},
                          {"fits", r.resources.fits}};
        if (baseline) {
            const Ratios q = ratios(r, baseline->run);
            e["ratios"] = {{"baseline", baseline->gpu.name},
                           {"prefill_speedup", q.prefill},
                           {"decode_throughput", q.decode},
                           {"end_to_end_speedup", q.end_to_end},
                           {"energy_efficiency", q.energy_efficiency}};
        }
        if (const auto& p = d.design.device.published_vs_a100)
            e["published_vs_a100"] = {{"decode_throughput", p->decode},
                                      {"end_to_end_speedup", p->end_to_end},
                                      {"energy_efficiency", p->energy_efficiency}};
        j["designs"].push_back(e);
    }
    if (baseline) {
        const GpuRun& g = baseline->run;
        j["baseline"] = {
            {"name", baseline->gpu.name},   {"prefill_s", g.ttft_s},
            {"decode_s", g.decode_s},       {"decode_tokens_per_s", g.decode_tokens_per_s},
            {"end_to_end_s", g.e2e_s},      {"energy_j_per_token", g.energy_per_token_j},
            {"avg_power_w", g.avg_power_w}, {"busy_fraction", g.busy_fraction}};
    }
    if (!hmt.empty()) {
        j["hmt"] = json::array();
        for (const auto& [arch, h] : hmt) {
            json e{{"arch", arch},
                   {"segment_len", h.cfg.segment_len},
                   {"sensory", h.cfg.sensory},
                   {"memories", h.cfg.memories},
                   {"window", h.cfg.window()},
                   {"context_extension", h.context_extension}};
            e["rows"] = json::array();
            for (const auto& r : h.rows) {
                json row{
                    {"segments", r.segments}, {"tokens", r.tokens}, {"hmt_prefill_s", r.hmt_s}};
                if (r.full_note.empty()) {
                    row["full_prefill_s"] = r.full_s;
                    row["prefill_speedup"] = r.speedup;
                } else {
                    row["full_prefill_s"] = nullptr;
                    row["full_note"] = r.full_note;
                }
                if (r.gpu_full_s) row["baseline_full_prefill_s"] = *r.gpu_full_s;
                e["rows"].push_back(row);
            }
            j["hmt"].push_back(e);
        }
    }
    return j;
}

}  // namespace flexllm::perf
