// SystemVerilog of the output-stationary W4A4 linear engine (linear_prefill_*, linear_decode).
// Structure: activation buffer -> issue (codes, weights, step flags) -> skew registers (prefill
// only) -> rows x cols PEs (<top>_pe, one reduction index per step) -> drain bank (a shift
// register, each PE's final sum loaded when its last step passes) -> WP dequant units
// (<top>_dequant) -> output register. The PE and the dequant unit are submodules so that a
// hierarchical `synth -top` maps each once.
#include <fmt/format.h>

#include "rtl_gen/sv_util.h"

namespace flexllm::rtlgen {

namespace {
std::string repl(int n, const std::string& bit) { return fmt::format("{{{}{{{}}}}}", n, bit); }

// One PE: acc = (first ? 0 : acc) + code * weight on every valid step; sum_next is the sum
// including this step's product (what the drain bank loads on the last step).
SubModule pe_module(const Module& top) {
    SubModule s{top.name + "_pe", {}};
    SvWriter w;
    w.sub_header(top, s.name, "Processing element: uint4 code x int4 weight, int32 accumulator.");
    w.line(fmt::format(R"(module {} (
    input  logic clk,
    input  logic en,               // a valid (code, weight) pair this step
    input  logic first,            // k == 0: the pair starts a new sum
    input  logic [3:0] a,          // uint4 activation code
    input  logic [3:0] w,          // int4 weight
    output logic [31:0] sum_next   // the sum including this step's product
);
    logic signed [31:0] acc;
    wire signed [8:0] prod = $signed({{5'b0, a}}) * $signed({{{{5{{w[3]}}}}, w}});
    assign sum_next = (first ? 32'sd0 : acc) + {{{{23{{prod[8]}}}}, prod}};
    always_ff @(posedge clk) begin
        if (en) acc <= sum_next;
    end
endmodule)",
                       s.name));
    s.sv = w.str();
    return s;
}

// Dequant: y = sat32(rshift_rnd((range * acc + 15 * zero * rowsum) * m, shift)).
SubModule dequant_module(const Module& top, int cw) {
    SubModule s{top.name + "_dequant", {}};
    SvWriter w;
    w.sub_header(top, s.name,
                 "Dequant unit (golden/NUMERICS.md): sat32(rshift_rnd((range * acc + 15 * zero "
                 "* rowsum) * m, shift)).");
    w.line(fmt::format(R"(module {0} (
    input  logic [31:0] acc,   // int32 accumulator
    input  logic [63:0] zr,    // {{range uint32, zero int32}} of the token
    input  logic [{1}:0] cp,    // {{shift uint6, m uint16, rowsum int32}} of the channel
    output logic [31:0] y      // int32 Q15.16
);
    logic signed [64:0] ra;
    logic signed [67:0] zs;
    logic signed [71:0] t;
    logic signed [89:0] p;
    logic signed [89:0] r;
    logic [5:0] sh;
    // Operand widths trimmed to what the values need: range * acc < 2^63,
    // 15 * zero * rowsum < 2^67, t * m < 2^88.
    always_comb begin
        ra = $signed({{1'b0, zr[63:32]}}) * $signed(acc);
        zs = $signed(zr[31:0]) * $signed(cp[31:0]) * 68'sd15;
        t = {{{{7{{ra[64]}}}}, ra}} + {{{{4{{zs[67]}}}}, zs}};
        p = $signed(t) * $signed({{1'b0, cp[47:32]}});
        sh = cp[53:48];
        if (sh == 6'd0) r = p;
        else r = (p + (90'sd1 <<< (sh - 6'd1))) >>> sh;
        if (r > 90'sd2147483647) y = 32'h7fffffff;
        else if (r < -90'sd2147483648) y = 32'h80000000;
        else y = r[31:0];
    end
endmodule)",
                       s.name, cw - 1));
    s.sv = w.str();
    return s;
}
}  // namespace

void build_linear(Module& m, const kern::LinearShape& s, bool systolic, Fault fault) {
    const int rows = s.rows, ae = s.act_lanes, lanes = s.lanes, wp = s.wp, cols = lanes * wp;
    const int nb = s.d_max / ae;
    const int aw = rows * ae * 4, cw = 54;
    const int nbw = index_width(nb);
    const int asw = index_width(aw);
    const int beats = rows * lanes;  // output beats per channel block
    // Steps from PE (0, j)'s last MAC of a block to PE (rows-1, wp-1)'s: the wavefront's skew.
    const int skew = systolic ? rows - 1 + wp - 1 : 0;
    const int pes = rows * cols;
    m.scalars = {{"cfg_d_in", true, 16}, {"cfg_n_cb", true, 16}, {"status_err", false, 1}};
    m.streams.push_back({"s_axis_act", true, rows * ae, 4, false, "cfg_d_in/act_lanes"});
    m.streams.push_back({"s_axis_zr", true, rows, 64, false, "1"});
    for (int l = 0; l < lanes; ++l)
        m.streams.push_back({fmt::format("s_axis_w{}", l), true, wp, 4, true, "cfg_n_cb*cfg_d_in"});
    m.streams.push_back({"s_axis_chan", true, wp, cw, false, "cfg_n_cb*lanes"});
    m.streams.push_back({"m_axis_y", false, wp, 32, true, "cfg_n_cb*rows*lanes"});
    m.shape = {{"rows", rows},     {"act_lanes", ae},      {"lanes", lanes}, {"wp", wp},
               {"d_max", s.d_max}, {"systolic", systolic}, {"skew", skew}};
    m.submodules = {pe_module(m), dequant_module(m, cw)};
    const std::string pe = m.submodules[0].name, dq = m.submodules[1].name;

    SvWriter w;
    w.header(m);
    w.line(systolic ? fmt::format("// Systolic {} x {} array per weight stream: PE (r, j) sees the "
                                  "pair issued r + j steps earlier (skew {}).",
                                  rows, wp, skew)
                    : "// GEMV: the codes are broadcast to every lane; each lane has its own "
                      "weight stream.");
    w.ports(m);
    w.line(fmt::format(R"(    localparam int ROWS = {0};
    localparam int LANES = {1};
    localparam int WP = {2};
    localparam int COLS = {3};

    // Weight streams gathered: every lane must be valid for a MAC step.
    logic [{4}:0] w_valid;
    logic [{4}:0] w_last;
    logic [{5}:0] w_data [LANES];)",
                       rows, lanes, wp, cols, lanes - 1, wp * 4 - 1));
    for (int l = 0; l < lanes; ++l) {
        int src = l;
        if (fault == Fault::kSwapLanes && lanes >= 2 && l < 2) src = 1 - l;
        w.line(fmt::format("    assign w_valid[{0}] = s_axis_w{0}_tvalid;", l));
        w.line(fmt::format("    assign w_last[{0}] = s_axis_w{0}_tlast;", l));
        w.line(fmt::format("    assign w_data[{}] = s_axis_w{}_tdata;{}", l, src,
                           src != l ? "  // FAULT: lanes 0 and 1 swapped" : ""));
    }
    w.line(fmt::format(R"(
    // Activation buffer: the first channel block of a token block streams the codes in; later
    // channel blocks replay them.
    logic [{0}:0] abuf [{1}];
    logic [{2}:0] wr_beat, k_beat;
    logic [{3}:0] ksub4;
    logic [15:0] wr_elems, k, k_sub, cb;
    logic zr_valid;
    logic [{4}:0] zr_reg, dr_zr;
    logic [15:0] chan_cnt, chan_cb;
    logic [{5}:0] chan_next, dr_chan;
    logic drain_busy, dr_last_blk;
    logic [15:0] di, dlane, fl_cnt;
    logic y_valid, y_last;
    logic [{6}:0] y_data, y_next;
    logic err;
    logic [{7}:0] pe_cap;
    logic [{8}:0] pe_sum, dr_sh;)",
                       aw - 1, nb, nbw - 1, asw - 1, rows * 64 - 1, cols * cw - 1, wp * 32 - 1,
                       pes - 1, pes * 32 - 1));
    if (fault == Fault::kDropBeat) w.line("    logic dropped;");
    w.line(fmt::format(R"(
    // A block's last step may issue once the previous block's wavefront has left the array
    // (fl_cnt) and its sums have left the drain bank (drain_busy).
    wire last_k = (k == cfg_d_in - 16'd1);
    wire last_cb = (cb == cfg_n_cb - 16'd1);
    wire act_ok = (cb != 16'd0) || (k < wr_elems);
    wire can_finish = !drain_busy && (fl_cnt == 16'd0) && (chan_cnt == 16'd{0}) && zr_valid;
    wire fire = act_ok && (&w_valid) && (!last_k || can_finish);
    wire drain_adv = drain_busy && (!y_valid || m_axis_y_tready);
    assign s_axis_act_tready = (cb == 16'd0) && (wr_elems < cfg_d_in);
    wire act_fire = s_axis_act_tvalid && s_axis_act_tready;)",
                       lanes));
    if (fault == Fault::kStuckTready)
        w.line("    assign s_axis_zr_tready = 1'b0;  // FAULT: tready stuck low");
    else
        w.line("    assign s_axis_zr_tready = !zr_valid;");
    w.line(fmt::format(R"(    wire zr_fire = s_axis_zr_tvalid && s_axis_zr_tready;
    assign s_axis_chan_tready = (chan_cnt != 16'd{0});
    wire chan_fire = s_axis_chan_tvalid && s_axis_chan_tready;)",
                       lanes));
    for (int l = 0; l < lanes; ++l) w.line(fmt::format("    assign s_axis_w{}_tready = fire;", l));
    w.line(fmt::format(R"(
    always_ff @(posedge clk) begin
        if (act_fire) abuf[wr_beat] <= s_axis_act_tdata;
    end
    wire [{0}:0] abeat = abuf[k_beat];

    // Issue: per row {{valid, first k, last k, code}}; per column its int4 weight.
    logic [6:0] a_at [ROWS][WP];  // what PE (r, l * WP + j) of every lane l sees this step
    logic [3:0] w_at [ROWS][COLS];
    for (genvar r = 0; r < ROWS; r++) begin : g_arow
        wire [6:0] a_issue = {{fire, k == 16'd0, last_k, abeat[ksub4 + {1}'(r * {2}) +: 4]}};)",
                       aw - 1, asw, ae * 4));
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
    w.line(fmt::format(R"(
    // The output-stationary PEs; a PE's final sum enters the drain bank on its last step.
    for (genvar r = 0; r < ROWS; r++) begin : g_row
        for (genvar c = 0; c < COLS; c++) begin : g_col
            wire [6:0] at = a_at[r][c % WP];
            wire [31:0] sum_next;
            {0} u_pe (.clk(clk), .en(at[6]), .first(at[5]), .a(at[3:0]), .w(w_at[r][c]),
                      .sum_next(sum_next));
            assign pe_cap[r * COLS + c] = at[6] && at[4];)",
                       pe));
    if (fault == Fault::kAccBit) {
        w.line(fmt::format(
            R"(            // FAULT: bit 3 of PE ({0}, {1}) flips when its sum moves to the drain bank.
            assign pe_sum[(r * COLS + c) * 32 +: 32] =
                (r == {0} && c == {1}) ? (sum_next ^ 32'd8) : sum_next;)",
            rows > 1 ? 1 : 0, cols > 2 ? 2 : 0));
    } else {
        w.line("            assign pe_sum[(r * COLS + c) * 32 +: 32] = sum_next;");
    }
    w.line(fmt::format(R"(        end
    end

    // Drain bank: beat (row, lane) is always the low WP x 32 bits; channel params rotate by one
    // lane per beat, the (zero, range) of the next row shifts in after the last lane.
    for (genvar c = 0; c < WP; c++) begin : g_deq
        {0} u_dq (.acc(dr_sh[c * 32 +: 32]), .zr(dr_zr[63:0]), .cp(dr_chan[c * {1} +: {1}]),
                  .y(y_next[c * 32 +: 32]));
    end)",
                       dq, cw));
    // Sequential control.
    std::string chan_load =
        lanes == 1 ? "chan_next <= s_axis_chan_tdata;"
                   : fmt::format("chan_next <= {{s_axis_chan_tdata, chan_next[{}:{}]}};",
                                 cols * cw - 1, wp * cw);
    // The next element of the beat, or the next beat (with one element per beat the else branch
    // is never taken, and ksub4 may be too narrow to hold 4).
    const std::string k_step = fmt::format(
        R"(if (k_sub == 16'd{2}) begin
                        k_sub <= 16'd0;
                        ksub4 <= '0;
                        k_beat <= k_beat + {0}'d1;
                    end else begin
                        k_sub <= k_sub + 16'd1;{3}
                    end)",
        nbw, asw, ae - 1,
        ae == 1 ? "" : fmt::format("\n                        ksub4 <= ksub4 + {}'d4;", asw));
    const std::string drain_start =
        skew == 0
            ? "drain_busy <= 1'b1;"
            : fmt::format("fl_cnt <= 16'd{};  // drain starts when the wavefront has left", skew);
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
                wr_beat <= wr_beat + {0}'d1;
                wr_elems <= wr_elems + 16'd{1};
                if (s_axis_act_tlast != (wr_elems + 16'd{1} == cfg_d_in)) err <= 1'b1;
            end
            if (zr_fire) begin
                zr_reg <= s_axis_zr_tdata;
                zr_valid <= 1'b1;
                if (!s_axis_zr_tlast) err <= 1'b1;
            end
            if (chan_fire) begin
                {2}
                chan_cnt <= chan_cnt + 16'd1;
                if (s_axis_chan_tlast != (chan_cnt == 16'd{3} && chan_cb == cfg_n_cb - 16'd1))
                    err <= 1'b1;
                if (chan_cnt == 16'd{3})
                    chan_cb <= (chan_cb == cfg_n_cb - 16'd1) ? 16'd0 : chan_cb + 16'd1;
            end
            if (fl_cnt != 16'd0) begin
                fl_cnt <= fl_cnt - 16'd1;
                if (fl_cnt == 16'd1) drain_busy <= 1'b1;
            end
            if (fire) begin
                if (w_last != {4}) err <= 1'b1;
                if (last_k) begin
                    k <= 16'd0;
                    k_beat <= '0;
                    k_sub <= 16'd0;
                    ksub4 <= '0;
                    chan_cnt <= 16'd0;
                    dr_last_blk <= last_cb;
                    {6}
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
                    {5}
                end
            end
            // Drain: rows x lanes beats of WP channels, row-major (row, lane).
            if (m_axis_y_tready) y_valid <= 1'b0;)",
                       nbw, ae, chan_load, lanes - 1, repl(lanes, "last_k && last_cb"), k_step,
                       drain_start));
    std::string emit = "y_valid <= 1'b1;";
    if (fault == Fault::kDropBeat)
        emit = "if (!(di == 16'd1 && !dropped)) y_valid <= 1'b1;  // FAULT: drops one beat";
    w.line(fmt::format(R"(            if (drain_adv) begin
                {0}
                y_data <= y_next;
                y_last <= dr_last_blk && (di == 16'd{1});
                di <= di + 16'd1;
                dlane <= (dlane == 16'd{2}) ? 16'd0 : dlane + 16'd1;
                if (di == 16'd{1}) drain_busy <= 1'b0;
            end
        end
    end
)",
                       emit, beats - 1, lanes - 1));
    // Drain bank datapath (no reset needed: loaded before use). A PE's segment loads on its
    // last step; the bank shifts one beat per drain advance (never in the same cycle: the
    // wavefront has left before drain_busy rises).
    const std::string shifted =
        beats > 1 ? fmt::format("{{{}'d0, dr_sh[{}:{}]}}", wp * 32, pes * 32 - 1, wp * 32)
                  : "dr_sh";
    std::string rot_chan = lanes > 1 ? fmt::format("dr_chan <= {{dr_chan[{}:0], dr_chan[{}:{}]}};",
                                                   wp * cw - 1, cols * cw - 1, wp * cw)
                                     : "";
    std::string sh_zr = rows > 1
                            ? fmt::format("if (dlane == 16'd{}) dr_zr <= {{64'd0, dr_zr[{}:64]}};",
                                          lanes - 1, rows * 64 - 1)
                            : "";
    w.line(fmt::format(R"(    wire [{0}:0] dr_next = {1};
    always_ff @(posedge clk) begin
        for (int i = 0; i < {2}; i++) begin
            if (pe_cap[i]) dr_sh[i * 32 +: 32] <= pe_sum[i * 32 +: 32];
            else if (drain_adv) dr_sh[i * 32 +: 32] <= dr_next[i * 32 +: 32];
        end
    end
    always_ff @(posedge clk) begin
        if (fire && last_k) begin
            dr_zr <= zr_reg;
            dr_chan <= chan_next;
        end else if (drain_adv) begin
            {3}
            {4}
        end
    end)",
                       pes * 32 - 1, shifted, pes, rot_chan, sh_zr));
    if (fault == Fault::kDropBeat) {
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
