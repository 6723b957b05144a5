// Hand-written (not generated) SystemVerilog: flexllm_rope, the RoPE core (NUMERICS.md 2.4).
// Per group of T tokens: s_axis_cs brings the group's cos/sin, (hd/2)/L beats of T x L
// {sin[63:32], cos[31:0]} (two banks, so the next group's tables load while this group streams);
// then s_axis_x brings the rows, cfg_d / L beats of T x L int32, head by head. A head's first half
// is buffered; as each second-half beat x[j + hd/2] arrives, the pair gives y[j] (sent at once)
// and y[j + hd/2] (buffered, sent while the next head's first half arrives), with
// y[j] = sat32(rshift_rnd(x[j]*cos - x[j+hd/2]*sin, 16)),
// y[j+hd/2] = sat32(rshift_rnd(x[j+hd/2]*cos + x[j]*sin, 16)): four 32 x 32 products per lane.
// Without stalls (both inputs offered), G groups take G * cfg_d/L + cfg_head_dim/L + 1 cycles
// from the first input beat accepted to the last output beat accepted (both counted).
module flexllm_rope #(
    parameter int T = 4,        // tokens per beat
    parameter int L = 1,        // lanes (consecutive elements of one token) per beat
    parameter int HDMAX = 128,  // largest head_dim (2 * L divides it)
    parameter int FAULT = 0     // 0 none, 1 sin-sign (y[j + hd/2] subtracts x[j] * sin),
                                // 2 drain-overrun (second-half outputs load while stalled)
) (
    input  logic              clk,
    input  logic              rst,               // synchronous, active high
    input  logic [15:0]       cfg_d,             // row length, a multiple of cfg_head_dim
    input  logic [15:0]       cfg_head_dim,      // head_dim, 2 * L divides it, at most HDMAX
    input  logic              s_axis_cs_tvalid,
    output logic              s_axis_cs_tready,
    input  logic [T*L*64-1:0] s_axis_cs_tdata,   // lane t * L + l: {sin, cos} of token t at b*L + l
    input  logic              s_axis_cs_tlast,   // last table beat of a group
    input  logic              s_axis_x_tvalid,
    output logic              s_axis_x_tready,
    input  logic [T*L*32-1:0] s_axis_x_tdata,    // element t * L + l: lane l of token t
    input  logic              s_axis_x_tlast,    // last beat of a group
    output logic              m_axis_y_tvalid,
    input  logic              m_axis_y_tready,
    output logic [T*L*32-1:0] m_axis_y_tdata,
    output logic              m_axis_y_tlast,
    output logic              status_err         // sticky: input tlast not exactly on last beats
);
    localparam int NE = T * L;
    localparam int NHB = HDMAX / (2 * L);  // beats of half a head
    localparam int BW = NHB > 1 ? $clog2(NHB) : 1;

    typedef enum logic {
        S_FIRST,   // x[j]: buffered
        S_SECOND   // x[j + hd/2]: both outputs computed
    } half_t;

    half_t half;
    logic [NE*32-1:0] xbuf[NHB];  // the head's first half
    logic [NE*32-1:0] ybuf[NHB];  // the head's second-half outputs
    logic [1:0] cs_full;          // per bank: a group's tables loaded, not yet used up
    logic cs_wr_bank, cs_rd_bank;
    logic [15:0] cs_elems, h_elems, x_elems, dr_elems;
    logic [BW-1:0] cs_beat, h_beat, dr_beat;
    logic draining, drain_last, y_valid, y_last, err;
    logic [NE*32-1:0] y_data, y_first, y_second;
    logic [2*NE*64-1:0] cs_word;  // both banks' table beats at h_beat

    wire [15:0] half_d = cfg_head_dim >> 1;
    wire free = !y_valid || m_axis_y_tready;

    assign s_axis_cs_tready = !cs_full[cs_wr_bank];
    wire cs_fire = s_axis_cs_tvalid && s_axis_cs_tready;
    wire cs_end = (cs_elems + 16'(L) == half_d);

    assign s_axis_x_tready = cs_full[cs_rd_bank] && (half == S_FIRST || (!draining && free));
    wire x_fire = s_axis_x_tvalid && s_axis_x_tready;
    wire h_end = (h_elems + 16'(L) == half_d);
    wire row_end = (x_elems + 16'(L) == cfg_d);
    wire direct = x_fire && (half == S_SECOND);  // y[j] to the output, y[j + hd/2] to ybuf

    wire drain = draining && (FAULT == 2 || free);
    wire dr_end = (dr_elems + 16'(L) == half_d);
    wire [NE*32-1:0] xa = xbuf[h_beat];
    wire [NE*64-1:0] cs_rd = cs_rd_bank ? cs_word[NE*64+:NE*64] : cs_word[0+:NE*64];

    for (genvar k = 0; k < 2; k++) begin : g_bank
        logic [NE*64-1:0] mem[NHB];
        always_ff @(posedge clk) begin
            if (cs_fire && cs_wr_bank == 1'(k)) mem[cs_beat] <= s_axis_cs_tdata;
        end
        assign cs_word[k*NE*64+:NE*64] = mem[h_beat];
    end

    always_ff @(posedge clk) begin
        if (x_fire && half == S_FIRST) xbuf[h_beat] <= s_axis_x_tdata;
        if (direct) ybuf[h_beat] <= y_second;
    end

    for (genvar e = 0; e < NE; e++) begin : g_lane
        wire signed [31:0] a = xa[e*32+:32];                // x[j]
        wire signed [31:0] b = s_axis_x_tdata[e*32+:32];    // x[j + hd/2]
        wire signed [31:0] c = cs_rd[e*64+:32];
        wire signed [31:0] s = cs_rd[e*64+32+:32];
        wire signed [63:0] ac = a * c, bs = b * s, bc = b * c, as_ = a * s;
        wire signed [64:0] lo = 65'(ac) - 65'(bs);
        wire signed [64:0] hi = (FAULT == 1) ? 65'(bc) - 65'(as_) : 65'(bc) + 65'(as_);
        wire signed [48:0] lo_sh = 49'((lo + 65'sd32768) >>> 16);
        wire signed [48:0] hi_sh = 49'((hi + 65'sd32768) >>> 16);
        wire lo_ovf = !(&lo_sh[48:31] || !(|lo_sh[48:31]));
        wire hi_ovf = !(&hi_sh[48:31] || !(|hi_sh[48:31]));
        assign y_first[e*32+:32] = lo_ovf ? {lo_sh[48], {31{!lo_sh[48]}}} : lo_sh[31:0];
        assign y_second[e*32+:32] = hi_ovf ? {hi_sh[48], {31{!hi_sh[48]}}} : hi_sh[31:0];
    end

    always_ff @(posedge clk) begin
        if (rst) begin
            half <= S_FIRST;
            cs_full <= 2'b00;
            cs_wr_bank <= 1'b0;
            cs_rd_bank <= 1'b0;
            cs_elems <= 16'd0;
            cs_beat <= '0;
            h_elems <= 16'd0;
            h_beat <= '0;
            x_elems <= 16'd0;
            dr_elems <= 16'd0;
            dr_beat <= '0;
            draining <= 1'b0;
            drain_last <= 1'b0;
            y_valid <= 1'b0;
            y_last <= 1'b0;
            err <= 1'b0;
        end else begin
            if (cs_fire) begin
                if (s_axis_cs_tlast != cs_end) err <= 1'b1;
                if (cs_end) begin
                    cs_full[cs_wr_bank] <= 1'b1;
                    cs_wr_bank <= !cs_wr_bank;
                    cs_elems <= 16'd0;
                    cs_beat <= '0;
                end else begin
                    cs_elems <= cs_elems + 16'(L);
                    cs_beat <= cs_beat + BW'(1);
                end
            end
            if (x_fire) begin
                if (s_axis_x_tlast != row_end) err <= 1'b1;
                x_elems <= row_end ? 16'd0 : x_elems + 16'(L);
                if (row_end) begin
                    cs_full[cs_rd_bank] <= 1'b0;
                    cs_rd_bank <= !cs_rd_bank;
                end
                if (h_end) begin
                    half <= (half == S_FIRST) ? S_SECOND : S_FIRST;
                    h_elems <= 16'd0;
                    h_beat <= '0;
                end else begin
                    h_elems <= h_elems + 16'(L);
                    h_beat <= h_beat + BW'(1);
                end
                if (half == S_SECOND && h_end) begin
                    draining <= 1'b1;
                    drain_last <= row_end;
                end
            end
            if (m_axis_y_tready) y_valid <= 1'b0;
            if (direct) begin
                y_valid <= 1'b1;
                y_data <= y_first;
                y_last <= 1'b0;
            end
            if (drain) begin
                y_valid <= 1'b1;
                y_data <= ybuf[dr_beat];
                y_last <= drain_last && dr_end;
                if (dr_end) begin
                    draining <= 1'b0;
                    dr_elems <= 16'd0;
                    dr_beat <= '0;
                end else begin
                    dr_elems <= dr_elems + 16'(L);
                    dr_beat <= dr_beat + BW'(1);
                end
            end
        end
    end

    assign m_axis_y_tvalid = y_valid;
    assign m_axis_y_tdata = y_data;
    assign m_axis_y_tlast = y_last;
    assign status_err = err;
endmodule
