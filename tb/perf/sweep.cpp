// Design-space sweep, CSV and SVG output.
#include "tb/perf/sweep.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "golden/error.h"
#include "hls_src/arch_config.h"

namespace flexllm::perf {

namespace {

int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Largest count <= limit that divides bp or that bp divides.
int decode_channels(int bp, int need, int limit) {
    int ch = std::max(1, std::min(need, limit));
    if (ch >= bp) return ch / bp * bp;
    while (bp % ch != 0) --ch;
    return ch;
}

bool same_params(kern::ArchParams a, kern::ArchParams b) {
    a.name = b.name = "";
    return kern::to_toml(a) == kern::to_toml(b);
}

std::string esc(const std::string& s) {
    std::string o;
    for (char c : s) {
        if (c == '&')
            o += "&amp;";
        else if (c == '<')
            o += "&lt;";
        else if (c == '>')
            o += "&gt;";
        else
            o += c;
    }
    return o;
}

double nice_step(double range, int ticks) {
    const double raw = range / ticks;
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
        if (raw <= m * mag) return m * mag;
    return 10 * mag;
}

struct Panel {
    double x0, y0, w, h;  // plot area in SVG units
    double xmax, ymax;
    double px(double x) const { return x0 + w * x / xmax; }
    double py(double y) const { return y0 + h - h * y / ymax; }
};

void axes(std::string& svg, const Panel& p, const std::string& xlabel, const std::string& ylabel,
          const std::string& title) {
    svg += fmt::format(
        R"(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="none" stroke="#444"/>)"
        "\n",
        p.x0, p.y0, p.w, p.h);
    const double xs = nice_step(p.xmax, 6), ys = nice_step(p.ymax, 6);
    for (double x = 0; x <= p.xmax + 1e-9; x += xs)
        svg += fmt::format(
            R"(<line x1="{0:.1f}" y1="{1:.1f}" x2="{0:.1f}" y2="{2:.1f}" stroke="#ddd"/>)"
            R"(<text x="{0:.1f}" y="{3:.1f}" font-size="11" text-anchor="middle">{4:g}</text>)"
            "\n",
            p.px(x), p.y0, p.y0 + p.h, p.y0 + p.h + 15, x);
    for (double y = 0; y <= p.ymax + 1e-9; y += ys)
        svg += fmt::format(
            R"(<line x1="{0:.1f}" y1="{1:.1f}" x2="{2:.1f}" y2="{1:.1f}" stroke="#ddd"/>)"
            R"(<text x="{3:.1f}" y="{4:.1f}" font-size="11" text-anchor="end">{5:g}</text>)"
            "\n",
            p.x0, p.py(y), p.x0 + p.w, p.x0 - 5, p.py(y) + 4, y);
    svg +=
        fmt::format(R"(<text x="{:.1f}" y="{:.1f}" font-size="12" text-anchor="middle">{}</text>)"
                    "\n",
                    p.x0 + p.w / 2, p.y0 + p.h + 34, esc(xlabel));
    svg += fmt::format(
        R"svg(<text transform="translate({:.1f},{:.1f}) rotate(-90)" font-size="12" text-anchor="middle">{}</text>)svg"
        "\n",
        p.x0 - 45, p.y0 + p.h / 2, esc(ylabel));
    svg += fmt::format(
        R"(<text x="{:.1f}" y="{:.1f}" font-size="13" font-weight="bold" text-anchor="middle">{}</text>)"
        "\n",
        p.x0 + p.w / 2, p.y0 - 10, esc(title));
}

}  // namespace

kern::ArchParams sweep_arch(const kern::ArchParams& base, const FpgaDevice& dev, int tp,
                            int prefill_wp, int bp, int decode_wp, int lanes) {
    kern::ArchParams a = base;
    a.name = fmt::format("tp{}_wp{}_bp{}x{}_l{}", tp, prefill_wp, bp, decode_wp, lanes);
    auto& pf = a.prefill;
    pf.tp = tp;
    pf.attn_tp = tp;
    pf.kq_wp = pf.vo_wp = prefill_wp;
    pf.ffn_wp = 4 * prefill_wp;
    // Blocks of 32 channels (one memory channel each), fewer when the three FFN engines plus
    // K|Q and V|O would need more channels than the device has; blocks must divide FFN WP.
    const int max_blocks = std::max(1, std::min(pf.ffn_wp / 32, (dev.channels - 2) / 3));
    pf.ffn_blocks = max_blocks;
    while (pf.ffn_wp % pf.ffn_blocks != 0) --pf.ffn_blocks;
    pf.lanes = lanes;
    const int wbytes = std::max(1, prefill_wp / 2);
    pf.kq_mem.channels = pf.vo_mem.channels =
        static_cast<int>(cdiv(wbytes, pf.kq_mem.bytes_per_cycle));
    pf.ffn_mem.channels = pf.ffn_blocks;
    auto& dc = a.decode;
    dc.bp = bp;
    dc.wp = decode_wp;
    dc.lanes = lanes;
    const int need =
        static_cast<int>(cdiv(int64_t{bp} * decode_wp / 2, dc.weight_mem.bytes_per_cycle));
    dc.weight_mem.channels = decode_channels(bp, need, dev.channels);
    return a;
}

std::vector<SweepPoint> run_sweep(const Design& base, const Workload& w, const SweepGrid& g) {
    std::vector<kern::ArchParams> archs{base.arch};
    for (int tp : g.tp)
        for (int pwp : g.prefill_wp)
            for (int bp : g.bp)
                for (int dwp : g.decode_wp)
                    for (int lanes : g.lanes) {
                        kern::ArchParams a =
                            sweep_arch(base.arch, base.device, tp, pwp, bp, dwp, lanes);
                        if (!same_params(a, base.arch)) archs.push_back(a);
                    }
    std::vector<SweepPoint> pts;
    for (const auto& a : archs) {
        SweepPoint p;
        p.arch = a;
        Design d = base;
        d.arch = a;
        try {
            const FpgaRun r = run_fpga(d, w);
            p.ok = true;
            p.res = r.resources;
            p.ttft_s = r.ttft_s;
            p.decode_tokens_per_s = r.decode_tokens_per_s;
            p.e2e_s = r.e2e_s;
            p.energy_per_token_j = r.energy_per_token_j;
            p.prefill_tokens_per_s = w.prompt_len / r.ttft_s;
        } catch (const Error& e) {
            p.error = e.what();
        }
        pts.push_back(std::move(p));
    }
    return pts;
}

void write_sweep_csv(std::ostream& os, const std::vector<SweepPoint>& pts) {
    os << "# Generated by flexllm perf --sweep; do not edit. One row per design.\n";
    os << "design,tp,prefill_wp,ffn_wp,ffn_blocks,bp,decode_wp,lanes,decode_channels,dsp,bram36,"
          "uram,dsp_util,bram_util,uram_util,fits,ttft_s,prefill_tokens_per_s,decode_tokens_per_s,"
          "e2e_s,energy_j_per_token,error\n";
    for (const auto& p : pts) {
        const auto& a = p.arch;
        os << fmt::format("{},{},{},{},{},{},{},{},{},", a.name, a.prefill.tp, a.prefill.kq_wp,
                          a.prefill.ffn_wp, a.prefill.ffn_blocks, a.decode.bp, a.decode.wp,
                          a.decode.lanes, a.decode.weight_mem.channels);
        if (p.ok)
            os << fmt::format(
                "{},{},{},{:.4f},{:.4f},{:.4f},{},{:.6g},{:.6g},{:.6g},{:.6g},{:.6g},\n", p.res.dsp,
                p.res.bram36, p.res.uram, p.res.dsp_util, p.res.bram_util, p.res.uram_util,
                p.res.fits ? 1 : 0, p.ttft_s, p.prefill_tokens_per_s, p.decode_tokens_per_s,
                p.e2e_s, p.energy_per_token_j);
        else
            os << ",,,,,,,,,,,," << '"' << p.error << '"' << "\n";
    }
}

std::string sweep_svg(const std::vector<SweepPoint>& pts, const SweepPlot& plot) {
    const double W = 1000, Hh = 470;
    std::string svg = fmt::format(
        "<!-- Generated by flexllm perf (design-space sweep); do not edit. -->\n"
        R"(<svg xmlns="http://www.w3.org/2000/svg" width="{0:g}" height="{1:g}" viewBox="0 0 {0:g} {1:g}" font-family="sans-serif">)"
        "\n"
        R"(<rect width="100%" height="100%" fill="white"/>)"
        "\n",
        W, Hh);
    svg += fmt::format(
        R"(<text x="{:.1f}" y="22" font-size="15" font-weight="bold" text-anchor="middle">{}</text>)"
        "\n",
        W / 2, esc(plot.title));
    double xmax = plot.max_utilization * 100, ydec = 0, ypre = 0;
    for (const auto& p : pts) {
        if (!p.ok) continue;
        xmax = std::max(xmax, p.res.dsp_util * 100);
        ydec = std::max(ydec, p.decode_tokens_per_s);
        ypre = std::max(ypre, p.prefill_tokens_per_s);
    }
    // A baseline far above every design is written as a note instead of squashing the axis.
    auto on_scale = [](std::optional<double> gpu, double ymax) {
        return gpu && *gpu <= 3 * ymax ? gpu : std::nullopt;
    };
    const std::optional<double> gpu_dec = on_scale(plot.gpu_decode_tps, ydec);
    const std::optional<double> gpu_pre = on_scale(plot.gpu_prefill_tps, ypre);
    if (gpu_dec) ydec = std::max(ydec, *gpu_dec);
    if (gpu_pre) ypre = std::max(ypre, *gpu_pre);
    auto round_up = [](double v) {
        const double s = nice_step(std::max(v, 1e-9), 6);
        return std::ceil(v * 1.05 / s) * s;
    };
    xmax = round_up(xmax);
    const Panel dec{75, 60, 380, 320, xmax, round_up(ydec)};
    const Panel pre{575, 60, 380, 320, xmax, round_up(ypre)};

    auto draw = [&](const Panel& pn, double SweepPoint::*metric, const std::string& ylabel,
                    const std::string& title, std::optional<double> gpu,
                    std::optional<double> gpu_off_scale) {
        axes(svg, pn, "DSP utilisation (% of device)", ylabel, title);
        if (gpu_off_scale && !gpu)
            svg += fmt::format(
                R"(<text x="{:.1f}" y="{:.1f}" font-size="10" fill="#2a2" text-anchor="end">{}: {:.0f} (off scale)</text>)"
                "\n",
                pn.x0 + pn.w - 4, pn.y0 + 12, esc(plot.gpu_name), *gpu_off_scale);
        const double cap = plot.max_utilization * 100;
        svg += fmt::format(
            R"(<line x1="{0:.1f}" y1="{1:.1f}" x2="{0:.1f}" y2="{2:.1f}" stroke="#c00" stroke-dasharray="5,4"/>)"
            R"(<text x="{3:.1f}" y="{4:.1f}" font-size="10" fill="#c00">capacity ({5:g}%)</text>)"
            "\n",
            pn.px(cap), pn.y0, pn.y0 + pn.h, pn.px(cap) + 3, pn.y0 + 12, cap);
        if (gpu)
            svg += fmt::format(
                R"(<line x1="{0:.1f}" y1="{1:.1f}" x2="{2:.1f}" y2="{1:.1f}" stroke="#2a2" stroke-dasharray="6,3"/>)"
                R"(<text x="{3:.1f}" y="{4:.1f}" font-size="10" fill="#2a2" text-anchor="end">{5}</text>)"
                "\n",
                pn.x0, pn.py(*gpu), pn.x0 + pn.w, pn.x0 + pn.w - 3, pn.py(*gpu) - 4,
                esc(plot.gpu_name));
        // Pareto front of designs that fit: best metric for no more DSPs.
        std::vector<const SweepPoint*> fit;
        for (const auto& p : pts)
            if (p.ok && p.res.fits) fit.push_back(&p);
        std::sort(fit.begin(), fit.end(), [&](const SweepPoint* a, const SweepPoint* b) {
            return a->res.dsp_util < b->res.dsp_util ||
                   (a->res.dsp_util == b->res.dsp_util && a->*metric > b->*metric);
        });
        std::string path;
        double best = -1;
        for (const SweepPoint* p : fit) {
            if (p->*metric <= best) continue;
            best = p->*metric;
            path += fmt::format("{}{:.1f},{:.1f}", path.empty() ? "M" : " L",
                                pn.px(p->res.dsp_util * 100), pn.py(p->*metric));
        }
        for (const auto& p : pts) {
            if (!p.ok) continue;
            const bool hl = p.arch.name == plot.highlight;
            if (hl) continue;
            svg += fmt::format(
                R"(<circle cx="{:.1f}" cy="{:.1f}" r="3" fill="{}" stroke="#1f5fa8" stroke-width="1" fill-opacity="0.6"><title>{}</title></circle>)"
                "\n",
                pn.px(p.res.dsp_util * 100), pn.py(p.*metric), p.res.fits ? "#1f5fa8" : "none",
                esc(p.arch.name));
        }
        if (!path.empty())
            svg += fmt::format(R"(<path d="{}" fill="none" stroke="#e08000" stroke-width="2"/>)"
                               "\n",
                               path);
        for (const auto& p : pts)
            if (p.ok && p.arch.name == plot.highlight) {
                const double x = pn.px(p.res.dsp_util * 100), y = pn.py(p.*metric);
                svg += fmt::format(
                    R"(<path d="M{0:.1f},{1:.1f} l7,7 l-7,7 l-7,-7 z" fill="#d00" stroke="black"><title>{2}</title></path>)"
                    R"(<text x="{3:.1f}" y="{4:.1f}" font-size="11" fill="#d00" stroke="white" stroke-width="3" paint-order="stroke">{2}</text>)"
                    "\n",
                    x, y - 7, esc(p.arch.name), x + 9, y - 6);
            }
    };
    draw(dec, &SweepPoint::decode_tokens_per_s, "decode throughput (tokens/s)",
         "Decode throughput vs DSPs", gpu_dec, plot.gpu_decode_tps);
    draw(pre, &SweepPoint::prefill_tokens_per_s, "prefill throughput (prompt tokens/s)",
         "Prefill throughput vs DSPs", gpu_pre, plot.gpu_prefill_tps);
    // Legend.
    const double ly = Hh - 22;
    svg += fmt::format(
        R"(<circle cx="90" cy="{0:.1f}" r="4" fill="#1f5fa8"/><text x="100" y="{1:.1f}" font-size="11">fits the device</text>)"
        R"(<circle cx="215" cy="{0:.1f}" r="4" fill="none" stroke="#1f5fa8"/><text x="225" y="{1:.1f}" font-size="11">over capacity (DSP, BRAM or URAM)</text>)"
        R"(<line x1="445" y1="{0:.1f}" x2="470" y2="{0:.1f}" stroke="#e08000" stroke-width="2"/><text x="476" y="{1:.1f}" font-size="11">Pareto front of fitting designs</text>)"
        R"(<path d="M665,{2:.1f} l6,6 l-6,6 l-6,-6 z" fill="#d00"/><text x="676" y="{1:.1f}" font-size="11">base design</text>)"
        "\n",
        ly, ly + 4, ly - 6);
    svg += "</svg>\n";
    return svg;
}

}  // namespace flexllm::perf
