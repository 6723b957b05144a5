// SystemVerilog of the output-stationary W4A4 linear engine (linear_prefill_*, linear_decode).
// Structure: activation buffer -> rows x cols MAC array (one reduction index per cycle) -> drain
// bank (a shift register loaded with the final sums) -> WP dequant units -> output register.
#include <fmt/format.h>

#include "rtl_gen/sv_util.h"

namespace flexllm::rtlgen {

namespace {
std::string repl(int n, const std::string& bit) { return fmt::format("{{{}{{{}}}}}", n, bit); }
}  // namespace

void build_linear(Module& m, const kern::LinearShape& s, Fault fault) {
    const int rows = s.rows, ae = s.act_lanes, lanes = s.lanes, wp = s.wp, cols = lanes * wp;
    const int nb = s.d_max / ae;
    const int aw = rows * ae * 4, cw = 54;
    const int nbw = index_width(nb);
    const int asw = index_width(aw);
    const int beats = rows * lanes;  // output beats per channel block
    m.scalars = {{"cfg_d_in", true, 16}, {"cfg_n_cb", true, 16}, {"status_err", false, 1}};
    m.streams.push_back({"s_axis_act", true, rows * ae, 4, false, "cfg_d_in/act_lanes"});
    m.streams.push_back({"s_axis_zr", true, rows, 64, false, "1"});
    for (int l = 0; l < lanes; ++l)
        m.streams.push_back({fmt::format("s_axis_w{}", l), true, wp, 4, true, "cfg_n_cb*cfg_d_in"});
    m.streams.push_back({"s_axis_chan", true, wp, cw, false, "cfg_n_cb*lanes"});
    m.streams.push_back({"m_axis_y", false, wp, 32, true, "cfg_n_cb*rows*lanes"});
    m.shape = {{"rows", rows}, {"act_lanes", ae}, {"lanes", lanes}, {"wp", wp}, {"d_max", s.d_max}};

    SvWriter w;
    w.header(m);
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
    logic [15:0] di, dlane;
    logic y_valid, y_last;
    logic [{6}:0] y_data, y_next;
    logic err;
    logic [{7}:0] acc_final, dr_sh;)",
                       aw - 1, nb, nbw - 1, asw - 1, rows * 64 - 1, cols * cw - 1, wp * 32 - 1,
                       rows * cols * 32 - 1));
    if (fault == Fault::kDropBeat) w.line("    logic dropped;");
    w.line(fmt::format(R"(
    wire last_k = (k == cfg_d_in - 16'd1);
    wire last_cb = (cb == cfg_n_cb - 16'd1);
    wire act_ok = (cb != 16'd0) || (k < wr_elems);
    wire can_finish = !drain_busy && (chan_cnt == 16'd{0}) && zr_valid;
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

    // The output-stationary array: PE (r, c) accumulates code[r][k] * w[c][k].
    logic [3:0] a_code [ROWS];
    for (genvar r = 0; r < ROWS; r++) begin : g_row
        assign a_code[r] = abeat[ksub4 + {1}'(r * {2}) +: 4];
        for (genvar c = 0; c < COLS; c++) begin : g_col
            logic signed [31:0] acc;
            wire [3:0] wv = w_data[c / WP][(c % WP) * 4 +: 4];
            wire signed [8:0] prod = $signed({{5'b0, a_code[r]}}) * $signed({{{{5{{wv[3]}}}}, wv}});
            wire signed [31:0] acc_next = (k == 16'd0 ? 32'sd0 : acc) + {{{{23{{prod[8]}}}}, prod}};
            always_ff @(posedge clk) begin
                if (fire) acc <= acc_next;
            end)",
                       aw - 1, asw, ae * 4));
    if (fault == Fault::kAccBit) {
        w.line(fmt::format(
            R"(            // FAULT: bit 3 of PE ({0}, {1}) flips when its sum moves to the drain bank.
            assign acc_final[(r * COLS + c) * 32 +: 32] =
                (r == {0} && c == {1}) ? (acc_next ^ 32'sd8) : acc_next;)",
            rows > 1 ? 1 : 0, cols > 2 ? 2 : 0));
    } else {
        w.line("            assign acc_final[(r * COLS + c) * 32 +: 32] = acc_next;");
    }
    w.line(fmt::format(R"(        end
    end

    // Dequant: y = sat32(rshift_rnd((range * acc + 15 * zero * rowsum) * m, shift)).
    function automatic logic [31:0] dequant(input logic [31:0] acc, input logic [63:0] zr,
                                            input logic [{0}:0] cp);
        logic signed [64:0] ra;
        logic signed [67:0] zs;
        logic signed [71:0] t;
        logic signed [89:0] p;
        logic signed [89:0] r;
        logic [5:0] sh;
        // Operand widths trimmed to what the values need: range * acc < 2^63,
        // 15 * zero * rowsum < 2^67, t * m < 2^88.
        ra = $signed({{1'b0, zr[63:32]}}) * $signed(acc);
        zs = $signed(zr[31:0]) * $signed(cp[31:0]) * 68'sd15;
        t = {{{{7{{ra[64]}}}}, ra}} + {{{{4{{zs[67]}}}}, zs}};
        p = $signed(t) * $signed({{1'b0, cp[47:32]}});
        sh = cp[53:48];
        if (sh == 6'd0) r = p;
        else r = (p + (90'sd1 <<< (sh - 6'd1))) >>> sh;
        if (r > 90'sd2147483647) dequant = 32'h7fffffff;
        else if (r < -90'sd2147483648) dequant = 32'h80000000;
        else dequant = r[31:0];
    endfunction

    // Drain bank: beat (row, lane) is always the low WP x 32 bits; channel params rotate by one
    // lane per beat, the (zero, range) of the next row shifts in after the last lane.
    for (genvar c = 0; c < WP; c++) begin : g_deq
        assign y_next[c * 32 +: 32] = dequant(dr_sh[c * 32 +: 32], dr_zr[63:0], dr_chan[c * {1} +: {1}]);
    end)",
                       cw - 1, cw));
    // Sequential control.
    std::string chan_load =
        lanes == 1 ? "chan_next <= s_axis_chan_tdata;"
                   : fmt::format("chan_next <= {{s_axis_chan_tdata, chan_next[{}:{}]}};",
                                 cols * cw - 1, wp * cw);
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
            if (fire) begin
                if (w_last != {4}) err <= 1'b1;
                if (last_k) begin
                    k <= 16'd0;
                    k_beat <= '0;
                    k_sub <= 16'd0;
                    ksub4 <= '0;
                    chan_cnt <= 16'd0;
                    dr_last_blk <= last_cb;
                    drain_busy <= 1'b1;
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
                    if (k_sub == 16'd{5}) begin
                        k_sub <= 16'd0;
                        ksub4 <= '0;
                        k_beat <= k_beat + {0}'d1;
                    end else begin
                        k_sub <= k_sub + 16'd1;
                        ksub4 <= ksub4 + {6}'d4;
                    end
                end
            end
            // Drain: rows x lanes beats of WP channels, row-major (row, lane).
            if (m_axis_y_tready) y_valid <= 1'b0;)",
                       nbw, ae, chan_load, lanes - 1, repl(lanes, "last_k && last_cb"), ae - 1,
                       asw));
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
    // Drain bank datapath (no reset needed: loaded before use).
    std::string sh_dr = beats > 1 ? fmt::format("dr_sh <= {{{}'d0, dr_sh[{}:{}]}};", wp * 32,
                                                rows * cols * 32 - 1, wp * 32)
                                  : "dr_sh <= dr_sh;";
    std::string rot_chan = lanes > 1 ? fmt::format("dr_chan <= {{dr_chan[{}:0], dr_chan[{}:{}]}};",
                                                   wp * cw - 1, cols * cw - 1, wp * cw)
                                     : "";
    std::string sh_zr = rows > 1
                            ? fmt::format("if (dlane == 16'd{}) dr_zr <= {{64'd0, dr_zr[{}:64]}};",
                                          lanes - 1, rows * 64 - 1)
                            : "";
    w.line(fmt::format(R"(    always_ff @(posedge clk) begin
        if (fire && last_k) begin
            dr_sh <= acc_final;
            dr_zr <= zr_reg;
            dr_chan <= chan_next;
        end else if (drain_adv) begin
            {0}
            {1}
            {2}
        end
    end)",
                       sh_dr, rot_chan, sh_zr));
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
