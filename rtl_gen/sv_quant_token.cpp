// SystemVerilog of quant_token: load a token group, divide 2^48 by each token's range
// (bit-serial, 49 cycles), then emit the uint4 codes (one flexllm_quant_code unit per lane) and
// the (zero, range) beat.
#include <fmt/format.h>

#include "rtl_gen/sv_util.h"

namespace flexllm::rtlgen {

void emit_quant_token(Module& m, const EmitContext& c) {
    const kern::Phase phase = variant_phase(m);
    const kern::VectorShape s = kern::vector_shape(c.arch, phase, c.bounds.d_max);
    const int t = s.tokens, l = s.lanes, nb = s.d_max / s.lanes;
    m.scalars = {{"cfg_d", true, 16}, {"status_err", false, 1}};
    m.streams.push_back({"s_axis_x", true, t * l, 32, true, "cfg_d/lanes"});
    m.streams.push_back({"m_axis_q", false, t * l, 4, false, "cfg_d/lanes"});
    m.streams.push_back({"m_axis_zr", false, t, 64, false, "1"});
    m.shape = {{"tokens", t}, {"lanes", l}, {"d_max", s.d_max}};
    m.csim_shape = fmt::format("kern::VectorShape{{{}, {}, {}}}", t, l, s.d_max);
    m.primitives = {"flexllm_quant_code"};

    SvWriter w;
    w.header(m);
    w.ports(m);
    w.line(fmt::format(R"(    localparam int T = {t};
    localparam int L = {l};

    typedef enum logic [1:0] {{LOAD, DIVIDE, EMIT}} state_t;
    logic [{xw}:0] xbuf [{nb}];
    state_t state;
    logic [15:0] wr_elems, rd_elems;
    logic [{bw}:0] wr_beat, rd_beat;
    logic [5:0] div_i;
    logic zr_valid, q_valid, q_last, err;
    logic [{qw}:0] q_data, q_next;
    logic [{zw}:0] zr_data;

    assign s_axis_x_tready = (state == LOAD);
    wire x_fire = s_axis_x_tvalid && s_axis_x_tready;
    wire last_in = (wr_elems + 16'd{l} == cfg_d);
    wire [{xw}:0] rd_word = xbuf[rd_beat];
    wire emit = (state == EMIT) && (rd_elems != cfg_d) && (!q_valid || m_axis_q_tready);

    always_ff @(posedge clk) begin
        if (x_fire) xbuf[wr_beat] <= s_axis_x_tdata;
    end

    for (genvar t = 0; t < T; t++) begin : g_tok
        logic signed [31:0] mn, mx, bmin, bmax;
        logic [31:0] rem;
        logic [48:0] inv;
        always_comb begin
            bmin = $signed(s_axis_x_tdata[t * L * 32 +: 32]);
            bmax = bmin;
            for (int i = 1; i < L; i++) begin
                if ($signed(s_axis_x_tdata[(t * L + i) * 32 +: 32]) < bmin)
                    bmin = $signed(s_axis_x_tdata[(t * L + i) * 32 +: 32]);
                if ($signed(s_axis_x_tdata[(t * L + i) * 32 +: 32]) > bmax)
                    bmax = $signed(s_axis_x_tdata[(t * L + i) * 32 +: 32]);
            end
        end
        wire [31:0] range = mx - mn;
        wire [32:0] rem_sh = {{rem, div_i == 6'd48}};
        // verilator lint_off UNUSEDSIGNAL
        wire [32:0] rem_sub = rem_sh - {{1'b0, range}};
        // verilator lint_on UNUSEDSIGNAL
        always_ff @(posedge clk) begin
            if (x_fire) begin
                if (wr_elems == 16'd0 || bmin < mn) mn <= bmin;
                if (wr_elems == 16'd0 || bmax > mx) mx <= bmax;
                rem <= 32'd0;
            end
            if (state == DIVIDE) begin
                if (range != 32'd0 && rem_sh >= {{1'b0, range}}) begin
                    rem <= rem_sub[31:0];
                    inv[div_i] <= 1'b1;
                end else begin
                    rem <= rem_sh[31:0];
                    inv[div_i] <= 1'b0;
                end
            end
        end
        assign zr_data[t * 64 +: 64] = {{range, mn}};
        for (genvar i = 0; i < L; i++) begin : g_lane
            flexllm_quant_code u_code (.x(rd_word[(t * L + i) * 32 +: 32]), .zero(mn), .inv(inv),
                                       .q(q_next[(t * L + i) * 4 +: 4]));
        end
    end

    always_ff @(posedge clk) begin
        if (rst) begin
            state <= LOAD;
            wr_elems <= 16'd0;
            wr_beat <= '0;
            rd_elems <= 16'd0;
            rd_beat <= '0;
            div_i <= 6'd0;
            zr_valid <= 1'b0;
            q_valid <= 1'b0;
            q_last <= 1'b0;
            err <= 1'b0;
        end else begin
            if (m_axis_q_tready) q_valid <= 1'b0;
            if (m_axis_zr_tready) zr_valid <= 1'b0;
            case (state)
                LOAD: begin
                    if (x_fire) begin
                        wr_beat <= wr_beat + {bits}'d1;
                        wr_elems <= wr_elems + 16'd{l};
                        if (s_axis_x_tlast != last_in) err <= 1'b1;
                        if (last_in) begin
                            state <= DIVIDE;
                            div_i <= 6'd48;
                        end
                    end
                end
                DIVIDE: begin
                    if (div_i == 6'd0) begin
                        state <= EMIT;
                        zr_valid <= 1'b1;
                        rd_elems <= 16'd0;
                        rd_beat <= '0;
                    end else begin
                        div_i <= div_i - 6'd1;
                    end
                end
                default: begin
                    if (emit) begin
                        q_valid <= 1'b1;
                        q_data <= q_next;
                        q_last <= (rd_elems + 16'd{l} == cfg_d);
                        rd_beat <= rd_beat + {bits}'d1;
                        rd_elems <= rd_elems + 16'd{l};
                    end
                    if (rd_elems == cfg_d && !zr_valid) begin
                        state <= LOAD;
                        wr_elems <= 16'd0;
                        wr_beat <= '0;
                    end
                end
            endcase
        end
    end

    assign m_axis_q_tvalid = q_valid;
    assign m_axis_q_tdata = q_data;
    assign m_axis_q_tlast = q_last;
    assign m_axis_zr_tvalid = zr_valid;
    assign m_axis_zr_tdata = zr_data;
    assign m_axis_zr_tlast = 1'b1;
    assign status_err = err;
endmodule)",
                       fmt::arg("t", t), fmt::arg("l", l), fmt::arg("xw", t * l * 32 - 1),
                       fmt::arg("nb", nb), fmt::arg("bw", index_width(nb) - 1),
                       fmt::arg("qw", t * l * 4 - 1), fmt::arg("zw", t * 64 - 1),
                       fmt::arg("bits", index_width(nb))));
    m.sv = w.str();
}

}  // namespace flexllm::rtlgen
