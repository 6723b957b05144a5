// Hand-written (not generated) SystemVerilog: flexllm_rmsnorm, the rmsnorm core (NUMERICS.md 2.1).
// Per group of T tokens (d/L beats of T x L int32, tlast on the last): load the beats into a buffer
// while summing each token's squares; then per token, in parallel, ms = ss / d (flexllm_divu, 63
// steps), v = ms + eps, 2^80 / v (flexllm_divu, 81 steps), r = isqrt of that (flexllm_isqrt, 41
// steps); then emit y = sat32(rshift_rnd(x * r, 24)). One 32 x 42-bit multiplier per element
// squares on load and scales on emit. Without stalls, G groups take G * (2 * d/L + 188) + 1 cycles
// from the first input beat accepted to the last output beat accepted (both counted).
module flexllm_rmsnorm #(
    parameter int T = 4,       // tokens per beat
    parameter int L = 1,       // lanes (consecutive elements of one token) per beat
    parameter int DMAX = 256,  // largest d (a multiple of L, at most 65535)
    parameter int FAULT = 0    // 0 none, 1 rsqrt-bit (bit 12 of token 0's r flipped),
                               // 2 reload-stalled (output data reloads while stalled)
) (
    input  logic              clk,
    input  logic              rst,              // synchronous, active high
    input  logic [15:0]       cfg_d,            // token length, a multiple of L, 1..DMAX
    input  logic [39:0]       cfg_eps,          // eps_q32 >= 1
    input  logic              s_axis_x_tvalid,
    output logic              s_axis_x_tready,
    input  logic [T*L*32-1:0] s_axis_x_tdata,   // element t * L + l: lane l of token t
    input  logic              s_axis_x_tlast,   // last beat of a group
    output logic              m_axis_y_tvalid,
    input  logic              m_axis_y_tready,
    output logic [T*L*32-1:0] m_axis_y_tdata,
    output logic              m_axis_y_tlast,
    output logic              status_err        // sticky: input tlast not exactly on last beats
);
    localparam int NE = T * L;
    localparam int NB = DMAX / L;
    localparam int BW = NB > 1 ? $clog2(NB) : 1;
    localparam int SSW = 62 + $clog2(DMAX + 1);  // sum of d squares, each <= 2^62
    localparam int MSW = 63;                     // mean square <= 2^62; + eps < 2^63
    localparam int RCW = 81;                     // floor(2^80 / v) <= 2^80
    localparam int RW = (RCW + 1) / 2;           // r = isqrt(...) <= 2^40
    localparam logic [RCW-1:0] kTwo80 = {1'b1, 80'd0};

    typedef enum logic [2:0] {
        S_LOAD,
        S_MEAN,
        S_RECIP,
        S_ROOT,
        S_EMIT
    } state_t;

    state_t state;
    logic [NE*32-1:0] xbuf[NB];
    logic [15:0] wr_elems, rd_elems;
    logic [BW-1:0] wr_beat, rd_beat;
    logic y_valid, y_last, err;
    logic [NE*32-1:0] y_data, y_next;
    logic [T-1:0] mean_done, recip_done, root_done;

    assign s_axis_x_tready = (state == S_LOAD);
    wire x_fire = s_axis_x_tvalid && s_axis_x_tready;
    wire last_in = (wr_elems + 16'(L) == cfg_d);
    wire last_fire = x_fire && last_in;
    wire [NE*32-1:0] rd_word = xbuf[rd_beat];
    wire emit = (state == S_EMIT) && (!y_valid || m_axis_y_tready);
    wire last_out = (rd_elems + 16'(L) == cfg_d);
    wire reload = emit || (FAULT == 2 && state == S_EMIT && y_valid && !m_axis_y_tready);

    always_ff @(posedge clk) begin
        if (x_fire) xbuf[wr_beat] <= s_axis_x_tdata;
    end

    for (genvar t = 0; t < T; t++) begin : g_tok
        logic [SSW-1:0] ss, ss_next;
        logic [L*63-1:0] sq;  // this beat's squares, each <= 2^62
        logic [MSW-1:0] ms;
        logic [RCW-1:0] recip;
        logic [RW-1:0] root, r;

        always_comb begin
            ss_next = (wr_elems == 16'd0) ? '0 : ss;
            for (int l = 0; l < L; l++) ss_next = ss_next + SSW'(sq[l*63+:63]);
        end
        always_ff @(posedge clk) begin
            if (x_fire) ss <= ss_next;
        end

        wire [MSW-1:0] v = ms + MSW'(cfg_eps);
        flexllm_divu #(.NW(SSW), .DW(16), .QW(MSW)) u_mean (
            .clk(clk), .rst(rst), .start(last_fire), .dividend(ss_next), .divisor(cfg_d),
            .quotient(ms), .done(mean_done[t]));
        flexllm_divu #(.NW(RCW), .DW(MSW), .QW(RCW)) u_recip (
            .clk(clk), .rst(rst), .start(mean_done[t]), .dividend(kTwo80), .divisor(v),
            .quotient(recip), .done(recip_done[t]));
        flexllm_isqrt #(.RW(RCW)) u_root (
            .clk(clk), .rst(rst), .start(recip_done[t]), .radicand(recip), .root(root),
            .done(root_done[t]));
        assign r = (FAULT == 1 && t == 0) ? root ^ (RW'(1) << 12) : root;

        for (genvar l = 0; l < L; l++) begin : g_lane
            localparam int E = t * L + l;
            wire signed [31:0] a = (state == S_LOAD) ? s_axis_x_tdata[E*32+:32] : rd_word[E*32+:32];
            wire signed [RW:0] b = (state == S_LOAD) ? (RW + 1)'(a) : $signed({1'b0, r});
            wire signed [73:0] prod = a * b;  // x^2 on load, x * r (|.| <= 2^71) on emit
            wire signed [48:0] y_sh = 49'((prod + 74'sd8388608) >>> 24);
            wire ovf = !(&y_sh[48:31] || !(|y_sh[48:31]));  // sat32 (|y| <= 2^16 sqrt(d) + 1)
            assign sq[l*63+:63] = prod[62:0];
            assign y_next[E*32+:32] = ovf ? {y_sh[48], {31{!y_sh[48]}}} : y_sh[31:0];
        end
    end

    always_ff @(posedge clk) begin
        if (rst) begin
            state <= S_LOAD;
            wr_elems <= 16'd0;
            wr_beat <= '0;
            rd_elems <= 16'd0;
            rd_beat <= '0;
            y_valid <= 1'b0;
            y_last <= 1'b0;
            err <= 1'b0;
        end else begin
            if (m_axis_y_tready) y_valid <= 1'b0;
            if (reload) y_data <= y_next;
            case (state)
                S_LOAD: begin
                    if (x_fire) begin
                        if (s_axis_x_tlast != last_in) err <= 1'b1;
                        if (last_in) begin
                            state <= S_MEAN;
                            wr_elems <= 16'd0;
                            wr_beat <= '0;
                        end else begin
                            wr_elems <= wr_elems + 16'(L);
                            wr_beat <= wr_beat + BW'(1);
                        end
                    end
                end
                S_MEAN: if (&mean_done) state <= S_RECIP;
                S_RECIP: if (&recip_done) state <= S_ROOT;
                S_ROOT: if (&root_done) state <= S_EMIT;
                S_EMIT: begin
                    if (emit) begin
                        y_valid <= 1'b1;
                        y_last <= last_out;
                        if (last_out) begin
                            state <= S_LOAD;
                            rd_elems <= 16'd0;
                            rd_beat <= '0;
                        end else begin
                            rd_elems <= rd_elems + 16'(L);
                            rd_beat <= rd_beat + BW'(1);
                        end
                    end
                end
                default: state <= S_LOAD;
            endcase
        end
    end

    assign m_axis_y_tvalid = y_valid;
    assign m_axis_y_tdata = y_data;
    assign m_axis_y_tlast = y_last;
    assign status_err = err;
endmodule
