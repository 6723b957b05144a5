// SystemVerilog of the output-stationary W4A4 linear engine (linear_prefill_*, linear_decode).
// Structure: activation buffer -> issue (codes, weights, step flags) -> skew registers (prefill
// only) -> rows x cols PEs (flexllm_pe_w4a4, one reduction index per step) -> drain bank (a shift
// register, each PE's final sum loaded when its last step passes) -> WP dequant units
// (flexllm_dequant_w4a4) -> output register. The PE and the dequant unit are hand-written
// primitives (rtl_gen/sv/) that a hierarchical `synth -top` maps once each.
#include <fmt/format.h>

#include "golden/error.h"
#include "rtl_gen/sv_util.h"

namespace flexllm::rtlgen {

namespace {
std::string repl(int n, const std::string& bit) { return fmt::format("{{{}{{{}}}}}", n, bit); }

}  // namespace

void emit_linear(Module& m, const EmitContext& c) {
    const bool systolic = m.variant != "linear_decode";
    const kern::LinearShape s =
        !systolic ? kern::linear_decode_shape(c.arch, c.bounds.d_max)
        : m.variant == "linear_prefill_kq"
            ? kern::linear_prefill_shape(c.arch, kern::PrefillEngine::kKq, c.bounds.d_max)
        : m.variant == "linear_prefill_vo"
            ? kern::linear_prefill_shape(c.arch, kern::PrefillEngine::kVo, c.bounds.d_max)
            : kern::linear_prefill_shape(c.arch, kern::PrefillEngine::kFfn, c.bounds.d_max);
    const std::string& fault = c.fault;
    const int rows = s.rows, ae = s.act_lanes, lanes = s.lanes, wp = s.wp, cols = lanes * wp;
    const int nb = s.d_max / ae;
    const int aw = rows * ae * 4, cw = 54;
    const int nbw = index_width(nb);
    const int asw = index_width(aw);
    const int beats = rows * lanes;  // output beats per channel block
    // Steps from PE (0, j)'s last MAC of a block to PE (rows-1, wp-1)'s: the wavefront's skew.
    const int skew = systolic ? rows - 1 + wp - 1 : 0;
    const int pes = rows * cols;
    // The PE accumulator: exact for d_max products of a uint4 code and an int4 weight.
    const int acc_w = signed_sum_width(15 * 8, s.d_max);
    if (acc_w > 32)
        throw Error(
            fmt::format("{}: d_max {} needs a {}-bit PE accumulator; the dequant unit "
                        "takes int32 (golden/NUMERICS.md)",
                        m.name, s.d_max, acc_w));
    m.scalars = {{"cfg_d_in", true, 16}, {"cfg_n_cb", true, 16}, {"status_err", false, 1}};
    m.streams.push_back({"s_axis_act", true, rows * ae, 4, false, "cfg_d_in/act_lanes"});
    m.streams.push_back({"s_axis_zr", true, rows, 64, false, "1"});
    for (int l = 0; l < lanes; ++l)
        m.streams.push_back({fmt::format("s_axis_w{}", l), true, wp, 4, true, "cfg_n_cb*cfg_d_in"});
    m.streams.push_back({"s_axis_chan", true, wp, cw, false, "cfg_n_cb*lanes"});
    m.streams.push_back({"m_axis_y", false, wp, 32, true, "cfg_n_cb*rows*lanes"});
    m.shape = {{"rows", rows},     {"act_lanes", ae},      {"lanes", lanes}, {"wp", wp},
               {"d_max", s.d_max}, {"systolic", systolic}, {"skew", skew},   {"acc_width", acc_w}};
    m.csim_shape =
        fmt::format("kern::LinearShape{{{}, {}, {}, {}, {}}}", rows, ae, lanes, wp, s.d_max);
    m.primitives = {"flexllm_pe_w4a4", "flexllm_dequant_w4a4"};

    SvWriter w;
    w.header(m);
    w.line(systolic ? fmt::format("// Systolic {} x {} array per weight stream: PE (r, j) sees the "
                                  "pair issued r + j steps earlier (skew {}).",
                                  rows, wp, skew)
                    : "// GEMV: the codes are broadcast to every lane; each lane has its own "
                      "weight stream.");
    w.ports(m);
    w.line(fmt::format(R"(    localparam int ROWS = {rows};
    localparam int LANES = {lanes};
    localparam int WP = {wp};
    localparam int COLS = {cols};
    localparam int ACC_W = {acc_w};  // PE accumulator: |sum| <= 120 * {d_max} (d_max codes x weights)

    // Weight streams gathered: every lane must be valid for a MAC step.
    logic [{lane_hi}:0] w_valid;
    logic [{lane_hi}:0] w_last;
    logic [{wbeat_hi}:0] w_data [LANES];)",
                       fmt::arg("rows", rows), fmt::arg("lanes", lanes), fmt::arg("wp", wp),
                       fmt::arg("cols", cols), fmt::arg("acc_w", acc_w), fmt::arg("d_max", s.d_max),
                       fmt::arg("lane_hi", lanes - 1), fmt::arg("wbeat_hi", wp * 4 - 1)));
    for (int l = 0; l < lanes; ++l) {
        int src = l;
        if (fault == "swap-lanes" && lanes >= 2 && l < 2) src = 1 - l;
        w.line(fmt::format("    assign w_valid[{l}] = s_axis_w{l}_tvalid;", fmt::arg("l", l)));
        w.line(fmt::format("    assign w_last[{l}] = s_axis_w{l}_tlast;", fmt::arg("l", l)));
        w.line(fmt::format("    assign w_data[{l}] = s_axis_w{src}_tdata;{note}", fmt::arg("l", l),
                           fmt::arg("src", src),
                           fmt::arg("note", src != l ? "  // FAULT: lanes 0 and 1 swapped" : "")));
    }
    w.line(fmt::format(R"(
    // Activation buffer: the first channel block of a token block streams the codes in; later
    // channel blocks replay them.
    logic [{abeat_hi}:0] abuf [{nb}];
    logic [{beat_idx_hi}:0] wr_beat, k_beat;
    logic [{sub_idx_hi}:0] ksub4;
    logic [15:0] wr_elems, k, k_sub, cb;
    logic zr_valid;
    logic [{zr_hi}:0] zr_reg, dr_zr;
    logic [15:0] chan_cnt, chan_cb;
    logic [{chan_hi}:0] chan_next, dr_chan;
    logic drain_busy, dr_last_blk;
    logic [15:0] di, dlane, fl_cnt;
    logic y_valid, y_last;
    logic [{y_hi}:0] y_data, y_next;
    logic err;
    logic [{pe_hi}:0] pe_cap;
    logic [{sum_hi}:0] pe_sum, dr_sh;)",
                       fmt::arg("abeat_hi", aw - 1), fmt::arg("nb", nb),
                       fmt::arg("beat_idx_hi", nbw - 1), fmt::arg("sub_idx_hi", asw - 1),
                       fmt::arg("zr_hi", rows * 64 - 1), fmt::arg("chan_hi", cols * cw - 1),
                       fmt::arg("y_hi", wp * 32 - 1), fmt::arg("pe_hi", pes - 1),
                       fmt::arg("sum_hi", pes * 32 - 1)));
    if (fault == "drop-beat") w.line("    logic dropped;");
    w.line(fmt::format(R"(
    // A block's last step may issue once the previous block's wavefront has left the array
    // (fl_cnt) and its sums have left the drain bank (drain_busy).
    wire last_k = (k == cfg_d_in - 16'd1);
    wire last_cb = (cb == cfg_n_cb - 16'd1);
    wire act_ok = (cb != 16'd0) || (k < wr_elems);
    wire can_finish = !drain_busy && (fl_cnt == 16'd0) && (chan_cnt == 16'd{lanes}) && zr_valid;
    wire fire = act_ok && (&w_valid) && (!last_k || can_finish);
    wire drain_adv = drain_busy && (!y_valid || m_axis_y_tready);
    assign s_axis_act_tready = (cb == 16'd0) && (wr_elems < cfg_d_in);
    wire act_fire = s_axis_act_tvalid && s_axis_act_tready;)",
                       fmt::arg("lanes", lanes)));
    if (fault == "stuck-tready")
        w.line("    assign s_axis_zr_tready = 1'b0;  // FAULT: tready stuck low");
    else
        w.line("    assign s_axis_zr_tready = !zr_valid;");
    w.line(fmt::format(R"(    wire zr_fire = s_axis_zr_tvalid && s_axis_zr_tready;
    assign s_axis_chan_tready = (chan_cnt != 16'd{lanes});
    wire chan_fire = s_axis_chan_tvalid && s_axis_chan_tready;)",
                       fmt::arg("lanes", lanes)));
    for (int l = 0; l < lanes; ++l) w.line(fmt::format("    assign s_axis_w{}_tready = fire;", l));
    w.line(fmt::format(R"(
    always_ff @(posedge clk) begin
        if (act_fire) abuf[wr_beat] <= s_axis_act_tdata;
    end
    wire [{abeat_hi}:0] abeat = abuf[k_beat];

    // Issue: per row {{valid, first k, last k, code}}; per column its int4 weight.
    logic [6:0] a_at [ROWS][WP];  // what PE (r, l * WP + j) of every lane l sees this step
    logic [3:0] w_at [ROWS][COLS];
    for (genvar r = 0; r < ROWS; r++) begin : g_arow
        wire [6:0] a_issue = {{fire, k == 16'd0, last_k, abeat[ksub4 + {sub_bits}'(r * {row_bits}) +: 4]}};)",
                       fmt::arg("abeat_hi", aw - 1), fmt::arg("sub_bits", asw),
                       fmt::arg("row_bits", ae * 4)));
    if (systolic) {
        w.line(
            R"(        // Row r's skew chain: r registers to the first column, then one per PE hop.
        localparam int LEN = r + WP - 1;
        if (LEN > 0) begin : g_chain
            logic [6:0] dly [LEN];
            always_ff @(posedge clk) begin
                if (rst) begin
                    for (int i = 0; i < LEN; i++) dly[i] <= 7'd0;
                end else begin
                    dly[0] <= a_issue;
                    for (int i = 1; i < LEN; i++) dly[i] <= dly[i - 1];
                end
            end
            for (genvar j = 0; j < WP; j++) begin : g_tap
                if (r + j == 0) begin : g_now
                    assign a_at[r][j] = a_issue;
                end else begin : g_dly
                    assign a_at[r][j] = dly[r + j - 1];
                end
            end
        end else begin : g_one
            assign a_at[r][0] = a_issue;
        end
    end
    for (genvar c = 0; c < COLS; c++) begin : g_wcol
        // Column c's skew chain: c mod WP registers to the first row, then one per PE hop.
        wire [3:0] w_issue = w_data[c / WP][(c % WP) * 4 +: 4];
        localparam int LEN = ROWS - 1 + c % WP;
        if (LEN > 0) begin : g_chain
            logic [3:0] dly [LEN];
            always_ff @(posedge clk) begin
                dly[0] <= w_issue;
                for (int i = 1; i < LEN; i++) dly[i] <= dly[i - 1];
            end
            for (genvar r = 0; r < ROWS; r++) begin : g_tap
                if (r + c % WP == 0) begin : g_now
                    assign w_at[r][c] = w_issue;
                end else begin : g_dly
                    assign w_at[r][c] = dly[r + c % WP - 1];
                end
            end
        end else begin : g_one
            assign w_at[0][c] = w_issue;
        end
    end)");
    } else {
        w.line(R"(        for (genvar j = 0; j < WP; j++) begin : g_bcast
            assign a_at[r][j] = a_issue;
        end
    end
    for (genvar c = 0; c < COLS; c++) begin : g_wcol
        for (genvar r = 0; r < ROWS; r++) begin : g_bcast
            assign w_at[r][c] = w_data[c / WP][(c % WP) * 4 +: 4];
        end
    end)");
    }
    w.line(R"(
    // The output-stationary PEs; a PE's final sum enters the drain bank on its last step.
    for (genvar r = 0; r < ROWS; r++) begin : g_row
        for (genvar c = 0; c < COLS; c++) begin : g_col
            wire [6:0] at = a_at[r][c % WP];
            wire [31:0] sum_next;
            flexllm_pe_w4a4 #(.ACC_W(ACC_W)) u_pe (.clk(clk), .en(at[6]), .first(at[5]),
                                                   .a(at[3:0]), .w(w_at[r][c]),
                                                   .sum_next(sum_next));
            assign pe_cap[r * COLS + c] = at[6] && at[4];)");
    if (fault == "acc-bit") {
        w.line(fmt::format(
            R"(            // FAULT: bit 3 of PE ({r}, {c}) flips when its sum moves to the drain bank.
            assign pe_sum[(r * COLS + c) * 32 +: 32] =
                (r == {r} && c == {c}) ? (sum_next ^ 32'd8) : sum_next;)",
            fmt::arg("r", rows > 1 ? 1 : 0), fmt::arg("c", cols > 2 ? 2 : 0)));
    } else {
        w.line("            assign pe_sum[(r * COLS + c) * 32 +: 32] = sum_next;");
    }
    w.line(fmt::format(R"(        end
    end

    // Drain bank: beat (row, lane) is always the low WP x 32 bits; channel params rotate by one
    // lane per beat, the (zero, range) of the next row shifts in after the last lane.
    for (genvar c = 0; c < WP; c++) begin : g_deq
        flexllm_dequant_w4a4 u_dq (.acc(dr_sh[c * 32 +: 32]), .zr(dr_zr[63:0]),
                                   .cp(dr_chan[c * {cw} +: {cw}]), .y(y_next[c * 32 +: 32]));
    end)",
                       fmt::arg("cw", cw)));
    // Sequential control.
    std::string chan_load =
        lanes == 1 ? "chan_next <= s_axis_chan_tdata;"
                   : fmt::format("chan_next <= {{s_axis_chan_tdata, chan_next[{hi}:{lo}]}};",
                                 fmt::arg("hi", cols * cw - 1), fmt::arg("lo", wp * cw));
    // The next element of the beat, or the next beat (with one element per beat the else branch
    // is never taken, and ksub4 may be too narrow to hold 4).
    const std::string k_step = fmt::format(
        R"(if (k_sub == 16'd{last_sub}) begin
                        k_sub <= 16'd0;
                        ksub4 <= '0;
                        k_beat <= k_beat + {beat_bits}'d1;
                    end else begin
                        k_sub <= k_sub + 16'd1;{next_sub}
                    end)",
        fmt::arg("last_sub", ae - 1), fmt::arg("beat_bits", nbw),
        fmt::arg(
            "next_sub",
            ae == 1 ? "" : fmt::format("\n                        ksub4 <= ksub4 + {}'d4;", asw)));
    const std::string drain_start =
        skew == 0
            ? "drain_busy <= 1'b1;"
            : fmt::format("fl_cnt <= 16'd{skew};  // drain starts when the wavefront has left",
                          fmt::arg("skew", skew));
    w.line(fmt::format(R"(
    always_ff @(posedge clk) begin
        if (rst) begin
            wr_elems <= 16'd0;
            wr_beat <= '0;
            k <= 16'd0;
            k_beat <= '0;
            k_sub <= 16'd0;
            ksub4 <= '0;
            cb <= 16'd0;
            zr_valid <= 1'b0;
            chan_cnt <= 16'd0;
            chan_cb <= 16'd0;
            drain_busy <= 1'b0;
            fl_cnt <= 16'd0;
            di <= 16'd0;
            dlane <= 16'd0;
            y_valid <= 1'b0;
            y_last <= 1'b0;
            err <= 1'b0;
        end else begin
            if (act_fire) begin
                wr_beat <= wr_beat + {beat_bits}'d1;
                wr_elems <= wr_elems + 16'd{act_lanes};
                if (s_axis_act_tlast != (wr_elems + 16'd{act_lanes} == cfg_d_in)) err <= 1'b1;
            end
            if (zr_fire) begin
                zr_reg <= s_axis_zr_tdata;
                zr_valid <= 1'b1;
                if (!s_axis_zr_tlast) err <= 1'b1;
            end
            if (chan_fire) begin
                {chan_load}
                chan_cnt <= chan_cnt + 16'd1;
                if (s_axis_chan_tlast != (chan_cnt == 16'd{last_lane} && chan_cb == cfg_n_cb - 16'd1))
                    err <= 1'b1;
                if (chan_cnt == 16'd{last_lane})
                    chan_cb <= (chan_cb == cfg_n_cb - 16'd1) ? 16'd0 : chan_cb + 16'd1;
            end
            if (fl_cnt != 16'd0) begin
                fl_cnt <= fl_cnt - 16'd1;
                if (fl_cnt == 16'd1) drain_busy <= 1'b1;
            end
            if (fire) begin
                if (w_last != {all_last}) err <= 1'b1;
                if (last_k) begin
                    k <= 16'd0;
                    k_beat <= '0;
                    k_sub <= 16'd0;
                    ksub4 <= '0;
                    chan_cnt <= 16'd0;
                    dr_last_blk <= last_cb;
                    {drain_start}
                    di <= 16'd0;
                    dlane <= 16'd0;
                    if (last_cb) begin
                        cb <= 16'd0;
                        wr_elems <= 16'd0;
                        wr_beat <= '0;
                        zr_valid <= 1'b0;
                    end else begin
                        cb <= cb + 16'd1;
                    end
                end else begin
                    k <= k + 16'd1;
                    {k_step}
                end
            end
            // Drain: rows x lanes beats of WP channels, row-major (row, lane).
            if (m_axis_y_tready) y_valid <= 1'b0;)",
                       fmt::arg("beat_bits", nbw), fmt::arg("act_lanes", ae),
                       fmt::arg("chan_load", chan_load), fmt::arg("last_lane", lanes - 1),
                       fmt::arg("all_last", repl(lanes, "last_k && last_cb")),
                       fmt::arg("k_step", k_step), fmt::arg("drain_start", drain_start)));
    std::string emit = "y_valid <= 1'b1;";
    if (fault == "drop-beat")
        emit = "if (!(di == 16'd1 && !dropped)) y_valid <= 1'b1;  // FAULT: drops one beat";
    w.line(fmt::format(R"(            if (drain_adv) begin
                {emit}
                y_data <= y_next;
                y_last <= dr_last_blk && (di == 16'd{last_beat});
                di <= di + 16'd1;
                dlane <= (dlane == 16'd{last_lane}) ? 16'd0 : dlane + 16'd1;
                if (di == 16'd{last_beat}) drain_busy <= 1'b0;
            end
        end
    end
)",
                       fmt::arg("emit", emit), fmt::arg("last_beat", beats - 1),
                       fmt::arg("last_lane", lanes - 1)));
    // Drain bank datapath (no reset needed: loaded before use). A PE's segment loads on its
    // last step; the bank shifts one beat per drain advance (never in the same cycle: the
    // wavefront has left before drain_busy rises).
    const std::string shifted =
        beats > 1 ? fmt::format("{{{beat}'d0, dr_sh[{hi}:{beat}]}}", fmt::arg("beat", wp * 32),
                                fmt::arg("hi", pes * 32 - 1))
                  : "dr_sh";
    std::string rot_chan =
        lanes > 1 ? fmt::format("dr_chan <= {{dr_chan[{lane_hi}:0], dr_chan[{hi}:{lane}]}};",
                                fmt::arg("lane_hi", wp * cw - 1), fmt::arg("hi", cols * cw - 1),
                                fmt::arg("lane", wp * cw))
                  : "";
    std::string sh_zr =
        rows > 1 ? fmt::format("if (dlane == 16'd{last_lane}) dr_zr <= {{64'd0, dr_zr[{hi}:64]}};",
                               fmt::arg("last_lane", lanes - 1), fmt::arg("hi", rows * 64 - 1))
                 : "";
    w.line(fmt::format(R"(    wire [{sum_hi}:0] dr_next = {shifted};
    always_ff @(posedge clk) begin
        for (int i = 0; i < {pes}; i++) begin
            if (pe_cap[i]) dr_sh[i * 32 +: 32] <= pe_sum[i * 32 +: 32];
            else if (drain_adv) dr_sh[i * 32 +: 32] <= dr_next[i * 32 +: 32];
        end
    end
    always_ff @(posedge clk) begin
        if (fire && last_k) begin
            dr_zr <= zr_reg;
            dr_chan <= chan_next;
        end else if (drain_adv) begin
            {rot_chan}
            {sh_zr}
        end
    end)",
                       fmt::arg("sum_hi", pes * 32 - 1), fmt::arg("shifted", shifted),
                       fmt::arg("pes", pes), fmt::arg("rot_chan", rot_chan),
                       fmt::arg("sh_zr", sh_zr)));
    if (fault == "drop-beat") {
        w.line(R"(    always_ff @(posedge clk) begin
        if (rst) dropped <= 1'b0;
        else if (drain_adv && di == 16'd1) dropped <= 1'b1;
    end)");
    }
    w.line(R"(
    assign m_axis_y_tvalid = y_valid;
    assign m_axis_y_tdata = y_data;
    assign m_axis_y_tlast = y_last;
    assign status_err = err;
endmodule)");
    m.sv = w.str();
}

}  // namespace flexllm::rtlgen
