// Hand-written (not generated) SystemVerilog: flexllm_fht, the online R4 rotation core
// (golden/NUMERICS.md §2.10): per token row h of n int32 (n a power of two, L <= n <= NMAX),
// y = sat32(rshift_rnd(WHT(h), ceil(log2(n) / 2))), WHT the exact unnormalized Walsh-Hadamard
// transform in Sylvester order. A streaming pipeline, one beat per cycle: the strides below L
// (inside a beat) are butterflies into the input register; then one single-delay feedback stage
// per stride s = 2^k beats, largest first (k < log2(n / L); larger strides are skipped): a delay
// line of s beats holds the first half of each 2s-beat block, the second half meets it, a + b
// leaves and a - b enters the line to leave s beats later, so rows stay in natural order, s + 1
// cycles late; then round and saturate into the output register. Delay lines of two or more
// beats are synchronous-read memories; stage k's entries carry 32 + log2(NMAX) - k bits per
// element. Valid bits travel with the data: between groups the pipeline runs on without input
// (the next group overlaps, the last drains); within a group it waits for input; everything waits
// while the output register is full and not read. Without stalls, G groups of B = n / L beats
// take G * B + B + log2(B) + 1 cycles from the first input beat accepted to the last output beat
// accepted (both counted).
module flexllm_fht #(
    parameter int T = 4,       // tokens per beat
    parameter int L = 1,       // lanes (consecutive elements of one token) per beat, a power of two
    parameter int NMAX = 256,  // largest n, a power of two, 2 * L <= NMAX <= 32768
    parameter int FAULT = 0    // 0 none, 1 round-floor (rshift without the rounding half),
                               // 2 advance-stalled (the pipeline advances while the output
                               // register is stalled, losing the beats that reach it)
) (
    input  logic              clk,
    input  logic              rst,              // synchronous, active high
    input  logic [15:0]       cfg_d,            // n: a power of two, L..NMAX
    input  logic [4:0]        cfg_log2n,        // log2(n)
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
    localparam int KL = $clog2(L);         // strides inside a beat
    localparam int KB = $clog2(NMAX / L);  // strides of whole beats: one stage each
    localparam int W0 = 32 + KL;           // after the in-beat butterflies
    localparam int WF = W0 + KB;           // after every stage: 32 + log2(NMAX)
    localparam int SW = NE * WF;           // one beat between stages

    logic [15:0] in_elems, out_elems;
    logic y_valid, y_last, err;
    logic [NE*32-1:0] y_data, y_next;
    logic [NE*W0-1:0] r0_data, r0_next;
    logic r0_valid;
    logic [(KB+1)*SW-1:0] stage_data;  // [k]: the stride-2^k stage's output, [KB]: input register
    logic [KB:0] stage_valid;

    wire can_out = !y_valid || m_axis_y_tready;
    wire go = (FAULT == 2) || can_out;
    wire adv = go && (s_axis_x_tvalid || in_elems == 16'd0);  // the whole pipeline moves
    wire x_fire = s_axis_x_tvalid && go;
    wire last_in = (in_elems + 16'(L) == cfg_d);
    wire last_out = (out_elems + 16'(L) == cfg_d);
    wire [4:0] log2b = cfg_log2n - 5'(KL);  // beat stages in use: strides 2^0 .. 2^(log2b-1)
    wire [3:0] shift = 4'((cfg_log2n + 5'd1) >> 1);
    wire [SW-1:0] fin_data = (log2b == 5'd0) ? stage_data[KB*SW+:SW] : stage_data[0+:SW];
    wire fin_valid = (log2b == 5'd0) ? stage_valid[KB] : stage_valid[0];
    assign s_axis_x_tready = go;

    // In-beat strides 1, 2, .., L/2 (lanes) of one token.
    function automatic logic [L*W0-1:0] wht_beat(input logic [L*32-1:0] x);
        logic [L*W0-1:0] v;
        logic [W0-1:0] p, q;
        for (int l = 0; l < L; l++) v[l*W0+:W0] = W0'($signed(x[l*32+:32]));
        for (int j = 0; j < KL; j++)
            for (int l = 0; l < L; l++)
                if (((l >> j) & 1) == 0) begin
                    p = v[l*W0+:W0];
                    q = v[(l+(1<<j))*W0+:W0];
                    v[l*W0+:W0] = p + q;
                    v[(l+(1<<j))*W0+:W0] = p - q;
                end
        wht_beat = v;
    endfunction

    for (genvar t = 0; t < T; t++) begin : g_tok
        assign r0_next[t*L*W0+:L*W0] = wht_beat(s_axis_x_tdata[t*L*32+:L*32]);
        for (genvar l = 0; l < L; l++) begin : g_lane
            assign stage_data[KB*SW+(t*L+l)*WF+:WF] = WF'($signed(r0_data[(t*L+l)*W0+:W0]));
        end
    end
    assign stage_valid[KB] = r0_valid;

    always_ff @(posedge clk) begin
        if (adv) r0_data <= r0_next;
    end

    // Stride 2^k beats; the first stage in use takes the input register.
    for (genvar k = 0; k < KB; k++) begin : g_stage
        localparam int WO = W0 + KB - k;  // output width: one bit per stage so far
        wire top = (5'(k) + 5'd1 == log2b);
        wire [SW-1:0] din = top ? stage_data[KB*SW+:SW] : stage_data[(k+1)*SW+:SW];
        wire vin = top ? stage_valid[KB] : stage_valid[k+1];
        logic [k:0] cnt;  // valid input beats mod 2^(k+1)
        wire second = vin && cnt[k];  // the second half of a 2^(k+1)-beat block
        logic [NE*WO-1:0] line_out, line_in, nxt, o_data;
        logic line_valid, o_valid;

        for (genvar e = 0; e < NE; e++) begin : g_bf
            wire signed [WO-1:0] a = line_out[e*WO+:WO];
            wire signed [WO-1:0] b = WO'($signed(din[e*WF+:WF]));
            assign nxt[e*WO+:WO] = second ? a + b : a;
            assign line_in[e*WO+:WO] = second ? a - b : b;
            assign stage_data[k*SW+e*WF+:WF] = WF'($signed(o_data[e*WO+:WO]));
        end
        assign stage_valid[k] = o_valid;

        // Delay line of 2^k beats; its valid bit marks a - b (an output), not a held a.
        if (k == 0) begin : g_reg
            logic [NE*WO-1:0] mem;
            logic mem_valid;
            always_ff @(posedge clk) begin
                if (adv) mem <= line_in;
                if (rst) mem_valid <= 1'b0;
                else if (adv) mem_valid <= second;
            end
            assign line_out = mem;
            assign line_valid = mem_valid;
        end else begin : g_ram
            logic [NE*WO-1:0] mem[2**k];
            logic [NE*WO-1:0] rd;  // mem[ptr], read a step ahead (a synchronous read port)
            logic [2**k-1:0] mem_valid;
            logic [k-1:0] ptr;
            always_ff @(posedge clk) begin
                if (adv) begin
                    mem[ptr] <= line_in;
                    rd <= mem[ptr+k'(1)];
                end
            end
            always_ff @(posedge clk) begin
                if (rst) begin
                    mem_valid <= '0;
                    ptr <= '0;
                end else if (adv) begin
                    mem_valid[ptr] <= second;
                    ptr <= ptr + k'(1);
                end
            end
            assign line_out = rd;
            assign line_valid = mem_valid[ptr];
        end

        always_ff @(posedge clk) begin
            if (adv) o_data <= nxt;
            if (rst) begin
                o_valid <= 1'b0;
                cnt <= '0;
            end else if (adv) begin
                o_valid <= second || line_valid;
                cnt <= cnt + (k + 1)'(vin);
            end
        end
    end

    // y = sat32(rshift_rnd(w, shift)) (round-floor: without the half).
    for (genvar e = 0; e < NE; e++) begin : g_out
        wire signed [WF:0] w = (WF + 1)'($signed(fin_data[e*WF+:WF]));
        wire signed [WF:0] half = (FAULT == 1) ? '0 : $signed(((WF + 1)'(1) << shift) >> 1);
        wire signed [WF:0] r = (w + half) >>> shift;
        wire ovf = !(&r[WF:31] || !(|r[WF:31]));
        assign y_next[e*32+:32] = ovf ? {r[WF], {31{!r[WF]}}} : r[31:0];
    end

    always_ff @(posedge clk) begin
        if (rst) begin
            in_elems <= 16'd0;
            out_elems <= 16'd0;
            r0_valid <= 1'b0;
            y_valid <= 1'b0;
            y_last <= 1'b0;
            err <= 1'b0;
        end else begin
            if (m_axis_y_tready) y_valid <= 1'b0;
            if (x_fire) begin
                if (s_axis_x_tlast != last_in) err <= 1'b1;
                in_elems <= last_in ? 16'd0 : in_elems + 16'(L);
            end
            if (adv) r0_valid <= x_fire;
            if (adv && can_out) begin
                y_valid <= fin_valid;
                y_data <= y_next;
                y_last <= fin_valid && last_out;
                if (fin_valid) out_elems <= last_out ? 16'd0 : out_elems + 16'(L);
            end
        end
    end

    assign m_axis_y_tvalid = y_valid;
    assign m_axis_y_tdata = y_data;
    assign m_axis_y_tlast = y_last;
    assign status_err = err;
endmodule
