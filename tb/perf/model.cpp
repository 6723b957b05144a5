// Whole-model FPGA performance: prefill dataflow, decode chains, hand-off, energy.
#include "tb/perf/model.h"

#include <fmt/format.h>

#include <algorithm>

#include "golden/error.h"

namespace flexllm::perf {

namespace {

int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

AttnShape attn_shape(const Design& d) {
    return AttnShape{d.model.heads, d.model.kv_heads, d.model.head_dim,
                     d.options.shared_attention_array};
}

// The decode engine with the device-capped channel bandwidth.
DecodeParams decode_params(const Design& d, const ChannelPlan& plan) {
    DecodeParams p = d.arch.decode;
    p.weight_mem = plan.group("decode").effective;
    return p;
}

// Stage cycles of one prefill token tile of `q` tokens (everything but attention, which depends
// on the tile's position).
struct TileStages {
    StageCycles embed, norm, quant_h, quant_q, quant_f, k, q, v, rope, qstatic, kv_write, o,
        residual, gate, up, swiglu, fht, down;
};

TileStages tile_stages(const Design& d, const ChannelPlan& plan, int q) {
    const auto& m = d.model;
    const auto& pf = d.arch.prefill;
    const int H = m.hidden, Q = m.q_dim(), KV = m.kv_dim(), F = m.intermediate;
    const int tp = pf.tp;
    const int vl = std::max(1, pf.lanes / tp);  // elements of each token per beat
    const auto& kq = plan.group("prefill.kq").effective;
    const auto& vo = plan.group("prefill.vo").effective;
    const bool three = d.options.ffn_engines == 3;
    const auto& gate_mem = plan.group(three ? "prefill.gate" : "prefill.ffn").effective;
    const auto& up_mem = plan.group(three ? "prefill.up" : "prefill.ffn").effective;
    const auto& down_mem = plan.group(three ? "prefill.down" : "prefill.ffn").effective;
    const auto& dec = plan.group("decode").effective;
    TileStages s;
    s.embed = embed_cycles(q, H, tp, vl, dec);
    s.norm = vector_cycles(q, H, vl, tp, VectorKind::kRowReduce, fill::kRmsNorm);
    s.quant_h = quant_token_prefill_cycles(q, H, tp);
    s.quant_q = quant_token_prefill_cycles(q, Q, tp);
    s.quant_f = quant_token_prefill_cycles(q, F, tp);
    s.k = linear_prefill_cycles(q, H, KV, tp, pf.kq_wp, kq);
    s.q = linear_prefill_cycles(q, H, Q, tp, pf.kq_wp, kq);
    s.v = linear_prefill_cycles(q, H, KV, tp, pf.vo_wp, vo);
    s.o = linear_prefill_cycles(q, Q, H, tp, pf.vo_wp, vo);
    s.rope = vector_cycles(q, Q + KV, vl, tp, VectorKind::kStream, fill::kRope);
    s.qstatic = vector_cycles(q, Q + 2 * KV, vl, tp, VectorKind::kStream, fill::kQuantStatic);
    s.kv_write = kv_write_cycles(q, KV, dec);
    s.residual = vector_cycles(q, H, vl, tp, VectorKind::kStream, fill::kResidual);
    s.gate = linear_prefill_cycles(q, H, F, tp, pf.ffn_wp, gate_mem, fill::kLinearPrefill,
                                   pf.ffn_blocks);
    s.up =
        linear_prefill_cycles(q, H, F, tp, pf.ffn_wp, up_mem, fill::kLinearPrefill, pf.ffn_blocks);
    s.down = linear_prefill_cycles(q, F, H, tp, pf.ffn_wp, down_mem, fill::kLinearPrefill,
                                   pf.ffn_blocks);
    s.swiglu = vector_cycles(q, F, vl, tp, VectorKind::kStream, fill::kSwiglu);
    s.fht = fht_cycles(q, F, vl, tp, fill::kFht);
    return s;
}

// Final RMSNorm, quantizer, LM head on the decode GEMV and sampling for one token.
Timing lm_head_tail(Schedule& s, const Design& d, const DecodeParams& dp, const Timing& in) {
    const auto& m = d.model;
    const int lanes = d.arch.decode.lanes;
    const Timing n = s.run(
        s.unit("d.rmsnorm"),
        vector_cycles(1, m.hidden, lanes, 1, VectorKind::kRowReduce, fill::kRmsNorm), {stream(in)});
    const Timing q =
        s.run(s.unit("d.quant_token"), quant_token_cycles(1, m.hidden, lanes), {stream(n)});
    const Timing lm =
        s.run(s.unit("d.gemv"), linear_decode_cycles(m.hidden, m.vocab, dp), {stream(q)});
    return s.run(s.unit("d.sample"), sample_cycles(m.vocab, lanes, d.options.top_k), {stream(lm)});
}

PhaseResult collect(const Schedule& s, int64_t cycles) {
    PhaseResult r;
    r.cycles = cycles;
    r.units = s.units();
    r.work = s.work();
    return r;
}

}  // namespace

PhaseResult simulate_prefill(const Design& d, const ChannelPlan& plan, int tokens, bool lm_head) {
    if (tokens < 1) throw Error(fmt::format("prefill needs at least one token (got {})", tokens));
    const auto& m = d.model;
    const auto& pf = d.arch.prefill;
    const int tp = pf.tp;
    const int n = static_cast<int>(cdiv(tokens, tp));
    const int q_last = tokens - (n - 1) * tp;
    const TileStages full = tile_stages(d, plan, tp);
    const TileStages last = q_last == tp ? full : tile_stages(d, plan, q_last);
    const auto& dec = plan.group("decode").effective;
    std::vector<StageCycles> attn(n);
    for (int t = 0; t < n; ++t) {
        const int q = t == n - 1 ? q_last : tp;
        attn[t] = attention_prefill_cycles(q, t * tp + q, attn_shape(d), pf.attn_tp, pf.attn_kv,
                                           pf.lanes, dec);
    }

    Schedule s;
    const bool three = d.options.ffn_engines == 3;
    const int u_embed = s.unit("p.embed"), u_norm1 = s.unit("p.rmsnorm1"),
              u_q1 = s.unit("p.quant_token1"), u_kq = s.unit("p.kq_engine"),
              u_vo = s.unit("p.vo_engine"), u_rope = s.unit("p.rope"),
              u_qs = s.unit("p.quant_static"), u_kvw = s.unit("p.kv_write"),
              u_attn = s.unit("p.attention"), u_q2 = s.unit("p.quant_token2"),
              u_res1 = s.unit("p.residual1"), u_norm2 = s.unit("p.rmsnorm2"),
              u_q3 = s.unit("p.quant_token3"),
              u_gate = s.unit(three ? "p.gate_engine" : "p.ffn_engine"),
              u_up = s.unit(three ? "p.up_engine" : "p.ffn_engine"), u_swiglu = s.unit("p.swiglu"),
              u_fht = s.unit("p.fht"), u_q4 = s.unit("p.quant_token4"),
              u_down = s.unit(three ? "p.down_engine" : "p.ffn_engine"),
              u_res2 = s.unit("p.residual2");

    // res2[t]: the layer output of tile t (input of tile t in the next layer).
    std::vector<Timing> res2(n);
    struct Pending {
        Timing attn, layer_in;
        int t = 0;
    };
    Timing last_out;
    auto tail = [&](const Pending& p) {
        const TileStages& c = p.t == n - 1 ? last : full;
        const Timing q2 = s.run(u_q2, c.quant_q, {stream(p.attn)});
        const Timing o = s.run(u_vo, c.o, {stream(q2)});
        const Timing r1 = s.run(u_res1, c.residual, {stream(o), barrier(p.layer_in)});
        const Timing n2 = s.run(u_norm2, c.norm, {stream(r1)});
        const Timing q3 = s.run(u_q3, c.quant_h, {stream(n2)});
        const Timing g = s.run(u_gate, c.gate, {stream(q3)});
        const Timing u = s.run(u_up, c.up, {three ? stream(q3) : barrier(q3)});
        const Timing sw = s.run(u_swiglu, c.swiglu, {stream(g), stream(u)});
        const Timing fh = s.run(u_fht, c.fht, {stream(sw)});
        const Timing q4 = s.run(u_q4, c.quant_f, {stream(fh)});
        const Timing dn = s.run(u_down, c.down, {stream(q4)});
        res2[p.t] = s.run(u_res2, c.residual, {stream(dn), barrier(r1)});
        last_out = res2[p.t];
    };

    // Global tile order g = layer * n + t. The V|O engine runs V one tile ahead of O: step g
    // issues the head of tile g (up to attention), then the tail of tile g - 1 (O onwards).
    // With a single tile per layer, tile g depends on tile g - 1's tail, which goes first.
    Pending pending;
    bool has_pending = false;
    const int64_t steps = int64_t{m.layers} * n;
    for (int64_t g = 0; g < steps; ++g) {
        const int l = static_cast<int>(g / n), t = static_cast<int>(g % n);
        const TileStages& c = t == n - 1 ? last : full;
        if (n == 1 && has_pending) {
            tail(pending);
            has_pending = false;
        }
        const Timing in = l == 0 ? s.run(u_embed, c.embed, {}) : res2[t];
        const Timing n1 = s.run(u_norm1, c.norm, {stream(in)});
        const Timing q1 = s.run(u_q1, c.quant_h, {stream(n1)});
        const Timing k = s.run(u_kq, c.k, {stream(q1)});
        const Timing q = s.run(u_kq, c.q, {barrier(q1)});
        const Timing v = s.run(u_vo, c.v, {barrier(q1)});
        const Timing rope = s.run(u_rope, c.rope, {stream(q), stream(k)});
        const Timing qs = s.run(u_qs, c.qstatic, {stream(rope), stream(v)});
        const Timing kvw = s.run(u_kvw, c.kv_write, {stream(qs)});
        const Timing at = s.run(u_attn, attn[t], {barrier(qs), barrier(kvw)});
        if (has_pending) tail(pending);
        pending = Pending{at, in, t};
        has_pending = true;
    }
    tail(pending);
    int64_t cycles = last_out.done;
    if (lm_head) cycles = lm_head_tail(s, d, decode_params(d, plan), last_out).done;
    return collect(s, cycles);
}

DecodeResult simulate_decode(const Design& d, const ChannelPlan& plan, int first_pos, int steps) {
    DecodeResult r;
    if (steps <= 0) return r;
    const auto& m = d.model;
    const auto& dc = d.arch.decode;
    const DecodeParams dp = decode_params(d, plan);
    const int H = m.hidden, Q = m.q_dim(), KV = m.kv_dim(), F = m.intermediate;
    const int lanes = dc.lanes;
    const bool fused = d.options.fuse_decode_projections;

    const StageCycles embed = embed_cycles(1, H, 1, lanes, dp.weight_mem);
    const StageCycles norm = vector_cycles(1, H, lanes, 1, VectorKind::kRowReduce, fill::kRmsNorm);
    const StageCycles quant_h = quant_token_cycles(1, H, lanes);
    const StageCycles quant_q = quant_token_cycles(1, Q, lanes);
    const StageCycles quant_f = quant_token_cycles(1, F, lanes);
    const StageCycles g_q = linear_decode_cycles(H, Q, dp);
    const StageCycles g_kv = linear_decode_cycles(H, KV, dp);
    const StageCycles g_qkv = linear_decode_cycles(H, Q + 2 * KV, dp);
    const StageCycles g_o = linear_decode_cycles(Q, H, dp);
    const StageCycles g_ff = linear_decode_cycles(H, F, dp);
    const StageCycles g_gu = linear_decode_cycles(H, 2 * F, dp);
    const StageCycles g_down = linear_decode_cycles(F, H, dp);
    const StageCycles rope = vector_cycles(1, Q + KV, lanes, 1, VectorKind::kStream, fill::kRope);
    const StageCycles qstatic =
        vector_cycles(1, Q + 2 * KV, lanes, 1, VectorKind::kStream, fill::kQuantStatic);
    const StageCycles kvw = kv_write_cycles(1, KV, dp.weight_mem);
    const StageCycles residual =
        vector_cycles(1, H, lanes, 1, VectorKind::kStream, fill::kResidual);
    const StageCycles swiglu = vector_cycles(1, F, lanes, 1, VectorKind::kStream, fill::kSwiglu);
    const StageCycles fht = fht_cycles(1, F, lanes, 1, fill::kFht);

    Schedule s;
    const int u_embed = s.unit("d.embed"), u_norm = s.unit("d.rmsnorm"),
              u_quant = s.unit("d.quant_token"), u_gemv = s.unit("d.gemv"),
              u_rope = s.unit("d.rope"), u_qs = s.unit("d.quant_static"),
              u_kvw = s.unit("d.kv_write"), u_attn = s.unit("d.attention"),
              u_res = s.unit("d.residual"), u_swiglu = s.unit("d.swiglu"), u_fht = s.unit("d.fht");
    Timing prev{};
    for (int i = 0; i < steps; ++i) {
        const int ctx = first_pos + i + 1;
        const StageCycles attn = attention_decode_cycles(ctx, attn_shape(d), dc.heads_parallel,
                                                         dc.kv_parallel, lanes, dp.weight_mem);
        const Timing e = s.run(u_embed, embed, {barrier(prev)});
        Timing x = e;
        for (int l = 0; l < m.layers; ++l) {
            const Timing n1 = s.run(u_norm, norm, {stream(x)});
            const Timing q1 = s.run(u_quant, quant_h, {stream(n1)});
            Timing tq, tk, tv;
            if (fused) {
                tq = tk = tv = s.run(u_gemv, g_qkv, {stream(q1)});
            } else {
                tq = s.run(u_gemv, g_q, {stream(q1)});
                tk = s.run(u_gemv, g_kv, {barrier(q1)});
                tv = s.run(u_gemv, g_kv, {barrier(q1)});
            }
            const Timing ro = s.run(u_rope, rope, {stream(tq), stream(tk)});
            const Timing qs = s.run(u_qs, qstatic, {stream(ro), stream(tv)});
            const Timing kw = s.run(u_kvw, kvw, {stream(qs)});
            const Timing at = s.run(u_attn, attn, {barrier(qs), barrier(kw)});
            const Timing q2 = s.run(u_quant, quant_q, {stream(at)});
            const Timing o = s.run(u_gemv, g_o, {stream(q2)});
            const Timing r1 = s.run(u_res, residual, {stream(o), barrier(x)});
            const Timing n2 = s.run(u_norm, norm, {stream(r1)});
            const Timing q3 = s.run(u_quant, quant_h, {stream(n2)});
            Timing sw;
            if (fused) {
                const Timing gu = s.run(u_gemv, g_gu, {stream(q3)});
                sw = s.run(u_swiglu, swiglu, {stream(gu)});
            } else {
                const Timing g = s.run(u_gemv, g_ff, {stream(q3)});
                const Timing u = s.run(u_gemv, g_ff, {barrier(q3)});
                sw = s.run(u_swiglu, swiglu, {barrier(g), stream(u)});
            }
            const Timing fh = s.run(u_fht, fht, {stream(sw)});
            const Timing q4 = s.run(u_quant, quant_f, {stream(fh)});
            const Timing dn = s.run(u_gemv, g_down, {stream(q4)});
            x = s.run(u_res, residual, {stream(dn), barrier(r1)});
        }
        const Timing sm = lm_head_tail(s, d, dp, x);
        const int64_t step = sm.done - prev.done;
        if (i == 0) r.first_step_cycles = step;
        r.last_step_cycles = step;
        prev = sm;
    }
    static_cast<PhaseResult&>(r) = collect(s, prev.done);
    return r;
}

int64_t lm_head_cycles(const Design& d, const ChannelPlan& plan) {
    Schedule s;
    return lm_head_tail(s, d, decode_params(d, plan), Timing{}).done;
}

double fpga_energy_j(const FpgaDevice& dev, const Work& w, double seconds) {
    const double pj = w.macs4 * dev.pj_per_int4_mac + w.macs8 * dev.pj_per_int8_mac +
                      w.vec_ops * dev.pj_per_vector_op + w.bytes * 8.0 * dev.pj_per_mem_bit;
    return dev.static_w * seconds + pj * 1e-12;
}

FpgaRun run_fpga(const Design& d, const Workload& w) {
    validate_design(d);
    validate_workload(d, w);
    FpgaRun r;
    r.plan = plan_channels(d, int64_t{w.prompt_len} + w.gen_len);
    r.resources = estimate_resources(d, w.prompt_len + w.gen_len);
    r.prefill = simulate_prefill(d, r.plan, w.prompt_len, true);
    r.decode = simulate_decode(d, r.plan, w.prompt_len, w.gen_len - 1);
    r.clock_mhz = d.arch.clock_mhz;
    const double hz = d.arch.clock_mhz * 1e6;
    const double launch = d.device.kernel_launch_us * 1e-6;
    r.ttft_s = launch + r.prefill.cycles / hz;
    r.handoff_s = launch + fill::kPrefillDecodeHandoff / hz;
    r.decode_s = r.decode.cycles / hz;
    r.e2e_s = r.ttft_s + r.handoff_s + r.decode_s;
    r.decode_tokens_per_s = w.gen_len > 1 ? (w.gen_len - 1) / r.decode_s : 0;
    r.prefill_energy_j = fpga_energy_j(d.device, r.prefill.work, r.ttft_s);
    r.decode_energy_j = fpga_energy_j(d.device, r.decode.work, r.handoff_s + r.decode_s);
    const double total = r.prefill_energy_j + r.decode_energy_j;
    r.energy_per_token_j = total / w.gen_len;
    r.avg_power_w = total / r.e2e_s;
    return r;
}

}  // namespace flexllm::perf
