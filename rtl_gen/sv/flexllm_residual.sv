// Hand-written (not generated) SystemVerilog: flexllm_residual, the residual add core
// (golden/NUMERICS.md §2.11): z = sat32(x + y) per element of T x L int32 lanes. A join of the
// two input streams into one output register: a beat is taken when both inputs are valid and the
// register is free (or being read), one beat per cycle; tlast closes a group of cfg_d / L beats.
module flexllm_residual #(
    parameter int T = 1,     // tokens per beat
    parameter int L = 1,     // lanes (consecutive elements of one token) per beat
    parameter int FAULT = 0  // 0 none, 1 sum-bit (bit 4 of element 0's sum flips),
                             // 2 ignore-tready (the output register reloads while stalled)
) (
    input  logic              clk,
    input  logic              rst,              // synchronous, active high
    input  logic [15:0]       cfg_d,            // token length, a multiple of L
    input  logic              s_axis_x_tvalid,
    output logic              s_axis_x_tready,
    input  logic [T*L*32-1:0] s_axis_x_tdata,   // the residual stream
    input  logic              s_axis_x_tlast,
    input  logic              s_axis_y_tvalid,
    output logic              s_axis_y_tready,
    input  logic [T*L*32-1:0] s_axis_y_tdata,   // the block's output (o_proj, down_proj)
    input  logic              s_axis_y_tlast,
    output logic              m_axis_z_tvalid,
    input  logic              m_axis_z_tready,
    output logic [T*L*32-1:0] m_axis_z_tdata,
    output logic              m_axis_z_tlast,
    output logic              status_err        // sticky: an input tlast off the group's last beat
);
    localparam int NE = T * L;

    logic z_valid, z_last, err;
    logic [NE*32-1:0] z_data, z_next;
    logic [15:0] elems;  // elements of the group taken so far

    // The register is free when empty or read this cycle (ignore-tready: always).
    wire free = (FAULT == 2) ? 1'b1 : (!z_valid || m_axis_z_tready);
    wire take = s_axis_x_tvalid && s_axis_y_tvalid && free;
    assign s_axis_x_tready = s_axis_y_tvalid && free;
    assign s_axis_y_tready = s_axis_x_tvalid && free;
    wire last_beat = (elems + 16'(L) == cfg_d);

    for (genvar e = 0; e < NE; e++) begin : g_lane
        wire signed [32:0] sum = $signed({s_axis_x_tdata[e * 32 + 31], s_axis_x_tdata[e * 32 +: 32]}) +
                                 $signed({s_axis_y_tdata[e * 32 + 31], s_axis_y_tdata[e * 32 +: 32]});
        wire [31:0] sat = (sum > 33'sd2147483647) ? 32'h7fffffff
                        : (sum < -33'sd2147483648) ? 32'h80000000 : sum[31:0];
        if (FAULT == 1 && e == 0) begin : g_fault
            assign z_next[e * 32 +: 32] = sat ^ 32'd16;
        end else begin : g_ok
            assign z_next[e * 32 +: 32] = sat;
        end
    end

    always_ff @(posedge clk) begin
        if (rst) begin
            z_valid <= 1'b0;
            z_last <= 1'b0;
            elems <= 16'd0;
            err <= 1'b0;
        end else begin
            if (m_axis_z_tready) z_valid <= 1'b0;
            if (take) begin
                z_valid <= 1'b1;
                z_data <= z_next;
                z_last <= last_beat;
                elems <= last_beat ? 16'd0 : elems + 16'(L);
                if (s_axis_x_tlast != last_beat || s_axis_y_tlast != last_beat) err <= 1'b1;
            end
        end
    end

    assign m_axis_z_tvalid = z_valid;
    assign m_axis_z_tdata = z_data;
    assign m_axis_z_tlast = z_last;
    assign status_err = err;
endmodule
