// Hand-written (not generated) SystemVerilog: flexllm_swiglu, the SwiGLU core (NUMERICS.md 2.10):
// h = sat32(rshift_rnd(silu(g) * u, 16)), silu(g) = rshift_rnd(g * s(g), 16), per element of T x L
// int32 lanes, s the sigmoid table interpolated linearly (one flexllm_sigmoid_rom per element). A
// join of the gate and up streams into a four-stage pipeline under one enable (it advances when
// the output register is free or read): table read | interpolation | silu | product, saturation
// into the output register. One beat per cycle; tlast closes a group of cfg_d / L beats. Without
// stalls, G groups take G * d/L + 4 cycles from the first input beat accepted to the last output
// beat accepted (both counted); data-independent.
module flexllm_swiglu #(
    parameter int T = 1,     // tokens per beat
    parameter int L = 1,     // lanes (consecutive elements of one token) per beat
    parameter int FAULT = 0  // 0 none, 1 silu-bit (bit 12 of element 0's silu flips),
                             // 2 rom-reload (the sigmoid ROMs read while the pipeline is stalled)
) (
    input  logic              clk,
    input  logic              rst,              // synchronous, active high
    input  logic [15:0]       cfg_d,            // token length (intermediate), a multiple of L
    input  logic              s_axis_g_tvalid,
    output logic              s_axis_g_tready,
    input  logic [T*L*32-1:0] s_axis_g_tdata,   // gate_proj; element t * L + l: lane l of token t
    input  logic              s_axis_g_tlast,
    input  logic              s_axis_u_tvalid,
    output logic              s_axis_u_tready,
    input  logic [T*L*32-1:0] s_axis_u_tdata,   // up_proj, the same layout
    input  logic              s_axis_u_tlast,
    output logic              m_axis_h_tvalid,
    input  logic              m_axis_h_tready,
    output logic [T*L*32-1:0] m_axis_h_tdata,
    output logic              m_axis_h_tlast,
    output logic              status_err        // sticky: an input tlast off the group's last beat
);
    localparam int NE = T * L;

    logic [4:1] vld, lst;  // stage s holds a beat / that beat closes its group (4: the output)
    logic [15:0] elems;    // elements of the group taken so far
    logic err;
    // per element, stage 0 (from the inputs) -> 1 -> 2 -> 3 -> 4 (the output register)
    logic [NE*11-1:0] k0;          // table index
    logic [NE*10-1:0] f0, f1;      // interpolation fraction
    logic [NE-1:0] top0, top1;     // g >= 16 in Q16: s = 65536
    logic [NE*17-1:0] lo1, hi1;    // the ROMs' registered pair T[k], T[k + 1]
    logic [NE*17-1:0] s_next, s2;  // the interpolated sigmoid
    logic [NE*32-1:0] g1, g2, u1, u2, u3, silu_next, silu3, h_next, h4;

    wire adv = !vld[4] || m_axis_h_tready;
    wire take = s_axis_g_tvalid && s_axis_u_tvalid && adv;
    assign s_axis_g_tready = s_axis_u_tvalid && adv;
    assign s_axis_u_tready = s_axis_g_tvalid && adv;
    wire last_beat = (elems + 16'(L) == cfg_d);
    wire rom_en = (FAULT == 2) ? 1'b1 : adv;

    for (genvar e = 0; e < NE; e++) begin : g_lane
        // stage 0 -> 1: table address; below -16 (o < 0) reads T[0] with f = 0
        wire signed [32:0] o = $signed({s_axis_g_tdata[e*32+31], s_axis_g_tdata[e*32+:32]}) +
                               33'sd1048576;
        wire below = o[32];
        assign top0[e] = !o[32] && (|o[31:21]);
        assign k0[e*11+:11] = below ? 11'd0 : o[20:10];
        assign f0[e*10+:10] = below ? 10'd0 : o[9:0];
        flexllm_sigmoid_rom u_rom (
            .clk(clk), .en(rom_en), .k(k0[e*11+:11]), .lo(lo1[e*17+:17]), .hi(hi1[e*17+:17]));

        // stage 1 -> 2: s = T[k] + rshift_rnd((T[k + 1] - T[k]) * f, 10), between T[k] and T[k + 1]
        wire signed [17:0] diff = $signed({1'b0, hi1[e*17+:17]}) - $signed({1'b0, lo1[e*17+:17]});
        wire signed [28:0] step = diff * $signed({1'b0, f1[e*10+:10]});
        wire signed [18:0] adj = 19'((step + 29'sd512) >>> 10);
        wire [16:0] s_sum = 17'($signed({2'b00, lo1[e*17+:17]}) + adj);
        assign s_next[e*17+:17] = top1[e] ? 17'd65536 : s_sum;

        // stage 2 -> 3: silu = rshift_rnd(g * s, 16), |silu| <= |g|
        wire signed [49:0] gs = $signed(g2[e*32+:32]) * $signed({1'b0, s2[e*17+:17]});
        wire [31:0] silu = 32'((gs + 50'sd32768) >>> 16);
        if (FAULT == 1 && e == 0) begin : g_fault
            assign silu_next[e*32+:32] = silu ^ (32'd1 << 12);
        end else begin : g_ok
            assign silu_next[e*32+:32] = silu;
        end

        // stage 3 -> 4: h = sat32(rshift_rnd(silu * u, 16)), the exact 64-bit product
        wire signed [63:0] su = $signed(silu3[e*32+:32]) * $signed(u3[e*32+:32]);
        wire signed [47:0] h_sh = 48'((su + 64'sd32768) >>> 16);
        wire ovf = !(&h_sh[47:31] || !(|h_sh[47:31]));
        assign h_next[e*32+:32] = ovf ? {h_sh[47], {31{!h_sh[47]}}} : h_sh[31:0];
    end

    always_ff @(posedge clk) begin
        if (rst) begin
            vld <= '0;
            lst <= '0;
            elems <= 16'd0;
            err <= 1'b0;
        end else if (adv) begin
            vld <= {vld[3:1], take};
            lst <= {lst[3:1], last_beat};
            if (take) begin
                elems <= last_beat ? 16'd0 : elems + 16'(L);
                if (s_axis_g_tlast != last_beat || s_axis_u_tlast != last_beat) err <= 1'b1;
            end
        end
    end

    always_ff @(posedge clk) begin
        if (adv) begin
            g1 <= s_axis_g_tdata;
            u1 <= s_axis_u_tdata;
            f1 <= f0;
            top1 <= top0;
            g2 <= g1;
            u2 <= u1;
            s2 <= s_next;
            u3 <= u2;
            silu3 <= silu_next;
            h4 <= h_next;
        end
    end

    assign m_axis_h_tvalid = vld[4];
    assign m_axis_h_tdata = h4;
    assign m_axis_h_tlast = lst[4];
    assign status_err = err;
endmodule
